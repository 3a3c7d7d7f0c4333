"""``translate segment``: an article's structure as data (the canonical record's paragraphs and
sentences, ``align.assemble``, without translations) or as a readable outline with the kinds marked.
A stage of its own (not in ``text/``): it shows what the pipeline will make of the article."""

from __future__ import annotations

from pathlib import Path

from ..reading.files import MIN_ARABIC_LETTERS, read_document
from ..record import label
from ..text.patterns import Patterns
from ..text.segment import segment
from .align import assemble


def describe(path: Path, *, patterns: Patterns | None = None, explicit: bool = True,
             min_arabic_letters: int = MIN_ARABIC_LETTERS) -> dict:
    """The structure of one article; ``patterns`` and ``min_arabic_letters``: the profile's input
    options (its user patterns; fewer Arabic letters and the file is not an article)."""
    doc = segment(read_document(path, explicit=explicit, min_arabic_letters=min_arabic_letters), patterns=patterns)
    return {"source": {"path": str(path), "sha256": doc.sha256, "encoding": doc.encoding, "format": doc.format,
                       "characters": len(doc.text), "line_wrap": doc.line_wrap and doc.line_wrap.as_record()},
            "title": doc.title, "date": doc.date, "time": doc.time, "date_hijri": doc.date_hijri,
            "paragraphs": assemble(doc)}


def render_text(item: dict) -> str:
    src = item["source"]
    wrap = src.get("line_wrap")
    rejoined = f", hard-wrapped at {wrap['width']} {wrap['unit']}: lines rejoined" if wrap else ""
    when = item["date"] or "(none)"
    if item.get("time"):
        when += f"  {item['time']}"
    if item.get("date_hijri"):
        when += f"  (Hijri: {item['date_hijri']})"
    lines = [f"== {src['path']}  ({src['format']}, {src['encoding']}, {src['characters']} characters{rejoined})",
             f"   title: {item['title'] or '(none)'}", f"   date:  {when}"]
    for p in item["paragraphs"]:
        lines.append(f"[{p['id']} {label(p)}]")
        for s in p["sentences"]:
            mark = " (dateline)" if s.get("dateline") else ""
            lines.append(f"   {s['id']}{mark}: {s['source']}")
    return "\n".join(lines) + "\n"

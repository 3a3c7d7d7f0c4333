"""``translate segment FOLDER --summary``: what a source's articles turn into, before translating.

A new source brings furniture the segmenter may not know (a follow-us line, a column label, an
odd timestamp). Over a folder this counts the blocks of each kind and role, the share of articles
that got a title and a date, and lists the most frequent lines of each kind: a line that repeats
across articles as ``body`` or ``title`` is furniture to add to the profile's ``input:`` patterns.
No model is loaded.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from ..reading.files import MIN_ARABIC_LETTERS, discover, read_document
from .patterns import Patterns
from .segment import segment

REPEATED_ONLY = ("body", "title")  # for these, only lines seen more than once are worth listing
SHOWN_CHARACTERS = 90
LONGEST_COUNTED = 300  # furniture is short: longer blocks are counted, their text is not kept


def articles(paths: Iterable[Path]) -> tuple[list[tuple[Path, bool]], list[Path]]:
    """The article files under ``paths`` (files or folders), each with whether it was named
    explicitly; and the files skipped for their extension."""
    found, skipped = [], []
    for path in paths:
        if path.is_dir():
            files, ignored = discover(path)
            found += [(f, False) for f in files]
            skipped += ignored
        else:
            found.append((path, True))
    return found, skipped


def survey(paths: Iterable[Path], *, patterns: Patterns | None = None, top: int = 5,
           min_arabic_letters: int = MIN_ARABIC_LETTERS) -> dict:
    """Counts over every article under ``paths``: see the module docstring. Unreadable articles are
    listed with their reason, never raised; ``patterns`` and ``min_arabic_letters``: the profile's
    input options."""
    files, skipped = articles(paths)
    blocks: Counter[str] = Counter()
    having: Counter[str] = Counter()
    lines: dict[str, Counter[str]] = {}
    failed, titled, dated, datelined, count = [], 0, 0, 0, 0
    for path, explicit in files:
        try:
            doc = segment(read_document(path, explicit=explicit, min_arabic_letters=min_arabic_letters),
                          patterns=patterns)
        except InputError as exc:
            failed.append({"path": str(path), "reason": exc.reason})
            continue
        count += 1
        titled += doc.title is not None
        dated += doc.date is not None
        datelined += any(s.dateline for b in doc.blocks for s in b.sentences)
        keys = set()
        for block in doc.blocks:
            key = block.kind + (f"/{block.role}" if block.role else "")
            blocks[key] += 1
            keys.add(key)
            if len(block.text) <= LONGEST_COUNTED:
                lines.setdefault(key, Counter())[block.text] += 1
        having.update(keys)
    frequent = {}
    for key in sorted(lines):
        common = lines[key].most_common()
        if key in REPEATED_ONLY:
            common = [(text, n) for text, n in common if n > 1]
        frequent[key] = [[text, n] for text, n in common[:top]]
    return {"articles": count, "failed": failed, "skipped": [str(p) for p in skipped],
            "with_title": titled, "with_date": dated, "with_dateline": datelined,
            "blocks": {key: {"blocks": blocks[key], "articles": having[key]} for key in sorted(blocks)},
            "frequent": frequent}


def _share(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.0f}%)" if whole else "0"


def render_survey(data: dict) -> str:
    """The survey as a few readable tables."""
    n = data["articles"]
    extra = [f"{len(data['failed'])} failed"] if data["failed"] else []
    extra += [f"{len(data['skipped'])} skipped"] if data["skipped"] else []
    out = [f"== {n} articles" + (f" ({', '.join(extra)})" if extra else ""),
           f"   with a title: {_share(data['with_title'], n)}   with a date: {_share(data['with_date'], n)}"
           f"   with an opening dateline: {_share(data['with_dateline'], n)}", "",
           f"{'kind/role':<20} {'blocks':>7} {'articles':>9}"]
    for key, counts in data["blocks"].items():
        out.append(f"{key:<20} {counts['blocks']:>7} {counts['articles']:>9}")
    out += ["", "most frequent lines (body and title: only lines seen more than once):"]
    for key, rows in data["frequent"].items():
        if not rows:
            continue
        out.append(f"[{key}]")
        for text, count in rows:
            shown = text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 1] + "…"
            out.append(f"   {count:>5}  {shown}")
    for failure in data["failed"]:
        out.append(f"failed: {failure['path']}: {failure['reason']}")
    return "\n".join(out) + "\n"

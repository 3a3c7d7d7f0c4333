"""``<name>.md``: the review file, read top to bottom — title, date, how many sentences are flagged
and still to review, summary, then each paragraph's Arabic and English together, with paragraph
ids; every flagged English sentence is followed by its flags (``**⚑ number_mismatch**``, as on the
HTML page), explained at the end with the ids of the sentences that raised them.

Every piece of text that comes from the article (titles, summary, paragraphs, source path) or
from settings goes through ``escape``: it renders as its own characters and nothing in it is live.
"""

from __future__ import annotations

from html import escape

from ..record import all_copied, flag_reason, flags, is_human, label_for_people, review_counts, sentences
from .escape import display_name, html_text, md_text


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in md_text(text).splitlines())


def _anchor(pid: str) -> str:
    return escape(str(pid), quote=True)


def _summary(summary: dict) -> list[str]:
    out = ["## Summary", ""]
    if summary["method"] == "none":
        return out + ["_No summary was requested._", ""]
    if not summary["sentences"]:
        return out + ["_The article has no body text to summarize._", ""]
    for sentence in summary["sentences"]:
        refs = ", ".join(f"[{md_text(p)}](#{_anchor(p)})" for p in sentence["paragraph_ids"])
        out.append(f"- {md_text(' '.join(sentence['text'].split()))}" + (f" ({refs})" if refs else ""))
    made_by = md_text(summary["model"]) if summary["model"] else "extractive: central sentences of the article"
    if summary.get("fallback_from"):
        made_by += f"; instead of {md_text(summary['fallback_from'])}: {md_text(summary.get('reason') or '')}"
    return out + ["", f"_Summary method: {md_text(summary['method'])} ({made_by})._", ""]


def _english(paragraph: dict) -> str:
    """The paragraph's English, each flagged sentence followed by its flags."""
    if not any(flags(s) for s in paragraph["sentences"]):
        return md_text(paragraph["target"])
    parts = []
    for s in paragraph["sentences"]:
        text = md_text(" ".join((s.get("target") or "").split()))
        raised = flags(s)
        marker = f"**⚑ {md_text(', '.join(raised))}**" if raised else ""
        parts.append(" ".join(part for part in (text, marker) if part))
    return " ".join(part for part in parts if part)


def _legend(record: dict) -> list[str]:
    """Every flag raised in the article: what it means and which sentences raised it."""
    raised: dict[str, list[str]] = {}
    for _, s in sentences(record):
        for flag in flags(s):
            raised.setdefault(flag, []).append(s["id"])
    if not raised:
        return []
    out = ["## Quality flags", ""]
    for flag, ids in raised.items():
        links = ", ".join(f"[{md_text(sid)}](#{_anchor(sid.split('.')[0])})" for sid in ids)
        out.append(f"- **⚑ {md_text(flag)}**: {md_text(flag_reason(flag))} ({links})")
    return out + [""]


def render_markdown(record: dict) -> str:
    path = display_name(record["source"]["path"])
    title_en = record.get("title_target") or record.get("title") or path
    out = [f"# {md_text(' '.join(title_en.split()))}", ""]
    if record.get("title"):
        out += [f'<p dir="rtl" lang="ar">{html_text(" ".join(record["title"].split()))}</p>', ""]
    prov = record["provenance"]
    facts = [f"**Date:** {md_text(record.get('date') or 'unknown')}", f"**Source file:** {md_text(path)}",
             f"**Translation:** {md_text(prov['translation']['model'])} ({md_text(prov['translation']['backend'])})"]
    counts = review_counts(record)
    facts.append(f"**Review:** {counts['flagged']} flagged sentence(s), {counts['to_review']} to review, "
                 f"{counts['reviewed']} reviewed")
    out += [" · ".join(facts), ""]
    out += _summary(record["summary"])
    out += ["## Article", ""]
    for p in record["paragraphs"]:
        label = label_for_people(p)
        heading = f'<a id="{_anchor(p["id"])}"></a>**{md_text(p["id"])}**'
        out.append(heading + (f" · _{md_text(label)}_" if label else ""))
        out += ["", _quote(p["source"]), ""]
        out += [_english(p) + (" _(not translated: no Arabic text)_" if all_copied(p) else ""), ""]
        reviewed = [s for s in p["sentences"] if is_human(s)]
        if reviewed:
            who = sorted({s.get("reviewer") or "a reviewer" for s in reviewed})
            out += [f"_✓ reviewed: {', '.join(s['id'] for s in reviewed)} (human translation by "
                    f"{md_text(', '.join(who))})_", ""]
    out += _legend(record)
    out += ["---", f"_{md_text(prov['signature'])}_", ""]
    return "\n".join(out)

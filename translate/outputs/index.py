"""``index.md``: one row per article of the batch (date, title, summary, flagged sentences, sentences
still to review, unsure ones, link) — the columns of ``index.html`` — the most to review first, a
republished story once (its other outlets listed in its row: "same story: 3 outlets"), then failures.

Article text and file names are escaped (``escape``): a title cannot become a link or raw HTML, a
file name with a newline or a bidi control stays one row, is shown with visible escapes, and its
link (percent-encoded) still resolves.
"""

from __future__ import annotations

from .escape import code_span, display_name, md_cell, md_link_target


def split_entries(entries: dict[str, dict]) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(done articles, by risk: the most flagged and not reviewed first, then the most unsure, then
    the newest; failed files) from the manifest's entries."""
    done = sorted(((k, e) for k, e in entries.items() if e.get("status") == "done"),
                  key=lambda item: (item[1].get("date") or "", item[0]), reverse=True)
    done.sort(key=lambda item: (-(item[1].get("to_review") or 0), -(item[1].get("low_confidence") or 0)))
    return done, [(k, e) for k, e in entries.items() if e.get("status") == "failed"]


def index_rows(entries: dict[str, dict]) -> tuple[list[tuple[str, dict, list[str]]], list[tuple[str, dict]]]:
    """(rows, failed): one row per story — (key, entry, the other outlets' keys) — in the order of
    ``split_entries``; a republished story's row is its riskiest article's."""
    done, failed = split_entries(entries)
    shown: set[str] = set()
    rows = []
    for key, entry in done:
        if key in shown:
            continue
        group = [k for k in (entry.get("same_story") or {}).get("articles", [key]) if k != key and k in entries]
        shown |= {key, *group}
        rows.append((key, entry, group))
    return rows, failed


def same_story_note(others: list[str]) -> str:
    """What a story's row says of its other outlets (plain text, escaped by the caller)."""
    return f"same story: {len(others) + 1} outlets (also {', '.join(others)})" if others else ""


def _message(text: str | None) -> str:
    """An error's reason or hint: one line, file names in it with visible escapes."""
    return md_cell(display_name(" ".join((text or "").split())))


def _link(key: str, outputs: list[str]) -> str:
    review = next((o for ext in (".md", ".html") for o in outputs if o.endswith(ext)), outputs[0] if outputs else "")
    text = md_cell(display_name(key))
    return f"[{text}]({md_link_target(review)})" if review else text


def _count(value) -> str:
    """A count from the journal entry (``—`` when an older run did not record it)."""
    return "—" if value is None else str(int(value))


def render_index(entries: dict[str, dict], *, settings: dict) -> str:
    rows, failed = index_rows(entries)
    done = [key for key, _, others in rows for key in (key, *others)]
    out = ["# Translated articles", "",
           f"{len(done)} translated, {len(failed)} failed. Profile {code_span(str(settings.get('profile')))}; "
           f"translation model {code_span(str(settings.get('translation', {}).get('model')))}; "
           f"summary: {md_cell(str(settings.get('summary', {}).get('method')))}.", "",
           "The most to review first (flagged and not reviewed, then unsure: the model's confidence under the "
           "profile's threshold); a story republished by several outlets once.", "",
           "| Date | Title | Summary | Flags | To review | Unsure | File |", "|---|---|---|--:|--:|--:|---|"]
    for key, e, others in rows:
        title = md_cell(e.get("title_target") or e.get("title"))
        if e.get("title"):
            title += f" <br> <span dir=\"rtl\">{md_cell(e['title'])}</span>"
        link = _link(key, e.get("outputs", []))
        if others:
            title += f" <br> _{md_cell(same_story_note([display_name(k) for k in others]))}_"
            link += "".join(f" <br> {_link(k, entries[k].get('outputs', []))}" for k in others)
        out.append(f"| {md_cell(e.get('date'))} | {title} | {md_cell(e.get('summary'))} | {_count(e.get('flagged'))} "
                   f"| {_count(e.get('to_review'))} | {_count(e.get('low_confidence'))} | {link} |")
    if failed:
        out += ["", "## Not translated", "", "| File | Reason | What to do |", "|---|---|---|"]
        for key, e in failed:
            error = e.get("error", {})
            reason, hint = _message(error.get("reason")), _message(error.get("hint"))
            out.append(f"| {md_cell(display_name(key))} | {reason} | {hint} |")
    return "\n".join(out) + "\n"

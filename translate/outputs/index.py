"""``index.md``: one row per article of the batch (date, title, summary, flagged sentences, sentences
still to review, link) — the columns of ``index.html`` — then failures.

Article text and file names are escaped (``escape``): a title cannot become a link or raw HTML, a
file name with a newline or a bidi control stays one row, is shown with visible escapes, and its
link (percent-encoded) still resolves.
"""

from __future__ import annotations

from .escape import code_span, display_name, md_cell, md_link_target


def split_entries(entries: dict[str, dict]) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(done articles, newest first; failed files) from the manifest's entries."""
    done = sorted(((k, e) for k, e in entries.items() if e.get("status") == "done"),
                  key=lambda item: (item[1].get("date") or "", item[0]), reverse=True)
    return done, [(k, e) for k, e in entries.items() if e.get("status") == "failed"]


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
    done, failed = split_entries(entries)
    out = ["# Translated articles", "",
           f"{len(done)} translated, {len(failed)} failed. Profile {code_span(str(settings.get('profile')))}; "
           f"translation model {code_span(str(settings.get('translation', {}).get('model')))}; "
           f"summary: {md_cell(str(settings.get('summary', {}).get('method')))}.", "",
           "| Date | Title | Summary | Flags | To review | File |", "|---|---|---|--:|--:|---|"]
    for key, e in done:
        title = md_cell(e.get("title_target") or e.get("title"))
        if e.get("title"):
            title += f" <br> <span dir=\"rtl\">{md_cell(e['title'])}</span>"
        link = _link(key, e.get("outputs", []))
        out.append(f"| {md_cell(e.get('date'))} | {title} | {md_cell(e.get('summary'))} | {_count(e.get('flagged'))} "
                   f"| {_count(e.get('to_review'))} | {link} |")
    if failed:
        out += ["", "## Not translated", "", "| File | Reason | What to do |", "|---|---|---|"]
        for key, e in failed:
            error = e.get("error", {})
            reason, hint = _message(error.get("reason")), _message(error.get("hint"))
            out.append(f"| {md_cell(display_name(key))} | {reason} | {hint} |")
    return "\n".join(out) + "\n"

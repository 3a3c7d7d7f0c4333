"""``index.md``: one row per article of the batch (date, title, summary, link), then failures."""

from __future__ import annotations

from html import escape


def _cell(text: str | None) -> str:
    return " ".join((text or "").replace("|", "\\|").split()) or "—"


def split_entries(entries: dict[str, dict]) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(done articles, newest first; failed files) from the manifest's entries."""
    done = sorted(((k, e) for k, e in entries.items() if e.get("status") == "done"),
                  key=lambda item: (item[1].get("date") or "", item[0]), reverse=True)
    return done, [(k, e) for k, e in entries.items() if e.get("status") == "failed"]


def render_index(entries: dict[str, dict], *, settings: dict) -> str:
    done, failed = split_entries(entries)
    out = ["# Translated articles", "",
           f"{len(done)} translated, {len(failed)} failed. Profile `{settings.get('profile')}`; "
           f"translation model `{settings.get('translation', {}).get('model')}`; "
           f"summary: {settings.get('summary', {}).get('method')}.", "",
           "| Date | Title | Summary | File |", "|---|---|---|---|"]
    for key, e in done:
        title = _cell(e.get("title_target") or e.get("title"))
        if e.get("title"):
            title += f" <br> <span dir=\"rtl\">{escape(_cell(e['title']))}</span>"
        outputs = e.get("outputs", [])
        review = next((o for ext in (".md", ".html") for o in outputs if o.endswith(ext)), outputs[0] if outputs else "")
        out.append(f"| {_cell(e.get('date'))} | {title} | {_cell(e.get('summary'))} | [{_cell(key)}]({review}) |")
    if failed:
        out += ["", "## Not translated", "", "| File | Reason | What to do |", "|---|---|---|"]
        for key, e in failed:
            error = e.get("error", {})
            out.append(f"| {_cell(key)} | {_cell(error.get('reason'))} | {_cell(error.get('hint'))} |")
    return "\n".join(out) + "\n"

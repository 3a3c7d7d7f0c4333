"""``<name>.md``: the review file, read top to bottom — title, date, summary, then each
paragraph's Arabic and English together, with paragraph ids."""

from __future__ import annotations

from html import escape

_LABEL = {"title": "title", "date": "date line", "heading": "heading", "body": "", "meta": "metadata",
          "chrome": "site furniture"}


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def render_markdown(record: dict) -> str:
    title_en = record.get("title_target") or record.get("title") or record["source"]["path"]
    out = [f"# {title_en}", ""]
    if record.get("title"):
        out += [f'<p dir="rtl" lang="ar">{escape(record["title"])}</p>', ""]
    facts = [f"**Date:** {record.get('date') or 'unknown'}", f"**Source file:** `{record['source']['path']}`"]
    prov = record["provenance"]
    facts.append(f"**Translation:** {prov['translation']['model']} ({prov['translation']['backend']})")
    out += [" · ".join(facts), ""]
    summary = record["summary"]
    out += ["## Summary", ""]
    if summary["method"] == "none":
        out += ["_No summary was requested._", ""]
    elif not summary["sentences"]:
        out += ["_The article has no body text to summarize._", ""]
    else:
        made_by = summary["model"] or "extractive: central sentences of the article"
        for sentence in summary["sentences"]:
            refs = ", ".join(f"[{p}](#{p})" for p in sentence["paragraph_ids"])
            out.append(f"- {sentence['text']}" + (f" ({refs})" if refs else ""))
        out += ["", f"_Summary method: {summary['method']} ({made_by})._", ""]
    out += ["## Article", ""]
    for p in record["paragraphs"]:
        label = _LABEL[p["kind"]] + (f": {p['role']}" if p.get("role") else "")
        out.append(f'<a id="{p["id"]}"></a>**{p["id"]}**' + (f" · _{label}_" if label else ""))
        out += ["", _quote(p["source"]), ""]
        copied = all(s.get("copied") for s in p["sentences"])
        out += [p["target"] + (" _(not translated: no Arabic text)_" if copied else ""), ""]
    out += ["---", f"_{prov['signature']}_", ""]
    return "\n".join(out)

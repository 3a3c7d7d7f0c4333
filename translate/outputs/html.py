"""``<name>.html``: a self-contained side-by-side review page, and ``index.html`` for the batch.

No external assets; the only script is inline and allowed by its hash in a Content-Security-Policy
that forbids every network request. Every piece of article text is HTML-escaped, so an article
containing markup shows it as text and nothing from an article can run.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from ..stages.flags import FLAGS
from .index import split_entries

_STYLE = """
:root{--ink:#1d1d1f;--muted:#666;--line:#ddd;--hl:#fff1a8;--flag:#b3261e}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);margin:0 auto;max-width:1200px;padding:1.5rem}
header h1{margin:.2rem 0;font-size:1.6rem} .ar-title{font-size:1.35rem;margin:.2rem 0}
[lang=ar]{font-family:"Noto Naskh Arabic","Amiri","Geeza Pro","Arial",serif;font-size:1.12em;line-height:1.9}
.facts{color:var(--muted);font-size:.9rem} .facts code{font-size:.85rem}
.summary{background:#f6f7f9;border:1px solid var(--line);border-radius:8px;padding:.6rem 1.2rem;margin:1rem 0}
.para{display:grid;grid-template-columns:4.5rem 1fr 1fr;gap:1rem;padding:.55rem 0;border-top:1px solid var(--line);break-inside:avoid}
.pid{color:var(--muted);font-size:.8rem} .pid a{color:inherit}
.kind-title .en,.kind-heading .en,.kind-title .ar,.kind-heading .ar{font-weight:700;font-size:1.1em}
.kind-meta,.kind-chrome,.kind-date{color:var(--muted);font-size:.9rem}
.s{border-radius:3px;padding:0 .1em;outline:none} .s.hl,.s:focus{background:var(--hl)}
.s.flagged{text-decoration:underline wavy var(--flag);text-decoration-thickness:1px}
.flag{color:var(--flag);font-size:.75rem;white-space:nowrap}
.legend{font-size:.85rem;color:var(--muted)} .legend dt{font-weight:600;color:var(--flag);float:left;margin-right:.4rem}
table{border-collapse:collapse;width:100%} th,td{border-top:1px solid var(--line);padding:.45rem;text-align:left;vertical-align:top}
th button{font:inherit;font-weight:700;background:none;border:0;cursor:pointer;padding:0}
@media print{body{max-width:none;padding:0;font-size:11pt}.s.hl{background:none}.para{grid-template-columns:3.5rem 1fr 1fr}
th button{pointer-events:none}}
"""

_ARTICLE_SCRIPT = """document.addEventListener("DOMContentLoaded",()=>{const on=(e,add)=>{const s=e.target.closest&&e.target.closest(".s");
if(!s)return;document.querySelectorAll('.s[data-sid="'+s.dataset.sid+'"]').forEach(x=>x.classList.toggle("hl",add));};
for(const [ev,add] of [["mouseover",true],["mouseout",false],["focusin",true],["focusout",false]])
document.addEventListener(ev,e=>on(e,add));});"""

_INDEX_SCRIPT = """document.addEventListener("DOMContentLoaded",()=>{const t=document.querySelector("table.articles");
if(!t)return;t.querySelectorAll("th button").forEach((b,col)=>{let asc=false;b.addEventListener("click",()=>{
const rows=[...t.tBodies[0].rows];asc=!asc;rows.sort((x,y)=>{const a=x.cells[col].dataset.key||x.cells[col].textContent,
c=y.cells[col].dataset.key||y.cells[col].textContent;return (asc?1:-1)*a.localeCompare(c,undefined,{numeric:true});});
rows.forEach(r=>t.tBodies[0].appendChild(r));});});});"""


def _page(title: str, body: str, script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src 'none'"
    return (f'<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
            f"<style>{_STYLE}</style>\n<script>{script}</script>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _sentence(s: dict, side: str) -> str:
    text = escape(s["source"] if side == "ar" else s["target"])
    flags = s.get("flags", [])
    cls = "s flagged" if flags else "s"
    reasons = "; ".join(FLAGS[f] for f in flags)
    marker = (" " + "".join(f'<span class="flag">⚑ {escape(f)}</span>' for f in flags)) if flags and side == "en" else ""
    title = f' title="{escape(reasons)}"' if reasons else ""
    return f'<span class="{cls}" data-sid="{escape(s["id"])}" tabindex="0"{title}>{text}</span>{marker}'


def render_article_html(record: dict) -> str:
    title_en = record.get("title_target") or record.get("title") or record["source"]["path"]
    prov = record["provenance"]
    flagged = sum(1 for p in record["paragraphs"] for s in p["sentences"] if s.get("flags"))
    out = ["<header>", f"<h1>{escape(title_en)}</h1>"]
    if record.get("title"):
        out.append(f'<p class="ar-title" dir="rtl" lang="ar">{escape(record["title"])}</p>')
    out.append(f'<p class="facts">Date: {escape(record.get("date") or "unknown")} · Source: '
               f'<code>{escape(record["source"]["path"])}</code> · {flagged} flagged sentence(s) · '
               f'<code>{escape(prov["signature"])}</code></p></header>')
    summary = record["summary"]
    out.append('<section class="summary"><h2>Summary</h2>')
    if summary["sentences"]:
        out.append("<ol>")
        for item in summary["sentences"]:
            links = " ".join(f'<a href="#{escape(pid)}">{escape(pid)}</a>' for pid in item["paragraph_ids"])
            out.append(f"<li>{escape(item['text'])} <small>{links}</small></li>")
        out.append(f"</ol><p class=\"facts\">Method: {escape(summary['method'])}"
                   f"{' · ' + escape(summary['model']) if summary.get('model') else ''}</p>")
    else:
        out.append(f"<p class=\"facts\">No summary ({escape(summary['method'])}).</p>")
    out.append("</section>\n<main>")
    for p in record["paragraphs"]:
        kind = p["kind"] + (f": {p['role']}" if p.get("role") else "")
        en = " ".join(_sentence(s, "en") for s in p["sentences"])
        ar = " ".join(_sentence(s, "ar") for s in p["sentences"])
        out.append(f'<section class="para kind-{escape(p["kind"])}" id="{escape(p["id"])}">'
                   f'<div class="pid"><a href="#{escape(p["id"])}">{escape(p["id"])}</a><br>{escape(kind)}</div>'
                   f'<div class="en" lang="en">{en}</div><div class="ar" dir="rtl" lang="ar">{ar}</div></section>')
    out.append("</main>")
    used = sorted({f for p in record["paragraphs"] for s in p["sentences"] for f in s.get("flags", [])})
    if used:
        out.append('<dl class="legend">' + "".join(f"<dt>⚑ {escape(f)}</dt><dd>{escape(FLAGS[f])}</dd>" for f in used) + "</dl>")
    return _page(title_en, "\n".join(out), _ARTICLE_SCRIPT)


def render_index_html(entries: dict[str, dict], *, settings: dict) -> str:
    done, failed = split_entries(entries)
    translation, summary = settings.get("translation", {}), settings.get("summary", {})
    out = ["<header><h1>Translated articles</h1>",
           f'<p class="facts">{len(done)} translated, {len(failed)} failed · profile <code>{escape(str(settings.get("profile")))}</code>'
           f' · translation <code>{escape(str(translation.get("model")))}</code> ({escape(str(translation.get("backend")))},'
           f' beams {escape(str(translation.get("generation", {}).get("num_beams")))}) · summary {escape(str(summary.get("method")))}'
           f'{" <code>" + escape(str(summary.get("model"))) + "</code>" if summary.get("method") == "abstractive" else ""}</p></header>',
           '<table class="articles"><thead><tr><th><button type="button">Date</button></th><th><button type="button">Title</button></th>'
           '<th>Summary</th><th><button type="button">Flags</button></th><th>Files</th></tr></thead><tbody>']
    for key, e in done:
        outputs = e.get("outputs", [])
        links = " ".join(f'<a href="{escape(o)}">{escape(o.rsplit(".", 1)[-1])}</a>' for o in outputs)
        title = escape(e.get("title_target") or e.get("title") or key)
        arabic = f'<br><span dir="rtl" lang="ar">{escape(e["title"])}</span>' if e.get("title") else ""
        out.append(f'<tr><td data-key="{escape(e.get("date") or "")}">{escape(e.get("date") or "—")}</td>'
                   f'<td>{title}{arabic}</td><td>{escape(e.get("summary") or "")}</td>'
                   f'<td data-key="{int(e.get("flagged", 0)):06d}">{int(e.get("flagged", 0))}</td><td>{links}</td></tr>')
    out.append("</tbody></table>")
    if failed:
        out.append("<h2>Not translated</h2><table><thead><tr><th>File</th><th>Reason</th><th>What to do</th></tr></thead><tbody>")
        for key, e in failed:
            error = e.get("error", {})
            out.append(f"<tr><td>{escape(key)}</td><td>{escape(error.get('reason', ''))}</td><td>{escape(error.get('hint', ''))}</td></tr>")
        out.append("</tbody></table>")
    return _page("Translated articles", "\n".join(out), _INDEX_SCRIPT)

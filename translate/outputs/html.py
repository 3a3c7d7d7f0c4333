"""``<name>.html``: a self-contained side-by-side review page, and ``index.html`` for the batch.

No external assets; the only script is inline and allowed by its hash in a Content-Security-Policy
that forbids every network request. Every piece of article text is HTML-escaped, so an article
containing markup shows it as text and nothing from an article can run.

The article page is also the browser review tool: every English sentence is editable in place
(``contenteditable``), edited sentences are marked, and ``Download corrections`` saves the changed
sentences as ``<name>.corrections.json`` (schema ``translate.corrections/1``, read by ``translate
review import``) through a Blob URL — no server, no network, works from ``file://``. Sentences
with a human translation (imported corrections) are marked as reviewed.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from pathlib import PurePosixPath

from ..record import confidence, flag_reason, flagged_count, flags, label_for_people, reviewed_by, sentences
from ..text.normalize import strip_markdown
from .escape import display_name, md_link_target
from .index import index_rows, same_story_note

_STYLE = """
:root{--ink:#1d1d1f;--muted:#666;--line:#ddd;--hl:#fff1a8;--flag:#b3261e;--ok:#1a7f37;--edit:#dcf5e3}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);margin:0 auto;max-width:1200px;
padding:1.5rem}
header h1{margin:.2rem 0;font-size:1.6rem} .ar-title{font-size:1.35rem;margin:.2rem 0}
[lang=ar]{font-family:"Noto Naskh Arabic","Amiri","Geeza Pro","Arial",serif;font-size:1.12em;line-height:1.9}
.facts{color:var(--muted);font-size:.9rem;overflow-wrap:anywhere} .facts code{font-size:.85rem;overflow-wrap:anywhere}
td,.en,.ar,.summary{overflow-wrap:anywhere}
.summary{background:#f6f7f9;border:1px solid var(--line);border-radius:8px;padding:.6rem 1.2rem;margin:1rem 0}
.para{display:grid;grid-template-columns:4.5rem minmax(0,1fr) minmax(0,1fr);gap:1rem;padding:.55rem 0;
border-top:1px solid var(--line);break-inside:avoid}
.pid{color:var(--muted);font-size:.8rem} .pid a{color:inherit}
.kind-title .en,.kind-heading .en,.kind-title .ar,.kind-heading .ar{font-weight:700;font-size:1.1em}
.kind-meta,.kind-chrome,.kind-date{color:var(--muted);font-size:.9rem}
.s{border-radius:3px;padding:0 .1em;outline:none} .s.hl,.s:focus{background:var(--hl)}
.s.flagged{text-decoration:underline dashed var(--flag);text-decoration-thickness:2px;text-underline-offset:.3em;
text-decoration-skip-ink:none}
.flag{color:var(--flag);font-size:.75rem;white-space:nowrap}
.legend{font-size:.85rem;color:var(--muted)} .legend dt{font-weight:600;color:var(--flag);float:left;margin-right:.4rem}
table{border-collapse:collapse;width:100%}
th,td{border-top:1px solid var(--line);padding:.45rem;text-align:left;vertical-align:top}
th button{font:inherit;font-weight:700;background:none;border:0;cursor:pointer;padding:0;color:inherit}
th[aria-sort] button::after{content:" ↕";color:var(--muted);font-weight:400}
th[aria-sort=ascending] button::after{content:" ▲";color:inherit}
th[aria-sort=descending] button::after{content:" ▼";color:inherit}
.review-bar{position:sticky;top:0;z-index:1;background:#fff;border-bottom:1px solid var(--line);padding:.45rem 0;
display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;font-size:.9rem}
.review-bar input{font:inherit;padding:.15rem .35rem} .review-bar .facts{margin:0}
.en .s[contenteditable]:hover{outline:1px dashed #999}
.s.human{border-bottom:2px solid var(--ok)} .reviewed{color:var(--ok);font-size:.75rem;white-space:nowrap}
.s.edited{background:var(--edit);box-shadow:inset 0 -2px 0 var(--ok)}
.s.conf-low{background:#fde2dd} .s.conf-mid{background:#fff4d6} .conf{font-size:.75rem;white-space:nowrap;color:#8a3b12}
.suggestion{display:block;font-size:.8rem;color:var(--muted)}
@media print{body{max-width:none;padding:0;font-size:11pt}.s.hl,.s.edited{background:none}
.para{grid-template-columns:3.5rem minmax(0,1fr) minmax(0,1fr)}
th button{pointer-events:none}.review-bar{display:none}th[aria-sort] button::after{content:none}}
"""

_ARTICLE_SCRIPT = r"""document.addEventListener("DOMContentLoaded",()=>{
const on=(e,add)=>{const s=e.target.closest&&e.target.closest(".s");
if(!s)return;document.querySelectorAll('.s[data-sid="'+s.dataset.sid+'"]').forEach(x=>x.classList.toggle("hl",add));};
for(const [ev,add] of [["mouseover",true],["mouseout",false],["focusin",true],["focusout",false]])
document.addEventListener(ev,e=>on(e,add));
const norm=t=>t.replace(/\s+/g," ").trim(),main=document.querySelector("main"),
en=[...document.querySelectorAll(".en .s")],
before=new Map(en.map(s=>[s.dataset.sid,norm(s.textContent)])),button=document.getElementById("download"),
count=document.getElementById("edits"),editing=e=>e.target.closest&&e.target.closest(".en .s");let dirty=false;
const edited=()=>en.filter(s=>norm(s.textContent)!==before.get(s.dataset.sid));
const update=()=>{const changed=edited();en.forEach(s=>s.classList.toggle("edited",changed.includes(s)));
dirty=changed.length>0;
button.disabled=!dirty;count.textContent=dirty?changed.length+" sentence(s) edited":"No edits";};
document.addEventListener("input",e=>{if(editing(e))update();});
document.addEventListener("keydown",e=>{if(editing(e)&&e.key==="Enter"){e.preventDefault();e.target.blur();}});
document.addEventListener("paste",e=>{if(!editing(e))return;e.preventDefault();
document.execCommand("insertText",false,norm(e.clipboardData.getData("text/plain")));});
button.addEventListener("click",()=>{const arabic=sid=>document.querySelector('.ar .s[data-sid="'+sid+'"]').textContent;
const data={schema:"translate.corrections/1",article:{path:main.dataset.article,sha256:main.dataset.sha256},
reviewer:norm(document.getElementById("reviewer").value)||null,exported:new Date().toISOString(),
corrections:edited().map(s=>({id:s.dataset.sid,source:arabic(s.dataset.sid),previous_target:before.get(s.dataset.sid),
previous_origin:s.dataset.origin,new_target:norm(s.textContent)}))};
const url=URL.createObjectURL(new Blob([JSON.stringify(data,null,1)+"\n"],{type:"application/json"}));
const a=document.createElement("a");a.href=url;a.download=main.dataset.name+".corrections.json";
document.body.appendChild(a);
a.click();a.remove();setTimeout(()=>URL.revokeObjectURL(url),60000);dirty=false;});
window.addEventListener("beforeunload",e=>{if(dirty){e.preventDefault();e.returnValue="";}});
const unsure=[...document.querySelectorAll(".en .s[data-confidence]")]
.sort((a,b)=>a.dataset.confidence-b.dataset.confidence);
let at=-1;const next=document.getElementById("next-unsure");
if(next)next.addEventListener("click",()=>{if(!unsure.length)return;
at=(at+1)%unsure.length;unsure[at].focus();unsure[at].scrollIntoView({block:"center"});});});"""

_INDEX_SCRIPT = """document.addEventListener("DOMContentLoaded",()=>{const t=document.querySelector("table.articles");
if(!t)return;const heads=[...t.querySelectorAll("th[aria-sort]")];
heads.forEach(th=>{const b=th.querySelector("button"),col=th.cellIndex;
b.addEventListener("click",()=>{const asc=th.getAttribute("aria-sort")!=="ascending";
const rows=[...t.tBodies[0].rows];rows.sort((x,y)=>{const a=x.cells[col].dataset.key||x.cells[col].textContent,
c=y.cells[col].dataset.key||y.cells[col].textContent;return (asc?1:-1)*a.localeCompare(c,undefined,{numeric:true});});
rows.forEach(r=>t.tBodies[0].appendChild(r));heads.forEach(h=>h.setAttribute("aria-sort","none"));
th.setAttribute("aria-sort",asc?"ascending":"descending");});});});"""


def _page(title: str, body: str, script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src 'none'"
    return (f'<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
            f"<style>{_STYLE}</style>\n<script>{script}</script>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _band(score: float | None, low: float) -> str:
    """``low`` (under the profile's threshold), ``mid`` (under twice it) or ``""``."""
    if score is None:
        return ""
    return "low" if score < low else "mid" if score < min(2 * low, 0.9) else ""


def _sentence(s: dict, side: str, low: float = 0.3, *, markdown: bool = False) -> str:
    """One sentence's span on its side; ``markdown``: the article is Markdown, whose emphasis
    markers (``**``) are shown as the text they mark, not as characters."""
    text = escape((strip_markdown(s["source"]) if markdown else s["source"]) if side == "ar" else s["target"])
    score = confidence(s)
    band = _band(score, low)
    raised = flags(s)
    human = reviewed_by(s)
    cls = "s" + (" flagged" if raised else "") + (" human" if human else "") + (f" conf-{band}" if band else "")
    reasons = "; ".join([flag_reason(f) for f in raised] + ([human] if human else [])
                        + ([f"model confidence {score:.2f}"] if score is not None else []))
    marker = ""
    if side == "en":
        marker = "".join(f' <span class="flag">⚑ {escape(f)}</span>' for f in raised)
        marker += f' <span class="reviewed" title="{escape(human)}">✓ reviewed</span>' if human else ""
        marker += f' <span class="conf conf-{band}">{_GLYPH[band]} {score:.2f}</span>' if band else ""
        marker += "".join(f' <span class="suggestion" title="{escape(x["source"])}">≈ {round(100 * x["similarity"])}%: '
                          f'{escape(x["target"])}</span>' for x in s.get("suggestions", [])[:1])
    title = f' title="{escape(reasons)}"' if reasons else ""
    edit = (f' contenteditable="true" spellcheck="true" data-origin="{"human" if human else "machine"}"'
            if side == "en" else "")
    edit += f' data-confidence="{score:.4f}"' if side == "en" and score is not None else ""
    return f'<span class="{cls}" data-sid="{escape(s["id"])}" tabindex="0"{title}{edit}>{text}</span>{marker}'


DEFAULT_LOW = 0.3  # the low band when the profile sets no low_confidence threshold
_GLYPH = {"low": "▼", "mid": "▽"}


def _confidence_legend(record: dict, low: float) -> str:
    """How confidence is shown, with the article's least and mean confidence (not colour alone:
    the glyph and the number are written next to every unsure sentence)."""
    summary = record.get("confidence") or {}
    if not summary.get("sentences"):
        return '<p class="legend">No model confidence for this article (the backend did not give it).</p>'
    return (f'<p class="legend">Model confidence (geometric-mean token probability, the model\'s own certainty, '
            f'not a guarantee): least {summary["min"]:.2f}, mean {summary["mean"]:.2f}. '
            f'<span class="conf conf-low">{_GLYPH["low"]} under {low:.2f}</span> '
            f'<span class="conf conf-mid">{_GLYPH["mid"]} under {min(2 * low, 0.9):.2f}</span>; '
            '<button type="button" id="next-unsure">Next least confident</button></p>')


def _review_bar(reviewed: int) -> str:
    return ('<div class="review-bar"><label>Reviewer <input id="reviewer" type="text" autocomplete="name" '
            'placeholder="your name (optional)"></label><button type="button" id="download" disabled>'
            'Download corrections</button><span id="edits" aria-live="polite">No edits</span><span class="facts">'
            'Click any English sentence to correct it; the download is read by <code>translate review import</code>. '
            f'{reviewed} sentence(s) reviewed.'
            '</span></div>')


def render_article_html(record: dict) -> str:
    title_en = record.get("title_target") or record.get("title") or record["source"]["path"]
    prov = record["provenance"]
    flagged = flagged_count(record)
    reviewed = sum(1 for _, s in sentences(record) if reviewed_by(s))
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
    path = record["source"]["path"]
    out.append(f'</section>\n{_review_bar(reviewed)}\n<main data-article="{escape(path)}" '
               f'data-sha256="{escape(record["source"].get("sha256", ""))}" '
               f'data-name="{escape(PurePosixPath(path).stem)}">')
    low = prov.get("low_confidence") or DEFAULT_LOW
    for p in record["paragraphs"]:
        kind = label_for_people(p) or "body"
        en = " ".join(_sentence(s, "en", low) for s in p["sentences"])
        ar = " ".join(_sentence(s, "ar", markdown=record["source"].get("format") == "md") for s in p["sentences"])
        out.append(f'<section class="para kind-{escape(p["kind"])}" id="{escape(p["id"])}">'
                   f'<div class="pid"><a href="#{escape(p["id"])}">{escape(p["id"])}</a><br>{escape(kind)}</div>'
                   f'<div class="en" lang="en">{en}</div><div class="ar" dir="rtl" lang="ar">{ar}</div></section>')
    out.append("</main>")
    out.append(_confidence_legend(record, low))
    used = sorted({f for _, s in sentences(record) for f in flags(s)})
    if used:
        out.append('<dl class="legend">' + "".join(f"<dt>⚑ {escape(f)}</dt><dd>{escape(flag_reason(f))}</dd>"
                                                   for f in used) + "</dl>")
    return _page(title_en, "\n".join(out), _ARTICLE_SCRIPT)


def _to_review(entry: dict) -> str:
    """The "to review" cell: flagged sentences without a human translation (manifest ``to_review``)."""
    return _count_cell(entry.get("to_review"))


def _count_cell(count) -> str:
    """A sortable count cell (``—`` when an older run did not record it)."""
    if count is None:
        return '<td data-key="">—</td>'
    return f'<td data-key="{int(count):06d}">{int(count)}</td>'


def _links(outputs: list[str]) -> str:
    return " ".join(f'<a href="{escape(md_link_target(o))}">{escape(o.rsplit(".", 1)[-1])}</a>' for o in outputs)


def render_index_html(entries: dict[str, dict], *, settings: dict) -> str:
    rows, failed = index_rows(entries)
    done = [key for key, _, others in rows for key in (key, *others)]
    translation, summary = settings.get("translation", {}), settings.get("summary", {})
    summarizer = f' <code>{escape(str(summary.get("model")))}</code>' if summary.get("method") == "abstractive" else ""
    out = ["<header><h1>Translated articles</h1>",
           f'<p class="facts">{len(done)} translated, {len(failed)} failed · profile '
           f'<code>{escape(str(settings.get("profile")))}</code> · translation '
           f'<code>{escape(str(translation.get("model")))}</code> ({escape(str(translation.get("backend")))}, beams '
           f'{escape(str(translation.get("generation", {}).get("num_beams")))}) · summary '
           f'{escape(str(summary.get("method")))}{summarizer}</p></header>',
           '<table class="articles"><caption class="facts">The most to review first (flagged and not reviewed, then '
           'unsure); a story republished by several outlets once. Click a column name to sort by it (again: the '
           'other way).</caption><thead><tr><th aria-sort="none"><button type="button">Date</button></th>'
           '<th aria-sort="none"><button type="button">Title</button></th><th>Summary</th>'
           '<th aria-sort="none"><button type="button">Flags</button></th>'
           '<th aria-sort="descending"><button type="button">To review</button></th>'
           '<th aria-sort="none"><button type="button">Unsure</button></th><th>Files</th></tr></thead><tbody>']
    for key, e, others in rows:
        links = _links(e.get("outputs", []))
        title = escape(e.get("title_target") or e.get("title") or display_name(key))
        arabic = f'<br><span dir="rtl" lang="ar">{escape(e["title"])}</span>' if e.get("title") else ""
        if others:
            arabic += (f'<br><small class="story">{escape(same_story_note([display_name(k) for k in others]))}</small>')
            links += "".join(f"<br>{escape(display_name(k))}: {_links(entries[k].get('outputs', []))}" for k in others)
        out.append(f'<tr><td data-key="{escape(e.get("date") or "")}">{escape(e.get("date") or "—")}</td>'
                   f'<td>{title}{arabic}</td><td>{escape(e.get("summary") or "")}</td>'
                   f'<td data-key="{int(e.get("flagged", 0)):06d}">{int(e.get("flagged", 0))}</td>{_to_review(e)}'
                   f'{_count_cell(e.get("low_confidence"))}<td>{links}</td></tr>')
    out.append("</tbody></table>")
    if failed:
        out.append("<h2>Not translated</h2><table><thead><tr><th>File</th><th>Reason</th><th>What to do</th></tr>"
                   "</thead><tbody>")
        for key, e in failed:
            error = e.get("error", {})
            out.append(f"<tr><td>{escape(display_name(key))}</td><td>{escape(error.get('reason', ''))}</td>"
                       f"<td>{escape(error.get('hint', ''))}</td></tr>")
        out.append("</tbody></table>")
    return _page("Translated articles", "\n".join(out), _INDEX_SCRIPT)

"""Segmentation: an article's text -> blocks with a kind (title, date, heading, body, meta, chrome)
-> sentences. Blocks and sentences are spans of the decoded text that partition it exactly:
joining every block's ``raw`` text gives back the input, character for character. Their ``text``
is how they are shown (``normalize.shown``: trimmed, on one line, markdown titles and headings
without markers).

Text files: one block per line, or, when the file is hard-wrapped (``wrap.detect``), one per
paragraph rejoined from its lines (``Document.line_wrap`` says so). Markdown: ``#`` headings,
paragraphs, list items. Web pages: the extracted blocks, with the structure as hints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .dates import parse_date_line, parse_place_date
from ..errors import EmptyFileError
from ..reading.files import RawDocument
from .normalize import for_model, is_blank, shown
from .sentences import Span, sentence_spans
from .wrap import LineWrap, detect, paragraphs

KINDS = ("title", "date", "heading", "body", "meta", "chrome")
META_ROLES = ("source", "photo", "series", "other")

_SOURCE = re.compile(r"^\s*[(\[]?\s*(?:المصدر|مصدر\s+الخبر|المصادر|source|sources|via)\s*[:：]", re.I)
_PHOTO = re.compile(r"^\s*[(\[]?\s*(?:الصورة|صورة|الصور|تصوير|photo|photos|image|picture|credit|©)\s*[:：©]|^\s*©", re.I)
_SERIES = re.compile(r"^\s*(?:مجموعة|سلسلة|ملف|تغطية|متابعة|ملحق|زاوية)\b")
_LANGUAGE_SWITCH = re.compile(r"^\s*(?:[A-Z][a-z]{1,2}|[A-Z]{2}|عربي|العربية|English)(?:\s*[|/·•,]?\s*(?:[A-Z][a-z]{1,2}|[A-Z]{2}|عربي|العربية|English))+\s*$")
_CHROME = re.compile(
    r"^\s*(?:اقرأ|إقرأ|اقرا)\s+(?:أيضا|أيضاً|ايضا|ايضاً|المزيد)|^\s*(?:شاهد|طالع)\s+(?:أيضا|أيضاً|ايضا)"
    r"|^\s*(?:تابعونا|تابعنا|شارك|شاركها|مشاركة|طباعة|أرسل|حجم الخط|الرئيسية\s*[>»/])"
    r"|^\s*(?:share|tweet|print|read more|related|advertisement|إعلان)\s*[:|]?\s*$", re.I)
_OTHER_META = re.compile(
    r"^\s*(?:بقلم|كتب|كتبت|كتبه|إعداد|اعداد|ترجمة|تحرير|مراسل|المحرر|الكاتب|by|author|الكلمات المفتاحية|كلمات مفتاحية"
    r"|وسوم|الوسوم|tags)\s*[:：]|^\s*(?:جميع\s+الحقوق|حقوق\s+(?:النشر|الطبع)|all rights reserved)", re.I)
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_TERMINAL = ".:،,؛;!…"
_DATELINE = re.compile(  # used with .match(text, pos): anchored at the sentence start
    r"\s*[\u0600-\u06ff]+(?:\s+[\u0600-\u06ff]+){0,2}\s*"
    r"(?:[-–—]\s*(?:\([^()\n]{1,60}\)|[\u0600-\u06ff]+(?:\s+[\u0600-\u06ff]+){0,3})|\([^()\n]{1,60}\))"
    r"\s*[:\-–—]\s+"
)
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+\S")
_MD_LIST = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+\S")
TITLE_MAX_WORDS = 30
HEADING_MAX_WORDS = 12
FOOTER_MAX_WORDS = 15


@dataclass(frozen=True)
class Sentence:
    span: Span
    text: str  # the original characters, stripped of surrounding whitespace
    dateline: bool = False


@dataclass(frozen=True)
class Block:
    span: Span
    kind: str
    text: str
    sentences: tuple[Sentence, ...]
    role: str | None = None  # for kind "meta"


@dataclass(frozen=True)
class Document:
    path: Path
    sha256: str
    encoding: str
    format: str
    text: str
    title: str | None
    date: str | None
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    line_wrap: LineWrap | None = None  # set when the file is hard-wrapped (its lines were rejoined into paragraphs)

    def raw(self, span: Span) -> str:
        return self.text[span[0]:span[1]]


@dataclass
class _Draft:
    span: Span
    content: Span  # the part without surrounding blank lines
    text: str
    hint: str | None = None  # from the format: "title", "heading", "list"
    kind: str = "body"
    role: str | None = None
    date: str | None = None  # ISO, for kind "date"

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def terminal(self) -> str:
        return self.text.rstrip("\"'»”’)] ")[-1:]


def _lines(text: str) -> list[Span]:
    spans, begin = [], 0
    for match in re.finditer(r"\r\n|\r|\n", text):
        spans.append((begin, match.end()))
        begin = match.end()
    if begin < len(text):
        spans.append((begin, len(text)))
    return spans


def _groups(text: str, fmt: str, hints: dict[int, str],
            wrap: LineWrap | None) -> list[tuple[list[Span], str | None]]:
    """Lines grouped into blocks, each with the format's hint ("title", "heading", "list") or None.

    Text: one block per line, or per paragraph when hard-wrapped. Markdown: headings, list items
    and paragraphs (consecutive lines). Web pages: one block per line, hints from the extraction
    (the text carries no markup)."""
    lines = _lines(text)
    if fmt == "txt" and wrap:
        credit = lambda line: _meta_role(line) is not None  # noqa: E731
        return [(group, None) for group in paragraphs(text, lines, wrap, opens=credit)]
    groups: list[tuple[list[Span], str | None]] = []
    joinable = False
    for line in lines:
        raw = text[line[0]:line[1]]
        if is_blank(raw):
            joinable = False
            continue
        hint = hints.get(line[0]) if fmt == "html" else None
        if fmt == "md":
            heading = _MD_HEADING.match(raw)
            hint = ("title" if len(heading.group(1)) == 1 else "heading") if heading else ("list" if _MD_LIST.match(raw) else None)
        if fmt == "md" and joinable and hint is None:
            groups[-1][0].append(line)
        else:
            groups.append(([line], hint))
        joinable = fmt == "md" and hint in (None, "list")
    return groups


def _drafts(text: str, fmt: str, *, hints: dict[int, str], wrap: LineWrap | None) -> list[_Draft]:
    drafts = []
    for lines, hint in _groups(text, fmt, hints, wrap):
        start, end = lines[0][0], lines[-1][1]
        drafts.append(_Draft(span=(start, end), content=(start, end), text=for_model(text[start:end], markdown=fmt == "md"),
                             hint=hint))
    # blank stretches belong to the block before them (the first block also takes leading blanks)
    for i, draft in enumerate(drafts):
        begin = 0 if i == 0 else draft.span[0]
        finish = drafts[i + 1].span[0] if i + 1 < len(drafts) else len(text)
        draft.span = (begin, finish)
    return drafts


def _meta_role(text: str) -> str | None:
    if _SOURCE.match(text):
        return "source"
    if _PHOTO.match(text):
        return "photo"
    if _OTHER_META.match(text) and len(text.split()) <= 15:
        return "other"
    return None


def _classify(drafts: list[_Draft]) -> None:
    n = len(drafts)
    arabic = [bool(_ARABIC.search(d.text)) for d in drafts]
    for i, d in enumerate(drafts):
        role = _meta_role(d.text)
        if role:
            d.kind, d.role = "meta", role
        elif (_LANGUAGE_SWITCH.match(d.text) or (_CHROME.match(d.text) and d.words <= 15)
              or (not arabic[i] and d.words <= 6 and not any(arabic[:i]))):
            d.kind = "chrome"
        elif d.words <= 12 and (iso := parse_date_line(d.text) or parse_place_date(d.text)):
            d.kind, d.date = "date", iso
        elif d.hint == "heading":
            d.kind = "heading"
    # footer: trailing short unpunctuated blocks before/among source and photo lines
    last_meta = max((i for i, d in enumerate(drafts) if d.kind == "meta"), default=-1)
    i = n - 1
    while i >= 0 and drafts[i].kind in ("meta", "chrome", "date", "body", "heading"):
        d = drafts[i]
        if d.kind in ("meta", "chrome"):
            i -= 1
            continue
        short = d.words <= FOOTER_MAX_WORDS and d.terminal not in _TERMINAL and d.hint != "list"
        if short and (i < last_meta or _SERIES.match(d.text)):
            d.kind, d.role = "meta", "series" if _SERIES.match(d.text) or '"' in d.text or "«" in d.text else "other"
            i -= 1
            continue
        break
    footer_start = i + 1
    # title: the first content block, when it looks like one (never taken from a body paragraph)
    content = [i for i, d in enumerate(drafts) if d.kind == "body" or d.kind == "heading"]
    first = next((i for i in content if drafts[i].hint != "list"), None)
    if first is not None and not any(d.kind == "title" for d in drafts):
        d = drafts[first]
        looks_like_title = d.hint == "title" or (
            d.hint is None and d.words <= TITLE_MAX_WORDS and d.terminal not in ".:،,؛;" and first + 1 < footer_start
        )
        if looks_like_title and first < footer_start:
            d.kind = "title"
    for i, d in enumerate(drafts[:footer_start]):
        if d.kind != "body" or d.hint == "list":
            continue
        if d.hint == "title":
            d.kind = "heading"
            continue
        following = next((x for x in drafts[i + 1:footer_start] if x.kind not in ("chrome",)), None)
        if (d.words <= HEADING_MAX_WORDS and d.terminal not in _TERMINAL and arabic[i]
                and following is not None and following.kind in ("body",) and following.words > d.words):
            d.kind = "heading"


def _sentences(text: str, draft: _Draft, *, dateline_allowed: bool, line_ends: bool,
               markdown: bool) -> tuple[Sentence, ...]:
    if draft.kind != "body":
        return (Sentence(draft.span, shown(text[draft.span[0]:draft.span[1]], markdown=markdown)),)
    result = []
    for k, (a, b) in enumerate(sentence_spans(text, *draft.span, line_ends=line_ends)):
        match = _DATELINE.match(text, a, b) if (dateline_allowed and k == 0) else None
        if match and text[match.end():b].strip():
            cut = match.end()
            result.append(Sentence((a, cut), shown(text[a:cut]), dateline=True))
            a = cut
        result.append(Sentence((a, b), shown(text[a:b])))
    return tuple(result)


def segment(raw: RawDocument) -> Document:
    """Segment a decoded document: any text with something visible in it has a segmentation."""
    text = raw.text
    if is_blank(text):
        raise EmptyFileError("is empty (no visible text)", "remove it from the folder or put the article text in it")
    wrap = detect(text, _lines(text)) if raw.format in ("txt", "md") else None
    fmt = raw.format if raw.format in ("md", "html") else "txt"
    drafts = _drafts(text, fmt, hints=dict(raw.hints), wrap=wrap)
    _classify(drafts)
    blocks = []
    first_body = next((i for i, d in enumerate(drafts) if d.kind == "body"), None)
    for i, d in enumerate(drafts):
        markdown = fmt == "md" and d.kind != "body"  # shown without markers
        blocks.append(Block(span=d.span, kind=d.kind, text=shown(text[d.content[0]:d.content[1]], markdown=markdown),
                            role=d.role, sentences=_sentences(text, d, dateline_allowed=i == first_body,
                                                              line_ends=wrap is None, markdown=markdown)))
    title = next((b.text for b in blocks if b.kind == "title"), None)
    date = next((d.date for d in drafts if d.date), None) or raw.html_date
    return Document(path=raw.path, sha256=raw.data_sha256, encoding=raw.encoding, format=raw.format,
                    text=text, title=title, date=date, blocks=tuple(blocks), line_wrap=wrap)

"""Segmentation: an article's text -> blocks with a kind (title, date, heading, body, meta, chrome)
-> sentences. Blocks and sentences are spans of the decoded text that partition it exactly:
joining every block's ``raw`` text gives back the input, character for character. Their ``text``
is how they are shown (``normalize.shown``: trimmed, on one line, markdown titles and headings
without markers).

Text files: one block per line, or, when the file is hard-wrapped (``wrap.detect``), one per
paragraph rejoined from its lines (``Document.line_wrap`` says so). Markdown: ``#`` headings,
paragraphs, list items. Web pages: the extracted blocks, with the structure as hints.

Kinds come from ``structure`` (title, date lines, bylines, furniture, headings); sentences from
``sentences``; an opening dateline (``موسكو – (وكالة …):``, ``الرياض 25 شوال … م واس``) of the first
body paragraph becomes a sentence of its own. ``segment(raw, patterns=…)`` takes the user's
patterns for a source (``patterns.Patterns``, from a profile's ``input:`` options).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EmptyFileError
from ..reading.files import RawDocument
from . import furniture
from .dates import DateLine, read_date_line
from .normalize import for_model, is_blank, shown
from .patterns import Patterns
from .sentences import Span, sentence_spans
from .structure import Draft, article_date, classify
from .wrap import LineWrap, detect, paragraphs

KINDS = ("title", "date", "heading", "body", "meta", "chrome")
META_ROLES = ("source", "photo", "byline", "agency", "copyright", "series", "other")
CHROME_ROLES = ("related", "share", "separator")
_DATELINE = re.compile(  # used with .match(text, pos): anchored at the sentence start
    r"\s*[\u0600-\u06ff]+(?:\s+[\u0600-\u06ff]+){0,2}\s*"
    r"(?:[-–—]\s*(?:\([^()\n]{1,60}\)|[\u0600-\u06ff]+(?:\s+[\u0600-\u06ff]+){0,3})|\([^()\n]{1,60}\))"
    r"\s*[:\-–—]\s+"
)
_DATELINE_CUT = re.compile(r"\([^()\n]{1,40}\)\s*|/[^/\n]{1,25}/\s*|[:\-–—]\s+|\s+(?=\S)")
DATELINE_MAX = 160  # characters: an opening dateline is shorter
DATELINE_WORDS = 16
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+\S")
_MD_LIST = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+\S")


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
    role: str | None = None  # kind "meta": META_ROLES or a user pattern's role; kind "chrome": CHROME_ROLES or None
    date: str | None = None  # kind "date": the ISO date the line gives (None for a time or relative stamp)


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
    time: str | None = None  # the time on the article's date line: "19:06:41+00:00", "09:40" (offset when written)
    date_hijri: str | None = None  # the Hijri date beside the Gregorian one, as written ("25 شوال 1436 هـ")

    def raw(self, span: Span) -> str:
        return self.text[span[0]:span[1]]


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
        credit = lambda line: furniture.meta_role(for_model(line)) is not None  # noqa: E731
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
            hint = (("title" if len(heading.group(1)) == 1 else "heading") if heading
                    else ("list" if _MD_LIST.match(raw) else None))
        if fmt == "md" and joinable and hint is None:
            groups[-1][0].append(line)
        else:
            groups.append(([line], hint))
        joinable = fmt == "md" and hint in (None, "list")
    return groups


def _drafts(text: str, fmt: str, *, hints: dict[int, str], wrap: LineWrap | None) -> list[Draft]:
    drafts = []
    markdown = fmt == "md"
    for lines, hint in _groups(text, fmt, hints, wrap):
        start, end = lines[0][0], lines[-1][1]
        raw = text[start:end]
        drafts.append(Draft(span=(start, end), content=(start, end), text=for_model(raw, markdown=markdown),
                            line=for_model(furniture.dashed(raw), markdown=markdown), raw=raw, hint=hint))
    # blank stretches belong to the block before them (the first block also takes leading blanks)
    for i, draft in enumerate(drafts):
        begin = 0 if i == 0 else draft.span[0]
        finish = drafts[i + 1].span[0] if i + 1 < len(drafts) else len(text)
        draft.span = (begin, finish)
    return drafts


def _sentences(text: str, draft: Draft, *, dateline_allowed: bool, line_ends: bool,
               markdown: bool) -> tuple[tuple[Sentence, ...], DateLine | None]:
    """The block's sentences, and the date of its opening dateline (when it has one with a date)."""
    if draft.kind != "body":
        return (Sentence(draft.span, shown(text[draft.span[0]:draft.span[1]], markdown=markdown)),), None
    result, dated = [], None
    for k, (a, b) in enumerate(sentence_spans(text, *draft.span, line_ends=line_ends)):
        cut = dateline_end(text, a, b) if (dateline_allowed and k == 0) else None
        if cut is not None:
            dated = read_date_line(text[a:cut].strip(" \t:-–—"))
            result.append(Sentence((a, cut), shown(text[a:cut]), dateline=True))
            a = cut
        result.append(Sentence((a, b), shown(text[a:b])))
    return tuple(result), dated


def dateline_end(text: str, a: int, b: int) -> int | None:
    """Where the opening dateline of the sentence ``text[a:b]`` ends, or None when it has none:
    ``موسكو – (وكالة الأنباء):``, ``بيروت (رويترز) -``, ``الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م
    واس``, ``القاهرة في 5 مارس /أ ش أ/ -`` — a place, a date and/or an agency, then the text."""
    match = _DATELINE.match(text, a, b)
    if match and text[match.end():b].strip():
        return match.end()
    limit = min(b, a + DATELINE_MAX)
    best = None
    for cut in _DATELINE_CUT.finditer(text, a, limit):
        end = cut.end()
        prefix = text[a:end].strip(" \t:-–—")
        if not prefix or not text[end:b].strip() or not re.search(r"\w", text[end:b]):
            continue
        flat = for_model(prefix)
        if len(flat.split()) > DATELINE_WORDS:
            break
        dated = read_date_line(flat)
        agency = furniture.agency_line(flat) and furniture.ends_with_agency(flat)
        # after a bare space only an agency code ends a dateline ("… م واس أعلنت"), not a date ("في 5 مارس 2024 أعلنت")
        if (dated is not None or agency) and (cut.group().strip() or agency or (dated is not None and dated.agency)):
            best = end
    return best


def segment(raw: RawDocument, *, patterns: Patterns | None = None) -> Document:
    """Segment a decoded document: any text with something visible in it has a segmentation.
    ``patterns``: the user's patterns for the source (checked and compiled: ``patterns.from_options``)."""
    text = raw.text
    if is_blank(text):
        raise EmptyFileError("is empty (no visible text)", "remove it from the folder or put the article text in it")
    wrap = detect(text, _lines(text)) if raw.format in ("txt", "md") else None
    fmt = raw.format if raw.format in ("md", "html") else "txt"
    drafts = _drafts(text, fmt, hints=dict(raw.hints), wrap=wrap)
    header_end = classify(drafts, patterns)
    blocks = []
    first_body = next((i for i, d in enumerate(drafts) if d.kind == "body"), None)
    dateline_date = None
    for i, d in enumerate(drafts):
        markdown = fmt == "md" and d.kind != "body"  # shown without markers
        sentences, dated = _sentences(text, d, dateline_allowed=i == first_body, line_ends=wrap is None,
                                      markdown=markdown)
        dateline_date = dateline_date or dated
        blocks.append(Block(span=d.span, kind=d.kind, text=shown(text[d.content[0]:d.content[1]], markdown=markdown),
                            role=d.role, sentences=sentences, date=d.date.iso if d.date else None))
    title = next((b.text for b in blocks if b.kind == "title"), None)
    found = article_date(drafts, header_end)
    if (found is None or found.iso is None) and dateline_date is not None and dateline_date.day:
        found = dataclasses.replace(dateline_date, iso=dateline_date.day)  # a Hijri dateline: its Umm al-Qura day
    return Document(path=raw.path, sha256=raw.data_sha256, encoding=raw.encoding, format=raw.format,
                    text=text, title=title, date=(found.iso if found else None) or raw.html_date,
                    blocks=tuple(blocks), line_wrap=wrap, time=found.time if found and found.iso else None,
                    date_hijri=found.hijri if found else None)

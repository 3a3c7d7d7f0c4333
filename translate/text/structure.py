"""Block kinds from the article's layout: which block is the title, the date, a byline, a heading,
furniture, or body — decided from each line (``furniture``, ``dates``, the user's ``patterns``) and
from where it is.

An article has a *header* (everything before the first real body paragraph: title, date lines,
bylines, a short deck), a *body* and a *footer* (credits after the last body paragraph). Position
matters because the same shape means different things: ``دبي - سكاي نيوز عربية`` under the title
is a byline, ``روسيا - آسيا الوسطى`` between paragraphs is a heading; a date line in the header is
the article's date, one in a timeline further down is not; two short unpunctuated lines between
body paragraphs are a related-stories box, the same line under the title is the title.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from . import furniture as fu
from .dates import DateLine, hijri_text, read_date_line
from .patterns import Patterns

TITLE_MAX_WORDS = 30
HEADING_MAX_WORDS = 12
RUN_LINE_WORDS = 8  # a heading does not follow a line this short without a sentence end (verse, a list)
FOOTER_MAX_WORDS = 15
DATE_MAX_WORDS = 20
BODY_MIN_WORDS = 12  # a body paragraph at least this long (or a shorter one with sentence ends) ends the header
_TERMINAL = ".:،,؛;!…"
_SERIES = re.compile(r"^\s*(?:مجموعة|سلسلة|ملف|تغطية|متابعة|ملحق|زاوية)\b")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_ANNOUNCES = re.compile(r"(?:[:：]|(?<![^\W\d_])(?:ما\s+يلي|يلي|التالي|التالية|الآتي|الآتية|كالتالي|كالآتي|"
                        r"كل\s+من|كلا\s+من|وهي|وهم|وهما|هي|هم|منها|منهم|أبرزها|أبرزهم|أهمها|مثل|بينها|بينهم|تشمل|وتشمل|يشمل|تضم|وتضم))"
                        r"\s*[.…]?$")
_PUBLISHED = re.compile(r"نشر|النشر|published|posted", re.I)
_CLOSING_QUOTES = "\"'»”’"


@dataclass
class Draft:
    """A block being classified. ``text``: what the model sees; ``line``: the same with a tatweel
    used as a dash kept as one (for bylines); ``raw``: the block's characters."""

    span: tuple[int, int]
    content: tuple[int, int]  # the part without surrounding blank lines
    text: str
    line: str
    raw: str
    hint: str | None = None  # from the format: "title", "heading", "list"
    kind: str = "body"
    role: str | None = None
    date: DateLine | None = None  # for kind "date"

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def terminal(self) -> str:
        return self.text.rstrip("\"'»”’)] ")[-1:]

    @property
    def content_like(self) -> bool:
        return self.kind in ("body", "heading")


def title_end(text: str) -> bool:
    """A title may end in ``..``, ``…``, ``!``, ``؟``, or a closing quote; not in ``.``, ``:`` or a comma."""
    stripped = text.rstrip()
    if stripped.endswith(("..", "…")):
        return True
    if stripped[-1:] in _CLOSING_QUOTES:
        return stripped.rstrip(_CLOSING_QUOTES + " ")[-1:] not in ":،,؛;"
    return stripped.rstrip(")] ")[-1:] not in ".:،,؛;"


def _line_kind(d: Draft, first_arabic: bool, patterns: Patterns | None) -> None:
    """What the line is by itself (no position needed): furniture, credits, dates."""
    if patterns:
        found = patterns.classify(d.line)
        if found:
            d.kind, d.role, d.date = found
            return
    if d.words <= DATE_MAX_WORDS and not fu.agency_line(d.line):
        found_date = read_date_line(d.line)
        if found_date is not None:
            if found_date.hijri:  # as the article writes it (normalization folded its digits and tatweel);
                # a Hijri date alone gives the article its Gregorian day (Umm al-Qura), as Saudi papers mean it
                found_date = dataclasses.replace(found_date, iso=found_date.day,
                                                 hijri=hijri_text(d.raw) or found_date.hijri)
            d.kind, d.date = "date", found_date
            return
    role = fu.meta_role(d.line)
    if role:
        d.kind, d.role = "meta", role
    elif fu.separator(d.line) or fu.separator(d.raw.strip()):
        d.kind, d.role = "chrome", "separator"
    elif fu.share_line(d.line):
        d.kind, d.role = "chrome", "share"
    elif fu.navigation(d.line) or (not _ARABIC.search(d.text) and d.words <= 6 and not first_arabic):
        d.kind = "chrome"
    elif fu.agency_line(d.line):
        d.kind, d.role = "meta", "agency"
    elif fu.related_label(d.line) in ("alone", "inline"):
        d.kind, d.role = "chrome", "related"
    elif d.hint == "heading":
        d.kind = "heading"


def _title_shaped(d: Draft) -> bool:
    return d.hint in (None, "title") and d.words <= TITLE_MAX_WORDS and title_end(d.text)


def _real_body(d: Draft) -> bool:
    return d.kind == "body" and d.hint != "title" and (
        d.words >= BODY_MIN_WORDS or (d.words >= 6 and d.terminal in ".!؟?…"))


def classify(drafts: list[Draft], patterns: Patterns | None = None) -> int:
    """Set every draft's kind (and role, date); returns where the header ends (the index of the
    first real body paragraph, or the number of drafts)."""
    seen_arabic = False
    for d in drafts:
        _line_kind(d, seen_arabic, patterns)
        seen_arabic = seen_arabic or bool(_ARABIC.search(d.text))
    first = next((i for i, d in enumerate(drafts) if d.content_like), None)
    header_end = next((i for i, d in enumerate(drafts)
                       if _real_body(d) and not (i == first and _title_shaped(d))), len(drafts))
    _related(drafts, header_end)
    footer_start = _footer(drafts)
    title = _title(drafts, footer_start, header_end)
    for i, d in enumerate(drafts):  # a related-box label with a story, unless it is the title
        if i != title and d.content_like and fu.related_label(d.line) == "maybe":
            d.kind, d.role = "chrome", "related"
    _bylines(drafts, title, header_end, footer_start)
    _headings(drafts, footer_start)
    return header_end


def _related(drafts: list[Draft], header_end: int) -> None:
    """Read-more boxes: the stories under a label, and runs of headline-like lines inside the body."""
    i = 0
    while i < len(drafts):
        d = drafts[i]
        if d.kind == "chrome" and d.role == "related" and fu.related_label(d.line) == "alone":
            j = i + 1
            while j < len(drafts) and drafts[j].content_like and drafts[j].hint != "title" and (
                    fu.headline_like(drafts[j].line) or (drafts[j].words <= 20 and drafts[j].terminal not in ".:")):
                drafts[j].kind, drafts[j].role = "chrome", "related"
                j += 1
            i = j
            continue
        i += 1
    if not _punctuated(drafts):
        return  # a site that ends no paragraph with a full stop: short paragraphs look like headlines
    run: list[int] = []
    for i in range(header_end + 1, len(drafts) + 1):
        d = drafts[i] if i < len(drafts) else None
        if d is not None and d.content_like and d.hint not in ("list", "title") and _ARABIC.search(d.text) \
                and fu.headline_like(d.line):
            run.append(i)
            continue
        if d is not None and d.kind == "chrome" and run:
            continue  # a separator or share line inside the box
        _related_run(drafts, run)
        run = []


def _punctuated(drafts: list[Draft]) -> bool:
    """Most body paragraphs of the article end with a sentence end (so unpunctuated lines stand out)."""
    ends = [d.terminal in ".!؟?…" for d in drafts if d.kind == "body" and d.words >= BODY_MIN_WORDS]
    return len(ends) >= 2 and sum(ends) >= 0.6 * len(ends)


def _related_run(drafts: list[Draft], run: list[int]) -> None:
    """Two or more headline-like lines between body paragraphs (three or more at the end of the
    article) are a related-stories box, unless announced by a colon or rhymed (verse)."""
    if not run:
        return
    sizes = [drafts[i].words for i in run]
    inside = any(_real_body(d) for d in drafts[run[-1] + 1:])
    if not (len(run) >= 3 and min(sizes) >= 3) and not (inside and len(run) == 2 and min(sizes) >= 4):
        return
    before = next((drafts[k] for k in range(run[0] - 1, -1, -1) if drafts[k].content_like), None)
    if before is None or any(_ANNOUNCES.search(d.text) for d in [before] + [drafts[i] for i in run[:-1]]):
        return  # a list announced by the paragraph before it, or verse quoted after "قال الشاعر:"
    if fu.verse([drafts[i].raw.strip() for i in run]):
        return
    for i in run:
        drafts[i].kind, drafts[i].role = "chrome", "related"


def _footer(drafts: list[Draft]) -> int:
    """Trailing short unpunctuated blocks before or among credit lines are credits too (series
    names, unlabelled photo credits); returns where the footer starts."""
    last_meta = max((i for i, d in enumerate(drafts) if d.kind == "meta" and d.role != "agency"), default=-1)
    i = len(drafts) - 1
    while i >= 0 and drafts[i].kind in ("meta", "chrome", "date", "body", "heading"):
        d = drafts[i]
        if d.kind in ("meta", "chrome", "date"):
            i -= 1
            continue
        short = d.words <= FOOTER_MAX_WORDS and d.terminal not in _TERMINAL and d.hint != "list"
        if short and fu.labelled_byline(d.line):
            d.kind, d.role = "meta", "byline"
            i -= 1
            continue
        if short and (i < last_meta or _SERIES.match(d.text)):
            d.kind, d.role = "meta", "series" if _SERIES.match(d.text) or '"' in d.text or "«" in d.text else "other"
            i -= 1
            continue
        break
    return i + 1


def _title(drafts: list[Draft], footer_start: int, header_end: int) -> int | None:
    """The first content block, when it looks like a title (never a body paragraph); its index."""
    if any(d.kind == "title" for d in drafts):
        return None
    for first, d in enumerate(drafts):
        if not d.content_like or d.hint == "list":
            continue
        if d.hint is None and first < header_end and fu.dash_byline(d.line, outlet=True):
            d.kind, d.role = "meta", "byline"  # "دبي - سكاي نيوز عربية" with the title lost above it
            continue
        looks_like_title = d.hint == "title" or (
            d.hint is None and d.words <= TITLE_MAX_WORDS and title_end(d.text) and first + 1 < footer_start)
        if looks_like_title and first < footer_start:
            d.kind = "title"
            return first
        return None
    return None


def _bylines(drafts: list[Draft], title: int | None, header_end: int, footer_start: int) -> None:
    """Short lines of the header that name a place, outlet or writer: meta, role ``byline``."""
    for i, d in enumerate(drafts[:min(header_end, footer_start)]):
        if i == title or not d.content_like or d.hint in ("title", "list"):
            continue
        if fu.dash_byline(d.line, outlet=False) or fu.colon_byline(d.line) or fu.labelled_byline(d.line) \
                or fu.outlet_line(d.line):
            d.kind, d.role = "meta", "byline"


def _headings(drafts: list[Draft], footer_start: int) -> None:
    for i, d in enumerate(drafts[:footer_start]):
        if d.kind != "body" or d.hint == "list":
            continue
        if d.hint == "title":
            d.kind = "heading"
            continue
        following = next((x for x in drafts[i + 1:footer_start] if x.kind != "chrome"), None)
        previous = next((x for x in reversed(drafts[:i]) if x.kind != "chrome"), None)
        if previous is not None and previous.kind == "body" and previous.words <= RUN_LINE_WORDS \
                and previous.terminal not in _TERMINAL + "؟?":
            continue  # the last of a run of short lines (verse, a list), not a heading
        if (d.words <= HEADING_MAX_WORDS and d.terminal not in _TERMINAL and _ARABIC.search(d.text)
                and following is not None and following.kind == "body" and following.words > d.words):
            d.kind = "heading"


def article_date(drafts: list[Draft], header_end: int) -> DateLine | None:
    """The article's date: the first dated line of the header (with the time of any timestamp line
    there); else a publication stamp after the last body paragraph; else None. A Hijri date of the
    header is kept even when it gives no Gregorian day (outside the Umm al-Qura table)."""
    header = [d.date for d in drafts[:header_end] if d.kind == "date" and d.date is not None]
    dated = next((x for x in header if x.iso), None)
    if dated is None:
        last_body = max((i for i, d in enumerate(drafts) if d.kind == "body"), default=len(drafts))
        footer = [d for d in drafts[last_body + 1:] if d.kind == "date" and d.date and d.date.iso]
        stamped = next((d.date for d in footer if _PUBLISHED.search(d.text)), None)
        hijri = next((x.hijri for x in header if x.hijri), None)
        if hijri is None or (stamped is not None and stamped.hijri):
            return stamped
        return dataclasses.replace(stamped, hijri=hijri) if stamped else DateLine(None, hijri=hijri)
    time = dated.time or next((x.time for x in header if x.time and not x.iso), None)
    hijri = dated.hijri or next((x.hijri for x in header if x.hijri), None)
    return DateLine(dated.iso, time, hijri, dated.agency)

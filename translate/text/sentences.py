"""Sentence boundaries inside a block, and token-budget splitting of over-long sentences.

Everything here works on spans ``(start, end)`` of the original text: splitting only ever chooses
cut points, so the pieces always concatenate back to exactly the input.

Sentence ends: ``.``, ``!``, ``?``, ``؟``, ``…`` / ``...`` (with any closing quotes or brackets that
follow), and line ends. Never inside a number or date (``1.8``, ``11.03.2024``), a URL, an e-mail
address, after an abbreviation (``د.``, ``Dr.``, a single initial) or inside a quotation; invisible
formatting characters (bidi marks, zero-width characters) are seen through.

Many sites lose the space after a full stop (``…في اليابان.وأوضح``, ``…ومشرفة.»وأضاف``): an end
directly followed by an Arabic letter (or an opening quote and one) is an end too, except inside
initialisms written with dots (``آي.جي.تي.في``, ``ت.ع.``), after abbreviations (``د.محمد``) and
in Arabic domain names (``العربية.نت``). A quotation that ends with its own sentence end
(``«…مستعدون.» وأضاف``) ends the sentence as well: only quotations still open carry a sentence on.
An inline list number (``…على آبل.1. قدرات``) starts the next sentence and is not one itself.
Commas are *not* sentence ends: they are clause boundaries, used only to keep a segment under the
model's token budget.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

Span = tuple[int, int]

_TERMINATORS = ".!?؟…"
_CLOSERS = "\"'»”’)]}›"
_OPEN_CLOSE = {"«": "»", "“": "”", "‹": "›"}
_ABBREVIATIONS = {
    "د", "أ", "ا", "م", "ص", "ق", "ج", "ت", "ش", "ع", "ه", "هـ", "أد", "إلخ", "الخ", "ح", "س",
    "dr", "mr", "mrs", "ms", "prof", "st", "no", "vs", "jr", "sr", "gen", "col", "lt", "etc", "e.g", "i.e",
    "inc", "ltd", "co", "u.s", "u.n",
}
# invisible formatting characters: bidi marks, embeddings, overrides and isolates, ALM, zero-width
# space/(non-)joiner, word joiner, BOM, soft hyphen
_INVISIBLE_CHARS = frozenset("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                             "\u2066\u2067\u2068\u2069\u061c\u2060\ufeff\u00ad")
_INVISIBLE = "".join(sorted(_INVISIBLE_CHARS))
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_LINE_END = re.compile(r"\r\n|\r|\n")
_END = re.compile(r"(?:\.{2,}|[.!?؟…]+)[" + re.escape(_CLOSERS) + _INVISIBLE + r"]*")
# a URL does not end with punctuation: "www.example.com؟ ثم" ends a sentence after the address
_URLISH = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)(?:\S*[^\s.,;:!?؟…،؛\"'»”’)\]}›])?|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
                     re.IGNORECASE)
_CLAUSE = re.compile(r"[،؛:;,]+[" + re.escape(_CLOSERS) + _INVISIBLE + r"]*(?=\s)")
_SENTENCE_INSIDE = re.compile(r"(?:\.{2,}|[.!?؟…]+)[" + re.escape(_CLOSERS) + _INVISIBLE + r"]*(?=\s)")
_WORD_GAP = re.compile(r"\s+")


def _quote_regions(text: str) -> list[Span]:
    """Spans between matched quotation marks; unmatched marks are ignored."""
    regions, stack = [], []
    straight = None
    for i, ch in enumerate(text):
        if ch in _OPEN_CLOSE:
            stack.append((ch, i))
        elif stack and ch == _OPEN_CLOSE[stack[-1][0]]:
            regions.append((stack.pop()[1], i))
        elif ch == '"':
            if straight is None:
                straight = i
            else:
                regions.append((straight, i))
                straight = None
    return regions


def _is_abbreviation(text: str, dot: int, *, dotted: bool = True) -> bool:
    """The word before ``dot`` is an abbreviation or an initial; ``dotted``: also an initialism
    written with dots (``ت.ع.``; not when the dot is glued to the next word: ``آي.جي.تي.في.وأعلنت``
    ends there)."""
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(«\"“":
        start -= 1
    word = text[start:dot].lower().strip("'")
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    parts = word.split(".")
    if dotted and len(parts) > 1 and all(0 < len(p) <= 2 and p.isalpha() for p in parts):
        return True  # an initialism written with dots: "ت.ع.", "أ.ف.ب."
    return len(word) == 1 and word.isalpha()  # an initial: "J. Smith", "م. أحمد"


def _visible(text: str) -> tuple[str, list[int]]:
    """``text`` without invisible formatting characters, and each kept character's index in ``text``."""
    if not _INVISIBLE_RE.search(text):
        return text, list(range(len(text)))
    kept = [i for i, ch in enumerate(text) if ch not in _INVISIBLE_CHARS]
    return "".join(text[i] for i in kept), kept


def sentence_spans(text: str, start: int = 0, end: int | None = None, *, line_ends: bool = True) -> list[Span]:
    """Partition ``text[start:end]`` into sentence spans (whitespace stays with the sentence before).

    Boundaries are found on a view of the text without invisible formatting characters (bidi marks
    and embeddings, zero-width characters, BOM), so a mark pasted inside ``د.`` or ``3.5`` cannot
    move a sentence end; the spans index the original text, and marks right before a sentence's
    first visible character belong to that sentence. ``line_ends``: a line break ends a sentence
    (False for paragraphs rejoined from a hard-wrapped file, whose line breaks are only wrapping).
    """
    end = len(text) if end is None else end
    if end <= start:
        return []
    original = text[start:end]
    body, index = _visible(original)
    if not body:
        return [(start, end)]
    protected = _coverage(len(body), [m.span() for m in _URLISH.finditer(body)])
    regions = [(a, b) for a, b in _quote_regions(body) if b - a < 2000]
    quotes = _coverage(len(body), regions)
    closing = {b for _, b in regions}
    cuts: list[int] = []
    item = None  # the number of the list item the current sentence starts with ("1. …")
    for match in _END.finditer(body):
        a, b = match.span()
        if b < len(body) and not body[b].isspace() and not _glued_end(body, a, b):
            continue  # "1.8", "11.03.2024", "example.com", "آي.جي.تي.في", "العربية.نت"
        if protected[a]:
            continue
        glued = b < len(body) and not body[b].isspace()
        if body[a] == "." and _dot_only(body, a, b) and _is_abbreviation(body, a, dotted=not glued):
            continue
        number = _number_before(body, a) if body[a] == "." and b - a == 1 else None
        if number is not None and _list_number(body, a, cuts[-1] if cuts else 0):
            item = number  # "1. قدرات": the number of a list item that starts the sentence
            continue
        if number is not None and item is not None and number == item + 1 and b < len(body) and body[b].isspace():
            begin = a - len(str(number))
            if begin > 0 and body[begin - 1].isspace():
                cuts.append(begin)  # "1. قدرات التصنيع 2. شبكة التوزيع": the next item starts a sentence
                item = number
                continue
        item = None
        if quotes[a] and not _closes_quotation(body, a, b, closing, quotes):
            continue
        cuts.append(b)
    if line_ends:
        cuts += [m.end() for m in _LINE_END.finditer(body)]
    spans = _spans_from_cuts(body, sorted(set(cuts)))
    bounds = [0] + [index[b - 1] + 1 for _, b in spans[:-1]] + [len(original)]
    return [(start + bounds[i], start + bounds[i + 1]) for i in range(len(spans))]


_ARABIC_LETTER = re.compile(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06fc]")
_OPENERS = "«“\"'(‹"
_LIST_NUMBER = re.compile(r"\d{1,2}[.)\-]\s*\S")
_ARABIC_DOMAINS = frozenset({"نت", "كوم", "أورج", "اورج", "أورغ", "اورغ", "انفو", "إنفو", "نيت"})
_QUOTE_CLOSERS = frozenset("\"'»”’›")


def _glued_end(body: str, a: int, b: int) -> bool:
    """A sentence end written without the space after it: followed by an Arabic letter (or an
    opening quote and one), or by an inline list number after a word; not an initialism
    (``آي.جي.تي.في``), not a domain (``العربية.نت``)."""
    nxt = body[b]
    if nxt in _OPENERS and b + 1 < len(body):
        nxt = body[b + 1]
    elif nxt.isdigit():
        return body[a] == "." and a > 0 and body[a - 1].isalpha() and _LIST_NUMBER.match(body, b) is not None
    if not _ARABIC_LETTER.match(nxt):
        return False
    if body[a] != "." or not _dot_only(body, a, b):
        return True
    before, after = _letters_before(body, a), _letters_after(body, b)
    if after in _ARABIC_DOMAINS:
        return False
    return not _in_initialism(body, a, before, after)


def _dot_only(body: str, a: int, b: int) -> bool:
    """The end is a single full stop (with closing marks after it), not ``...`` or ``.!``."""
    return not any(ch in _TERMINATORS for ch in body[a + 1:b])


def _letters_before(body: str, at: int) -> str:
    start = at
    while start > 0 and body[start - 1].isalpha():
        start -= 1
    return body[start:at]


def _letters_after(body: str, at: int) -> str:
    end = at
    while end < len(body) and body[end].isalpha():
        end += 1
    return body[at:end]


def _in_initialism(body: str, dot: int, before: str, after: str) -> bool:
    """The dot joins short letter groups of an initialism: ``آي.جي.تي.في``, ``تي.في``."""
    if not before or not after or len(before) > 3 or len(after) > 3:
        return False
    if len(before) <= 2 and len(after) <= 2:
        return True
    short, at = 2, dot - len(before) - 1  # count the short groups around this dot
    while at > 0 and body[at] == "." and 0 < len(_letters_before(body, at)) <= 3:
        short += 1
        at -= len(_letters_before(body, at)) + 1
    at = dot + 1 + len(after)
    while at < len(body) and body[at] == "." and 0 < len(_letters_after(body, at + 1)) <= 3:
        short += 1
        at += len(_letters_after(body, at + 1)) + 1
    return short >= 3


def _number_before(body: str, dot: int) -> int | None:
    """The one- or two-digit number right before ``dot`` (not part of a longer number), or None."""
    start = dot
    while start > 0 and body[start - 1].isdigit():
        start -= 1
    if not 1 <= dot - start <= 2 or (start > 1 and body[start - 1] in ".,٫٬" and body[start - 2].isdigit()):
        return None  # "3.5.": the end of a decimal number
    return int(body[start:dot])


def _list_number(body: str, dot: int, sentence_start: int) -> bool:
    """``dot`` follows a one- or two-digit number that opens the sentence or the line (a list item)."""
    start = dot
    while start > 0 and body[start - 1].isdigit():
        start -= 1
    if not 1 <= dot - start <= 2 or dot + 1 >= len(body) or not body[dot + 1].isspace():
        return False
    lead = body[:start].rstrip(" \t\u00a0")
    return start <= sentence_start or not body[sentence_start:start].strip() or not lead or lead[-1] in "\r\n:"


def _closes_quotation(body: str, a: int, b: int, closing: set[int], quotes: list[bool]) -> bool:
    """The end inside a quotation is followed by the mark that closes it, and that quotation is not
    itself inside another one: ``«نحن مستعدون.» وأضاف`` ends there."""
    last = max((i for i in range(a + 1, b) if body[i] in _QUOTE_CLOSERS), default=None)
    return last is not None and last in closing and not quotes[last]


def _coverage(size: int, regions: list[Span]) -> list[bool]:
    """For each position, whether it lies strictly inside one of ``regions`` (linear time)."""
    depth = [0] * (size + 1)
    for a, b in regions:
        if b - a > 1:
            depth[a + 1] += 1
            depth[b] -= 1
    inside, level = [], 0
    for step in depth[:size]:
        level += step
        inside.append(level > 0)
    return inside


def _spans_from_cuts(body: str, cuts: Sequence[int]) -> list[Span]:
    """Turn cut positions into spans; each cut is moved past following whitespace; empty spans merge."""
    spans, begin = [], 0
    for cut in cuts:
        while cut < len(body) and body[cut].isspace():
            cut += 1
        if cut <= begin or cut >= len(body):
            continue
        if not body[begin:cut].strip():
            continue  # whitespace-only: stays with the next sentence
        spans.append((begin, cut))
        begin = cut
    if begin < len(body):
        if spans and not body[begin:].strip():
            spans[-1] = (spans[-1][0], len(body))
        else:
            spans.append((begin, len(body)))
    return spans


def split_to_budget(text: str, span: Span, count: Callable[[str], int], budget: int) -> list[Span]:
    """Split ``text[span]`` into pieces each within ``budget`` by ``count``.

    Preference: sentence punctuation inside quotes, then clause boundaries (``، ؛ : ; ,``), then
    word boundaries, and, only for a single "word" longer than the budget, characters. No piece is
    ever truncated: the pieces concatenate to exactly the input span.
    """
    if count(text[span[0]:span[1]]) <= budget:
        return [span]
    for pattern in (_SENTENCE_INSIDE, _CLAUSE, _WORD_GAP):
        cuts = [m.end() for m in pattern.finditer(text, span[0], span[1])]
        cuts = [c for c in cuts if span[0] < c < span[1]]
        if cuts:
            return _pack(text, span, cuts, count, budget)
    return _split_chars(text, span, count, budget)


def _pack(text: str, span: Span, cuts: list[int], count: Callable[[str], int], budget: int) -> list[Span]:
    """Greedily join the units between ``cuts`` into pieces within budget; recurse into over-long units."""
    bounds = [span[0], *cuts, span[1]]
    units = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1) if bounds[i] < bounds[i + 1]]
    pieces: list[Span] = []
    current: Span | None = None
    for unit in units:
        if current is not None and count(text[current[0]:unit[1]]) <= budget:
            current = (current[0], unit[1])
            continue
        if current is not None:
            pieces.append(current)
        if count(text[unit[0]:unit[1]]) <= budget:
            current = unit
        else:
            pieces.extend(split_to_budget(text, unit, count, budget))
            current = None
    if current is not None:
        pieces.append(current)
    return pieces


def _split_chars(text: str, span: Span, count: Callable[[str], int], budget: int) -> list[Span]:
    pieces, begin = [], span[0]
    while begin < span[1]:
        lo, hi = begin + 1, span[1]
        while lo < hi:  # the longest prefix within budget (at least one character)
            mid = (lo + hi + 1) // 2
            if count(text[begin:mid]) <= budget:
                lo = mid
            else:
                hi = mid - 1
        pieces.append((begin, lo))
        begin = lo
    return pieces

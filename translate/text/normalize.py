"""Text normalization for the model (the original text is kept for display and alignment).

Applied to one segment at a time, after segmentation, so it can never move a character from one
segment to another. What it does, and why:

* Unicode compatibility forms are folded (NFKC): Arabic presentation forms from PDF copies become
  ordinary letters, full-width punctuation becomes ASCII.
* Invisible characters are removed: bidi controls (LRM, RLM, embeddings, isolates), zero-width
  (non-)joiners and spaces, soft hyphens, BOMs, and tatweel (``ـ``) used to stretch words.
* All whitespace runs (including no-break and thin spaces, newlines) become one ASCII space.
* Digits: Arabic-Indic (``٠-٩``) and Persian (``۰-۹``) digits become ASCII ``0-9``, and the Arabic
  decimal / thousands separators and percent sign become ``.`` / ``,`` / ``%``. OPUS-MT's training data (OPUS news and
  subtitles) writes numbers mostly with ASCII digits on the Arabic side too, and its English
  output uses ASCII digits; ASCII in the input lets the model copy numbers through instead of
  transliterating digit by digit, and makes source and target numbers comparable.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2066\u2067\u2068\u2069\u2060\u00ad\ufeff\u061c\u0640"),
    None,
)
# what is_blank ignores: whitespace, invisible characters, tatweel
_EDGES = "".join(map(chr, _INVISIBLE)) + "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())
_DIGITS = {ord(a): str(i) for i, a in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(a): str(i) for i, a in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_DIGITS.update({ord("٫"): ".", ord("٬"): ",", ord("٪"): "%"})
_SPACES = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MARKDOWN_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|[-*+]\s+|\d{1,3}[.)]\s+|>\s?)")
_MARKDOWN_HEADING_CLOSE = re.compile(r"^(\s{0,3}#{1,6}\s.*?)\s+#+\s*$", re.DOTALL)


def for_model(text: str, *, markdown: bool = False) -> str:
    """The string the translation model sees for one source segment."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_DIGITS)
    if markdown:
        text = strip_markdown(text)
    return _SPACES.sub(" ", text).strip()


def strip_markdown(text: str) -> str:
    """A markdown block without its heading/list/quote marker (and a heading's closing ``#``s) and
    emphasis markers (nested ones too: ``***x***``, ``**_x_**``)."""
    text = _MARKDOWN_PREFIX.sub("", _MARKDOWN_HEADING_CLOSE.sub(r"\1", text))
    for _ in range(3):
        stripped = _MARKDOWN_EMPHASIS.sub(r"\2", text)
        if stripped == text:
            break
        text = stripped
    return text


def trim(text: str) -> str:
    """``text`` without whitespace and invisible characters (and tatweel) at either end."""
    return text.strip(_EDGES)


def shown(raw: str, *, markdown: bool = False) -> str:
    """A segment (block or sentence) as reviewers see it, from its span's characters: trimmed
    (:func:`trim`), on one line (a line break inside it — a rejoined hard-wrapped paragraph, a
    markdown soft break — is one space), and for ``markdown`` (titles, headings, date lines and
    credits of a .md file) without heading, list and emphasis markers."""
    text = trim(raw)
    if markdown:
        text = trim(strip_markdown(text))
    return _LINE_BREAK.sub(" ", text)


def is_blank(text: str) -> bool:
    """True when nothing visible is left: whitespace, no-break spaces, invisible controls only."""
    return not text.translate(_INVISIBLE).strip()


def fold_digits(text: str) -> str:
    return text.translate(_DIGITS)

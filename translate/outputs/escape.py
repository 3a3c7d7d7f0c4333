"""Escaping for the text views: article text in Markdown, file names in logs and indexes, and
link targets to output files.

* ``html_text``: the same inside a raw HTML block of a Markdown file.
* ``md_text``: any text placed in Markdown renders as exactly its own characters — no raw HTML
  (``<`` ``>`` ``&`` become entities), no link, image, emphasis, code span, strikethrough, table
  cell break, heading, list, quote or thematic break made from the text's own characters.
* ``display_name``: a file name or key with its control, bidi and invisible characters shown as
  visible escapes (``\\n``, ``\\u202e``) so a name cannot break a line, a table or the reading order.
* ``md_link_target``: a relative path percent-encoded for a Markdown link destination (spaces,
  parentheses, newlines, ``:``, non-ASCII and undecodable bytes), so it is one opaque relative URL
  that resolves to the file.
"""

from __future__ import annotations

import os
import re
import unicodedata
from urllib.parse import quote

# Bidi controls (embeddings, overrides, isolates, marks), the Arabic letter mark, and invisible
# characters that are never wanted in a file name (zero-width space, word joiner, BOM). ZWNJ/ZWJ
# (U+200C/U+200D) are kept: Arabic-script names use them.
_INVISIBLE = frozenset("\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters with a Markdown or HTML meaning anywhere in a line ("#": a heading's closing sequence).
_INLINE = {"\\": "\\\\", "&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "\\`", "*": "\\*", "_": "\\_",
           "[": "\\[", "]": "\\]", "|": "\\|", "~": "\\~", "#": "\\#"}
# "_" between two letters or digits cannot start or end emphasis (file_name.txt stays readable).
_INLINE_RE = re.compile(r"[\\&<>`*\[\]|~#]|(?<![^\W_])_|_(?![^\W_])|(?<=\])\(")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "[": "&#91;", "]": "&#93;",
         "(": "&#40;", ")": "&#41;", "*": "&#42;", "_": "&#95;", "`": "&#96;", "~": "&#126;", "|": "&#124;",
         "\\": "&#92;"}
_HTML_RE = re.compile("|".join(re.escape(c) for c in _HTML))
_ORDERED = re.compile(r"^(\d{1,9})([.)])")
_BLOCK_START = frozenset("-+=")  # the rest ("#", "*", "_", "`", "~", "[", "|", "<", ">") is escaped everywhere


def _needs_escape(char: str) -> bool:
    if char in _INVISIBLE:
        return True
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def display_name(name: object) -> str:
    """``name`` (a path, key or any text) with control characters (U+0000–U+001F, U+007F–U+009F),
    line/paragraph separators, bidi and invisible controls and undecodable bytes (lone surrogates)
    replaced by visible escapes: ``\\n``, ``\\t``, ``\\r``, ``\\x1b``, ``\\u202e``, ``\\udcff``.
    Everything else, Arabic included, is shown as it is."""
    if isinstance(name, (bytes, os.PathLike)):
        name = os.fsdecode(name)
    text = str(name)
    out = []
    for char in text:
        if not _needs_escape(char):
            out.append(char)
        elif char in _NAMED:
            out.append(_NAMED[char])
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def _line(line: str) -> str:
    line = line.strip(" \t")  # blanks at the ends never show; four leading ones would make a code block,
    # two trailing ones a hard line break
    ordered = _ORDERED.match(line)
    escaped = _INLINE_RE.sub(lambda m: _INLINE.get(m.group(), "\\("), line)
    if ordered:  # "1. text" / "1) text" would start a list
        digits = ordered.group(1)
        return f"{digits}\\{escaped[len(digits):]}"
    if escaped[:1] in _BLOCK_START:
        return "\\" + escaped  # a heading, list item, thematic break or setext underline
    return escaped


def md_text(text: str | None) -> str:
    """``text`` escaped for a Markdown document: renders as exactly its characters, with nothing
    live in it (no HTML, link, image, emphasis, code, heading, list, table cell break). Line breaks
    are kept (each line escaped on its own); blanks at the ends of a line are dropped."""
    if not text:
        return ""
    return "\n".join(_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def html_text(text: str | None) -> str:
    """``text`` for the inside of a raw HTML block in Markdown (where backslash escapes do not
    work): HTML-escaped, and Markdown's link, emphasis and code characters as numeric character
    references, so neither the HTML nor a renderer that parses Markdown inside HTML sees syntax."""
    return _HTML_RE.sub(lambda m: _HTML[m.group()], text or "")


def md_cell(text: str | None, *, empty: str = "—") -> str:
    """``md_text`` for a table cell: whitespace (newlines included) collapsed to single spaces."""
    return md_text(" ".join((text or "").split())) or empty


def md_link_target(path: str) -> str:
    """A relative path as a Markdown link destination: everything but ASCII letters, digits,
    ``-._~`` and ``/`` percent-encoded (UTF-8; undecodable bytes of a file name as themselves), so
    it cannot end the link, start a scheme (``javascript:``) or break a line."""
    return quote(os.fspath(path), safe="/", errors="surrogateescape")


def code_span(text: str) -> str:
    """``text`` as an inline code span whose fence is longer than any backtick run inside it."""
    text = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"

"""Reading inputs: finding articles, decoding bytes, extracting text from saved web pages.

Accepted encodings: UTF-8 (with or without BOM), UTF-16/UTF-32 with BOM, and Windows-1256
(the legacy Arabic code page of Windows and of many older Arabic sites). Anything else, or
binary data, is rejected with a reason.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import EmptyFileError, EncodingError, NotArabicError, UnreadableFileError, UnsupportedFormatError
from ..text.normalize import is_blank

log = logging.getLogger("translate")
FORMATS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f"
                            r"\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_ANY_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# An article of a batch has at least this many Arabic letters: fewer is a stray file of the folder (a
# note, a caption, a list of names), not an article. The profile's ``input.min_arabic_letters`` carries
# the number to ``read_document``; one text given to translate is held to less (``runners.single``: a
# headline is what the user asked for).
MIN_ARABIC_LETTERS = 20
MIN_ARABIC_SHARE = 0.3  # of the letters: mostly Arabic, whatever the length


@dataclass(frozen=True)
class RawDocument:
    """An input file decoded to text. ``text`` is what segmentation partitions."""

    path: Path
    data_sha256: str
    encoding: str
    format: str
    text: str
    html_date: str | None = None  # from a web page's metadata
    hints: tuple[tuple[int, str], ...] = ()  # web pages: (offset of a line, "title" | "heading" | "list")


def discover(root: Path, *, extensions: tuple[str, ...] = tuple(FORMATS),
             follow_symlinks: bool = False) -> tuple[list[Path], list[Path]]:
    """All files under ``root`` (sorted), split into (supported, skipped) by extension. A symbolic
    link (file or folder) that leads outside ``root`` is left out with a warning unless
    ``follow_symlinks``: what is read is what the user put in the folder."""
    if root.is_file():
        return [root], []
    found, skipped = [], []
    inside = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
        kept = []
        for name in sorted(d for d in dirnames if not d.startswith(".")):
            if follow_symlinks or _stays_inside(Path(dirpath) / name, inside):
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.startswith(".") or not (follow_symlinks or _stays_inside(path, inside)):
                continue
            (found if path.suffix.lower() in extensions else skipped).append(path)
    return found, skipped


def _stays_inside(path: Path, root: Path) -> bool:
    if not path.is_symlink():
        return True
    target = path.resolve()
    if target == root or root in target.parents:
        return True
    log.warning("%s: skipped (a symbolic link to %s, outside the input folder; pass --follow-symlinks to read "
                "it)", path, target)
    return False


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) or :class:`EncodingError`. The BOM is not part of the text."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), name
            except UnicodeDecodeError as exc:
                raise EncodingError(f"starts with a {name} byte-order mark but is not valid {name} "
                                    f"({exc.reason} at byte {exc.start})",
                                    "re-save the file as UTF-8") from exc
    if b"\x00" in data:
        raise EncodingError("looks like a binary file (contains NUL bytes) or UTF-16 without a byte-order mark",
                            "only text files can be translated; re-save it as UTF-8 text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _mostly_utf8(data)
    if mixed is not None:
        return mixed
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError as exc:
        raise EncodingError("is neither UTF-8 nor Windows-1256 text", "re-save the file as UTF-8") from exc
    letters = len(_ANY_LETTER.findall(text))
    if _CONTROL.search(text) or not letters or len(_ARABIC_LETTER.findall(text)) / letters < 0.5:
        raise EncodingError("is not UTF-8, and read as Windows-1256 it is not Arabic text "
                            "(binary, or another encoding)",
                            "re-save the file as UTF-8 (or UTF-16 with BOM, or Windows-1256)")
    return text, "windows-1256"


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _declared_charset(data: bytes) -> str | None:
    """The charset a web page declares in a ``<meta>`` tag (a byte-order mark still wins)."""
    if any(data.startswith(bom) for bom, _, _ in _BOMS):
        return None
    match = _META_CHARSET.search(data[:8192])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def _decode_declared(data: bytes, charset: str) -> tuple[str, str]:
    try:
        return data.decode(charset), charset
    except UnicodeDecodeError as exc:
        if charset == "utf-8" and (mixed := _mostly_utf8(data)):
            return mixed
        raise EncodingError(f"declares charset {charset} but is not valid {charset} ({exc.reason} at byte {exc.start})",
                            "re-save the page as UTF-8, or fix its <meta charset>") from exc


def _mostly_utf8(data: bytes) -> tuple[str, str] | None:
    """UTF-8 text with a few stray single-byte characters (e.g. a no-break space pasted from a
    Windows page): those bytes are read as Windows-1256, each kept as one character, and reported."""
    text = data.decode("utf-8", errors="surrogateescape")
    stray = [i for i, ch in enumerate(text) if "\udc80" <= ch <= "\udcff"]
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - len(stray)
    if multibyte < 20 or len(stray) > max(3, multibyte // 50):
        return None
    text = "".join(bytes([ord(ch) - 0xDC00]).decode("cp1256", errors="replace") if "\udc80" <= ch <= "\udcff" else ch
                   for ch in text)
    log.warning("%d byte(s) that are not UTF-8 were read as Windows-1256 (first at character %d)", len(stray), stray[0])
    return text, "utf-8+windows-1256"


def check_arabic(text: str, *, min_letters: int = MIN_ARABIC_LETTERS) -> None:
    """Reject text with nothing to translate: empty, invisible-only, or not Arabic (fewer than
    ``min_letters`` Arabic letters, or too small a share of its letters: see ``MIN_ARABIC_LETTERS``)."""
    if is_blank(text):
        raise EmptyFileError("is empty (no visible text)", "remove it from the folder or put the article text in it")
    arabic = len(_ARABIC_LETTER.findall(text))
    letters = len(_ANY_LETTER.findall(text))
    if arabic < min_letters or arabic / max(letters, 1) < MIN_ARABIC_SHARE:
        raise NotArabicError(
            f"is not Arabic text ({arabic} Arabic letters out of {letters})",
            "only Arabic articles are translated; remove the file or check it is the right one",
        )


def read_document(path: Path, *, explicit: bool = False, min_arabic_letters: int = MIN_ARABIC_LETTERS) -> RawDocument:
    """Read, decode and (for HTML) extract the article text of one file.

    ``explicit``: the user named this file, so an unknown extension is read as plain text.
    ``min_arabic_letters``: fewer Arabic letters and the file is refused as not Arabic (the
    profile's ``input.min_arabic_letters``: an article of a batch by default, 1 for one text)."""
    fmt = FORMATS.get(path.suffix.lower()) or ("txt" if explicit else None)
    if fmt is None:
        raise UnsupportedFormatError(f"has an unsupported extension {path.suffix!r}",
                                     f"use one of {', '.join(sorted(FORMATS))}, or rename a plain-text file to .txt")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(f"cannot be read ({exc.strerror or exc})",
                                  "check the file exists and is readable") from exc
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise EmptyFileError("is empty", "remove it from the folder or put the article text in it")
    declared = _declared_charset(data) if fmt == "html" else None
    text, encoding = _decode_declared(data, declared) if declared else decode(data)
    date, hints = None, ()
    if fmt == "html":
        from .webpage import extract_article

        article = extract_article(text)
        text, date, hints = article.text, article.date, article.hints
    check_arabic(text, min_letters=min_arabic_letters)
    return RawDocument(path=path, data_sha256=digest, encoding=encoding, format=fmt, text=text,
                       html_date=date, hints=hints)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

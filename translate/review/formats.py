"""Reading corrections files: the review page's export (``*.corrections.json``), XLIFF 1.2
(``.xlf``/``.xliff``, also after a PO round trip through translate-toolkit), TMX (``.tmx``), the TSV
view (``.tsv``) with an edited English column, and PO (``.po``, made by translate-toolkit's
``xliff2po`` from our XLIFF).

Each reader returns every sentence pair the file holds (edited or not) as ``Correction``s; which of
them change anything is decided against the batch by ``importing``. A file that cannot be parsed
raises ``CorrectionsFileError`` naming the file and the reason.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorrectionsFileError
from ..outputs.tabular import tsv_text

CORRECTIONS_SCHEMA = "translate.corrections/1"
MAX_FILE_BYTES = 256 * 2**20  # a corrections file is read whole: refused above this
XLIFF_DONE_STATES = ("translated", "final", "signed-off")  # XLIFF states a reviewer's target is taken in
_SENTENCE_ID = re.compile(r"p\d+\.s\d+")
_INLINE_TEXT = {"g", "mrk", "hi"}  # inline elements whose content is text; others (x, ph, bpt...) are codes


@dataclass(frozen=True)
class Correction:
    article: str | None  # the article's path (manifest key); None: the importer finds it (TSV)
    id: str  # sentence id, p3.s1
    source: str  # the Arabic the correction was made for
    target: str  # the English in the file
    state: str | None = None  # XLIFF: the target's state
    explicit: bool = False  # the review page exports only sentences the reviewer edited


@dataclass(frozen=True)
class CorrectionsFile:
    path: Path
    format: str  # page, xliff, tmx, tsv, po
    corrections: tuple[Correction, ...]
    reviewer: str | None = None
    skipped: tuple[tuple[str, str, str], ...] = ()  # (article, id, reason): units that name no sentence


def _fail(path: Path, reason: str, hint: str) -> CorrectionsFileError:
    return CorrectionsFileError(path, reason, hint)


def read_corrections(path: Path) -> CorrectionsFile:
    """Parse one corrections file, chosen by its extension."""
    suffix = path.suffix.lower()
    readers = {".json": _page, ".xlf": _xliff, ".xliff": _xliff, ".tmx": _tmx, ".tsv": _tsv, ".po": _po}
    if suffix not in readers:
        raise _fail(path, f"unknown corrections format {suffix or '(no extension)'!r}",
                    "import a review page export (.json), an XLIFF (.xlf, .xliff), a TMX (.tmx), a TSV view (.tsv) "
                    "or a PO file made from the XLIFF (.po)")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _fail(path, f"is {size:,} bytes, more than a corrections file can be ({MAX_FILE_BYTES:,})",
                        "import the corrections of fewer articles at a time")
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})", "check the path and its permissions") from exc
    return readers[suffix](path, data)


def _decode(path: Path, data: bytes) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, f"is not UTF-8 or UTF-16 text (byte {exc.start})", "save it as UTF-8") from exc


def _page(path: Path, data: bytes) -> CorrectionsFile:
    hint = "import the file the review page's Download corrections button saved, unedited"
    try:
        doc = json.loads(_decode(path, data))
    except ValueError as exc:
        raise _fail(path, f"is not valid JSON ({exc})", hint) from exc
    if not isinstance(doc, dict) or doc.get("schema") != CORRECTIONS_SCHEMA:
        raise _fail(path, f"is not a corrections file (no \"schema\": \"{CORRECTIONS_SCHEMA}\")", hint)
    article, items = doc.get("article"), doc.get("corrections")
    if not isinstance(article, dict) or not isinstance(article.get("path"), str) or not isinstance(items, list):
        raise _fail(path, "lacks article.path or the corrections list", hint)
    corrections = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("id", "source", "new_target")):
            raise _fail(path, f"correction {n} lacks a text id, source or new_target", hint)
        corrections.append(Correction(article["path"], item["id"], item["source"], item["new_target"], explicit=True))
    reviewer = doc.get("reviewer")
    return CorrectionsFile(path, "page", tuple(corrections),
                           reviewer if isinstance(reviewer, str) and reviewer else None)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _plain(element: ET.Element) -> str:
    """The text of a segment; inline codes (placeholders, tags of the original) are left out."""
    parts = [element.text or ""]
    for child in element:
        if _local(child.tag) in _INLINE_TEXT:
            parts.append(_plain(child))
        parts.append(child.tail or "")
    return "".join(parts)


class _Declares(Exception):
    pass


def _refuse_declarations(data: bytes) -> None:
    """A document type with an internal subset, or any entity declaration, is refused before the
    document is parsed: entities are never expanded (nothing is pulled in, nothing blows up). A
    bare ``<!DOCTYPE tmx SYSTEM "tmx14.dtd">`` (as TMX files carry) is not read, only allowed."""
    from xml.parsers import expat

    def doctype(name, system_id, public_id, has_internal_subset):
        if has_internal_subset:
            raise _Declares(f"declares its own document type (<!DOCTYPE {name} [...]>)")

    def entity(name, *args):
        raise _Declares(f"declares the XML entity {name!r}")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        pass  # reported by the parse that follows


def _xml(path: Path, data: bytes, root_name: str, hint: str) -> ET.Element:
    try:
        _refuse_declarations(data)
    except _Declares as exc:
        raise _fail(path, f"{exc}, which is not read (entities can pull in other files or expand without end)",
                    "remove the <!DOCTYPE [...]> / <!ENTITY ...> declarations and write the text itself") from None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise _fail(path, f"is not well-formed XML ({exc})", hint) from exc
    if _local(root.tag) != root_name:
        raise _fail(path, f"is not {root_name.upper()} (root element <{_local(root.tag)}>)", hint)
    return root


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _located(unit: ET.Element) -> tuple[str, str] | None:
    """(article, sentence id) from a unit's location (``ARTICLE#SENTENCE-ID``, as our XLIFF writes it
    and translate-toolkit's PO round trip keeps it), if it has one."""
    for group in unit.iter():
        if _local(group.tag) != "context-group" or group.get("purpose") != "location":
            continue
        for context in _children(group, "context"):
            found = _sentence_reference(_plain(context))
            if context.get("context-type") == "sourcefile" and found:
                return found
    return None


def _sentence_reference(text: str) -> tuple[str, str] | None:
    """``ARTICLE#SENTENCE-ID`` -> (article, id); PO writers percent-encode references (``%23``)."""
    from urllib.parse import unquote

    for candidate in dict.fromkeys((text.strip(), unquote(text.strip()))):
        article, _, sid = candidate.rpartition("#")
        if article and _SENTENCE_ID.fullmatch(sid):
            return article, sid
    return None


def _xliff(path: Path, data: bytes) -> CorrectionsFile:
    hint = "import an XLIFF 1.2 file exported by `translate batch --formats xliff` (edited in a CAT tool)"
    root = _xml(path, data, "xliff", hint)
    corrections = []
    for file in _children(root, "file"):
        original = file.get("original")
        for unit in file.iter():
            if _local(unit.tag) != "trans-unit" or unit.get("translate") == "no":
                continue
            sources, targets = _children(unit, "source"), _children(unit, "target")
            article, sid = _located(unit) or (original, unit.get("id"))
            if not article:
                raise _fail(path, "a <file> has no original attribute (the article's path)", hint)
            if not sid or not sources:
                raise _fail(path, f"a trans-unit in {article} has no id or no <source>", hint)
            if targets:
                corrections.append(Correction(article, sid, _plain(sources[0]), _plain(targets[0]),
                                              state=targets[0].get("state")))
    return CorrectionsFile(path, "xliff", tuple(corrections))


def _po_string(path: Path, line: str, number: int, hint: str) -> str:
    try:
        value = ast.literal_eval(line)
    except (ValueError, SyntaxError) as exc:
        raise _fail(path, f"line {number} is not a PO string ({exc.__class__.__name__})", hint) from None
    if not isinstance(value, str):
        raise _fail(path, f"line {number} is not a PO string", hint)
    return value


def _po(path: Path, data: bytes) -> CorrectionsFile:
    """A PO file made from our XLIFF by translate-toolkit's ``xliff2po`` (edited in Poedit, Lokalize,
    Weblate...): each entry is placed by its reference ``#: ARTICLE#SENTENCE-ID``; a ``fuzzy`` entry
    counts as not reviewed yet (like an XLIFF unit in a needs-review state)."""
    hint = ("import a PO file made with translate-toolkit's xliff2po from the XLIFF of `translate batch` "
            "(its #: references place each entry)")
    entries: list[dict] = []
    entry: dict = {}
    field = None
    for number, raw in enumerate(_decode(path, data).splitlines(), 1):
        line = raw.strip()
        if not line:
            entry, field = {}, None
            continue
        if not entry:
            entries.append(entry)
            entry.update(references=[], flags=set(), msgid="", msgstr="")
        if line.startswith("#:"):
            entry["references"] += line[2:].split()
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgstr ", "msgctxt ")):
            field, _, rest = line.partition(" ")
            entry[field] = _po_string(path, rest, number, hint)
        elif line.startswith('"') and field:
            entry[field] += _po_string(path, line, number, hint)
        else:
            raise _fail(path, f"line {number} is not PO ({line[:40]!r})", hint)
    corrections, skipped = [], []
    for item in entries:
        if not item["msgid"]:
            continue  # the header
        placed = next((found for ref in item["references"] if (found := _sentence_reference(ref))), None)
        if placed is None:
            skipped.append(("", item["msgid"][:40], "no #: reference of the form ARTICLE#SENTENCE-ID"))
            continue
        state = "needs-review-translation" if "fuzzy" in item["flags"] else None
        corrections.append(Correction(placed[0], placed[1], item["msgid"], item["msgstr"], state=state))
    return CorrectionsFile(path, "po", tuple(corrections), skipped=tuple(skipped))


def _lang(element: ET.Element) -> str:
    return (element.get("{http://www.w3.org/XML/1998/namespace}lang") or element.get("lang") or "").lower()


def _tmx(path: Path, data: bytes) -> CorrectionsFile:
    hint = "import a TMX file exported by `translate batch` (edited in a CAT tool or by hand)"
    root = _xml(path, data, "tmx", hint)
    corrections, skipped = [], []
    for body in _children(root, "body"):
        for unit in _children(body, "tu"):
            variants = {_lang(v).split("-")[0]: v for v in _children(unit, "tuv")}
            segs = {lang: _children(v, "seg") for lang, v in variants.items()}
            if not segs.get("ar") or not segs.get("en"):
                raise _fail(path, f"a <tu> ({unit.get('tuid') or 'no tuid'}) lacks an ar or en <tuv><seg>", hint)
            article, _, sid = (unit.get("tuid") or "").rpartition("#")
            if not article or not sid:
                skipped.append(("", unit.get("tuid") or "", "no tuid of the form ARTICLE#SENTENCE-ID"))
                continue
            corrections.append(Correction(article, sid, _plain(segs["ar"][0]), _plain(segs["en"][0])))
    return CorrectionsFile(path, "tmx", tuple(corrections), skipped=tuple(skipped))


def _tsv(path: Path, data: bytes) -> CorrectionsFile:
    hint = "import the .tsv view of `translate batch` with only the target column edited, saved as tab-separated text"
    text = _decode(path, data)
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline=""), dialect="excel-tab"))
    except csv.Error as exc:
        raise _fail(path, f"is not tab-separated text ({exc})", hint) from exc
    missing = [c for c in ("id", "source", "target") if not rows or c not in rows[0]]
    if missing:
        raise _fail(path, f"has no {', '.join(missing)} column" if rows else "has no rows", hint)
    corrections = []
    for n, row in enumerate(rows, 2):
        if None in row or any(row[c] is None for c in ("id", "source", "target")):
            raise _fail(path, f"row {n} does not have the header's columns", hint)
        corrections.append(Correction(None, tsv_text(row["id"]), tsv_text(row["source"]), tsv_text(row["target"])))
    return CorrectionsFile(path, "tsv", tuple(corrections))

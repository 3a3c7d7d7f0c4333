"""Reference translations for ``translate eval``: Arabic sources and their English references.

Formats (chosen by extension, else by content):

* TSV (``.tsv``, ``.tab``, or any file whose first line has a tab): ``source<TAB>reference`` per
  line, UTF-8 with or without BOM, blank lines skipped, an optional header line
  (``source<TAB>reference``). A field a spreadsheet quoted (``"..."`` with doubled inner quotes)
  is unquoted.
* TMX (``.tmx``, or a file that starts with ``<``): every ``<tu>`` with an Arabic (``ar``,
  ``ar-*``, ``ara``, ``arb``) and an English (``en``, ``en-*``, ``eng``) variant, in ``xml:lang``
  or the legacy ``lang`` attribute. Inline codes (``<bpt>``, ``<ept>``, ``<ph>``, ``<it>``,
  ``<ut>``) are dropped, the text around them kept. Parsed without resolving entities, without
  the network or the DTD; a document that declares entities is refused.
* A FLORES-200-style pair: two line-aligned plain files (``arb_Arab.devtest eng_Latn.devtest``,
  ``x.ar x.en``) in either order; the one mostly in Arabic script is the source.

Several TSV/TMX files are read one after the other. Every problem raises ``ReferencesError``
naming the file, the line and what to do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import ReferencesError

log = logging.getLogger("translate")

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
ARABIC_SHARE = 0.5  # share of letters in Arabic script that makes a text the Arabic side
_SOURCE_LANGS = frozenset({"ar", "ara", "arb"})
_TARGET_LANGS = frozenset({"en", "eng"})
_HEADER_SOURCE = frozenset({"source", "src", "ar", "arabic"})
_HEADER_REFERENCE = frozenset({"reference", "ref", "target", "en", "english"})
_INLINE_CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})  # native markup, not text
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class References:
    """Aligned Arabic sources and English references; ``origin`` says where they came from."""

    sources: tuple[str, ...]
    references: tuple[str, ...]
    origin: str

    def __post_init__(self) -> None:
        if len(self.sources) != len(self.references):
            raise ValueError(f"{len(self.sources)} sources but {len(self.references)} references")

    def __len__(self) -> int:
        return len(self.sources)


def load_references(paths: Sequence[Path]) -> References:
    """Read one or more TSV/TMX files, or one FLORES-style pair of plain files."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise ReferencesError(None, None, "no reference file given",
                              "give a TSV (source<TAB>reference), a TMX, or an Arabic and an English "
                              "line-aligned file")
    for path in paths:
        if not path.is_file():
            raise ReferencesError(path, None, "no such file" if not path.exists() else "not a file",
                                  "check the path of the reference file")
    kinds = [_kind(path) for path in paths]
    plain = [p for p, k in zip(paths, kinds) if k == "plain"]
    if plain:
        if len(paths) == 2 and len(plain) == 2:
            return _read_pair(*paths)
        raise ReferencesError(plain[0], None,
                              "has no tab on its first line, so it is neither a TSV nor a TMX",
                              "give a TSV (source<TAB>reference per line), a TMX, or exactly two "
                              "line-aligned plain files (Arabic and English, e.g. arb_Arab.devtest "
                              "eng_Latn.devtest)")
    sources: list[str] = []
    references: list[str] = []
    described = []
    for path, kind in zip(paths, kinds):
        pairs = _read_tsv(path) if kind == "tsv" else _read_tmx(path)
        sources.extend(s for s, _ in pairs)
        references.extend(r for _, r in pairs)
        described.append(f"{path} ({kind.upper()}, {len(pairs)} pairs)")
    return References(tuple(sources), tuple(references), ", ".join(described))


def arabic_share(text: str) -> float:
    """Share of the letters of ``text`` that are in Arabic script (0.0 without letters)."""
    letters = sum(1 for c in text if c.isalpha())
    return len(_ARABIC.findall(text)) / letters if letters else 0.0


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".tmx":
        return "tmx"
    if suffix in (".tsv", ".tab"):
        return "tsv"
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<"):
        return "tmx"
    first = next((line for line in head.split(b"\n") if line.strip()), b"")
    return "tsv" if b"\t" in first else "plain"


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ReferencesError(path, line, f"is not UTF-8 (byte 0x{data[exc.start]:02x})",
                              "save the file as UTF-8") from None


def _lines(text: str) -> list[str]:
    """Lines as sacrebleu reads them (split at ``\\n`` only), trailing blank lines dropped."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _unquote(field: str) -> str:
    """Undo a spreadsheet's quoting (``"a ""b"" c"``), only when it is unmistakably that."""
    inner = field[1:-1]
    if len(field) >= 2 and field[0] == field[-1] == '"' and '""' in inner and '"' not in inner.replace('""', ""):
        return inner.replace('""', '"')
    return field


def _read_tsv(path: Path) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    first = True
    for number, line in enumerate(_lines(_read_text(path)), 1):
        if not line.strip():
            continue
        fields = [_unquote(field.strip()) for field in line.split("\t")]
        if first and len(fields) == 2 and fields[0].lower() in _HEADER_SOURCE \
                and fields[1].lower() in _HEADER_REFERENCE:
            first = False
            continue
        first = False
        if len(fields) != 2:
            raise ReferencesError(path, number, f"{len(fields)} columns, expected 2 (source<TAB>reference)",
                                  "put exactly one tab on each line, between the Arabic source and the "
                                  "English reference (remove extra tabs, e.g. at the end of the line)")
        source, reference = fields
        if not source or not reference:
            side = "Arabic source" if not source else "English reference"
            raise ReferencesError(path, number, f"the {side} is empty",
                                  "fill it in or delete the line")
        pairs.append((source, reference))
    if not pairs:
        raise ReferencesError(path, None, "has no source<TAB>reference line",
                              "write one Arabic sentence, a tab and its English reference per line")
    _check_sides(path, [s for s, _ in pairs], [r for _, r in pairs], "the first column", "the second column")
    return pairs


def _check_sides(path: object, sources: list[str], references: list[str], source_name: str,
                 reference_name: str) -> None:
    source_share = arabic_share(" ".join(sources))
    reference_share = arabic_share(" ".join(references))
    if source_share >= ARABIC_SHARE and reference_share < ARABIC_SHARE:
        return
    if reference_share >= ARABIC_SHARE and source_share < ARABIC_SHARE:
        raise ReferencesError(path, None, f"{reference_name} is Arabic and {source_name} is not: the "
                              "sides are swapped", "put the Arabic source first and the English reference second")
    raise ReferencesError(path, None, f"{source_name} is {source_share:.0%} Arabic script and "
                          f"{reference_name} {reference_share:.0%}: expected Arabic sources and English references",
                          "give Arabic sources and their English reference translations")


def _read_pair(first: Path, second: Path) -> References:
    texts = {path: _lines(_read_text(path)) for path in (first, second)}
    shares = {path: arabic_share(" ".join(lines)) for path, lines in texts.items()}
    arabic = [path for path in (first, second) if shares[path] >= ARABIC_SHARE]
    if len(arabic) != 1:
        found = ", ".join(f"{path} {shares[path]:.0%}" for path in (first, second))
        raise ReferencesError(None, None, f"a line-aligned pair needs one Arabic and one English file; "
                              f"Arabic script share: {found}",
                              "give the Arabic source file and its English reference file")
    source_path = arabic[0]
    reference_path = second if source_path == first else first
    sources, references = texts[source_path], texts[reference_path]
    if len(sources) != len(references):
        shorter, longer = sorted((source_path, reference_path), key=lambda p: len(texts[p]))
        raise ReferencesError(longer, len(texts[shorter]) + 1,
                              f"{shorter} ends after line {len(texts[shorter])} but this file goes on "
                              f"({len(texts[longer])} lines): the files are not line-aligned",
                              "give the two files of the same test set (one sentence per line in both)")
    kept_sources: list[str] = []
    kept_references: list[str] = []
    for number, (source, reference) in enumerate(zip(sources, references), 1):
        source, reference = source.strip(), reference.strip()
        if not source and not reference:
            continue
        if not source or not reference:
            empty, other = (source_path, reference_path) if not source else (reference_path, source_path)
            raise ReferencesError(empty, number, f"is empty but line {number} of {other} is not",
                                  "the files must be line-aligned: fill in the line or delete it in both")
        kept_sources.append(source)
        kept_references.append(reference)
    if not kept_sources:
        raise ReferencesError(source_path, None, "has no text", "give a file with one sentence per line")
    origin = (f"{source_path} + {reference_path} (line-aligned pair, source {source_path}, "
              f"{len(kept_sources)} pairs)")
    return References(tuple(kept_sources), tuple(kept_references), origin)


def _parse_xml(path: Path):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(path.read_bytes(), parser)
    except etree.XMLSyntaxError as exc:
        raise ReferencesError(path, exc.lineno, f"not well-formed XML: {exc.msg}",
                              "export the TMX again from the CAT tool, or fix the XML at that line") from None
    dtd = root.getroottree().docinfo.internalDTD
    entities = [entity.name for entity in dtd.iterentities()] if dtd is not None else []
    if entities:
        raise ReferencesError(path, None, f"declares XML entities ({', '.join(entities)}), which are not "
                              "read (they can pull in other files)",
                              "remove the <!ENTITY ...> declarations and write the text itself")
    reference = next(root.iter(etree.Entity), None)  # undeclared: kept as a node, never resolved
    if reference is not None:
        raise ReferencesError(path, reference.sourceline, f"uses the undefined entity {reference.text}",
                              "write the character itself, or a numeric reference such as &#160;")
    if etree.QName(root).localname != "tmx":
        raise ReferencesError(path, root.sourceline, f"the root element is <{etree.QName(root).localname}>, "
                              "not <tmx>", "give a TMX file (or a .tsv of source<TAB>reference lines)")
    return root


def _language(variant) -> str:
    code = variant.get(_XML_LANG) or variant.get("lang") or ""
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]


def _seg_text(element) -> str:
    from lxml import etree

    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname not in _INLINE_CODES:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _read_tmx(path: Path) -> list[tuple[str, str]]:
    root = _parse_xml(path)
    pairs: list[tuple[str, str]] = []
    languages: set[str] = set()
    incomplete = 0
    for unit in root.iter("{*}tu"):
        sides: dict[str, object] = {}
        for variant in unit.iterchildren("{*}tuv"):
            language = _language(variant)
            languages.add(language or "(none)")
            side = "source" if language in _SOURCE_LANGS else "reference" if language in _TARGET_LANGS else None
            if side and side not in sides:
                sides[side] = variant
        if len(sides) < 2:
            incomplete += 1
            continue
        texts = []
        for side in ("source", "reference"):
            variant = sides[side]
            seg = next(variant.iterchildren("{*}seg"), None)
            text = " ".join(_seg_text(seg).split()) if seg is not None else ""
            if not text:
                name = "Arabic" if side == "source" else "English"
                raise ReferencesError(path, variant.sourceline, f"the {name} segment of this <tu> is empty",
                                      "fill it in or delete the translation unit")
            texts.append(text)
        pairs.append((texts[0], texts[1]))
    if not pairs:
        found = ", ".join(sorted(languages)) or "no <tu> with <tuv>"
        raise ReferencesError(path, None, f"no translation unit has both an Arabic (ar, ar-*, ara) and an "
                              f"English (en, en-*, eng) variant; languages found: {found}",
                              "give a TMX with Arabic and English variants (xml:lang=\"ar\" and \"en\")")
    if incomplete:
        log.warning("%s: %d translation unit(s) without both an Arabic and an English variant skipped",
                     path, incomplete)
    return pairs

"""``<name>.tsv`` (one row per sentence, for spreadsheets) and ``<name>.tmx`` (TMX 1.4b, one
translation unit per sentence pair, for CAT tools such as OmegaT, memoQ, Trados).

A TSV cell that a spreadsheet would take for a formula (it begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return: ``=HYPERLINK(...)`` in an article or a correction) is written with a
leading apostrophe, which spreadsheets show as text (a cell that begins with an apostrophe gets one
more); ``review import`` removes it again.

Human translations (imported review corrections) are marked: the TSV's ``origin`` column says
``human`` (else ``machine``, or ``copied`` for text with no Arabic) with the reviewer beside it; in
the TMX the unit has the property ``x-origin`` = ``human`` and the English variant the reviewer as
``changeid`` and the import time as ``changedate``."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

from ..record import confidence, flags, is_human, label, origin, sentences, translated_pairs

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TSV_COLUMNS = ("id", "kind", "source", "target", "flags", "origin", "reviewer", "confidence")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def tsv_cell(text: str) -> str:
    """``text`` as a cell no spreadsheet evaluates (see the module docstring)."""
    return "'" + text if text.startswith((*FORMULA_STARTS, "'")) else text


def tsv_text(cell: str) -> str:
    """The text of a cell written by ``tsv_cell``."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith((*FORMULA_STARTS, "'")) else cell


def render_tsv(record: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel-tab", lineterminator="\n")
    writer.writerow(TSV_COLUMNS)
    for paragraph, s in sentences(record):
        score = confidence(s)
        writer.writerow([tsv_cell(str(cell)) for cell in (s["id"], label(paragraph), s["source"], s["target"],
                                                          ",".join(flags(s)), origin(s), s.get("reviewer") or "",
                                                          "" if score is None else f"{score:.3f}")])
    return out.getvalue()


def xml_text(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)  # characters XML 1.0 cannot carry


def tmx_date(iso: str) -> str:
    """``2025-02-03T04:05:06+00:00`` (UTC) -> ``20250203T040506Z``, the TMX date format."""
    return iso.replace("-", "").replace(":", "")[:15] + "Z"


def render_tmx(record: dict) -> str:
    """TMX 1.4b: one unit per translated sentence (``record.translated_pairs``); the creation date
    is the record's. Every unit says where its English comes from (``x-origin``: ``machine`` or
    ``human``, ``record.origin``) and carries its quality flags (``x-flags``), so a CAT tool can keep
    flagged machine output apart from reviewed translations."""
    article = record["source"]["path"]
    tmx = ET.Element("tmx", version="1.4")
    ET.SubElement(tmx, "header", {
        "creationtool": "translate", "creationtoolversion": record["provenance"]["tool"]["version"],
        "segtype": "sentence", "o-tmf": "translate-json", "adminlang": "en", "srclang": "ar",
        "datatype": "plaintext", "creationdate": tmx_date(record["provenance"]["created"])})
    body = ET.SubElement(tmx, "body")
    paragraphs = {s["id"]: p for p, s in sentences(record)}
    by_id = {s["id"]: s for _, s in sentences(record)}
    for sid, source, target in translated_pairs(record):
        sentence = by_id[sid]
        human = is_human(sentence)
        unit = ET.SubElement(body, "tu", tuid=f"{article}#{sid}")
        for name, value in (("x-article", article), ("x-paragraph", paragraphs[sid]["id"]),
                            ("x-kind", paragraphs[sid]["kind"]), ("x-flags", ",".join(flags(sentence))),
                            ("x-origin", origin(sentence))):
            if value:
                ET.SubElement(unit, "prop", type=name).text = xml_text(value)
        for lang, text in (("ar", source), ("en", target)):
            attrs = {"{http://www.w3.org/XML/1998/namespace}lang": lang}
            if human and lang == "en":
                attrs.update({"changedate": tmx_date(sentence["reviewed"])} if sentence.get("reviewed") else {})
                attrs.update({"changeid": xml_text(sentence["reviewer"])} if sentence.get("reviewer") else {})
            variant = ET.SubElement(unit, "tuv", attrs)
            ET.SubElement(variant, "seg").text = xml_text(text)
    ET.indent(tmx)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
            + ET.tostring(tmx, encoding="unicode") + "\n")

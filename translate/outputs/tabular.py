"""``<name>.tsv`` (one row per sentence, for spreadsheets) and ``<name>.tmx`` (TMX 1.4b, one
translation unit per sentence pair, for CAT tools such as OmegaT, memoQ, Trados)."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_tsv(record: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel-tab", lineterminator="\n")
    writer.writerow(["id", "kind", "source", "target", "flags"])
    for paragraph in record["paragraphs"]:
        kind = paragraph["kind"] + (f"/{paragraph['role']}" if paragraph.get("role") else "")
        for s in paragraph["sentences"]:
            writer.writerow([s["id"], kind, s["source"], s["target"], ",".join(s.get("flags", []))])
    return out.getvalue()


def tmx_pairs(record: dict) -> list[tuple[str, str, str]]:
    """(sentence id, Arabic, English) for every translated sentence: what the TMX holds."""
    return [(s["id"], s["source"], s["target"]) for p in record["paragraphs"] for s in p["sentences"]
            if not s.get("copied") and s["target"]]


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)  # characters XML 1.0 cannot carry


def render_tmx(record: dict, *, created: str) -> str:
    """TMX 1.4b. ``created``: the creation date, ``YYYYMMDDThhmmssZ``."""
    article = record["source"]["path"]
    tmx = ET.Element("tmx", version="1.4")
    ET.SubElement(tmx, "header", {
        "creationtool": "translate", "creationtoolversion": record["provenance"]["tool"]["version"],
        "segtype": "sentence", "o-tmf": "translate-json", "adminlang": "en", "srclang": "ar",
        "datatype": "plaintext", "creationdate": created})
    body = ET.SubElement(tmx, "body")
    kinds = {s["id"]: p for p in record["paragraphs"] for s in p["sentences"]}
    flags = {s["id"]: s.get("flags", []) for p in record["paragraphs"] for s in p["sentences"]}
    for sid, source, target in tmx_pairs(record):
        unit = ET.SubElement(body, "tu", tuid=f"{article}#{sid}")
        for name, value in (("x-article", article), ("x-paragraph", kinds[sid]["id"]),
                            ("x-kind", kinds[sid]["kind"]), ("x-flags", ",".join(flags[sid]))):
            if value:
                ET.SubElement(unit, "prop", type=name).text = _xml_text(value)
        for lang, text in (("ar", source), ("en", target)):
            variant = ET.SubElement(unit, "tuv", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
            ET.SubElement(variant, "seg").text = _xml_text(text)
    ET.indent(tmx)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
            + ET.tostring(tmx, encoding="unicode") + "\n")

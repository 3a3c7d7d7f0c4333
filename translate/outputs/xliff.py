"""``<name>.xlf``: XLIFF 1.2, the exchange format CAT tools (OmegaT, memoQ, Trados, Phrase,
Weblate) open for a document under review; ``translate review import`` reads it back.

* one ``<file>`` per article: ``original`` = the article's path, ``source-language`` ar,
  ``target-language`` en, ``datatype`` plaintext, the tool and the run's signature in the header;
* one ``<group>`` per paragraph: ``id`` = the paragraph id (``p3``), ``restype`` = ``x-`` + its kind
  (``x-title``, ``x-heading``, ``x-date``, ``x-body``, ``x-meta``, ``x-chrome``), ``resname`` = the
  metadata role (``source``, ``photo``...) when there is one;
* one ``<trans-unit>`` per sentence, ``id`` = the sentence id of the JSON record (``p3.s1``):
  - machine translations: ``state="translated"``, or ``needs-review-translation`` when flagged,
    with ``state-qualifier="leveraged-mt"``;
  - human translations (imported corrections): ``state="final"``, ``approved="yes"``;
  - sentences with no Arabic (carried over as they are): ``translate="no"``, ``state="final"``,
    ``approved="yes"``;
  - where it comes from as a location ``<context-group purpose="location">`` whose ``sourcefile``
    is ``ARTICLE#SENTENCE-ID`` (translate-toolkit's ``xliff2po`` makes it the PO reference
    ``#: article.txt#p3.s1``, and ``po2xliff`` brings it back, so ``review import`` places units of a
    PO round trip, or the PO file itself, by it);
  - each quality flag, who reviewed a human translation, and a machine translation's confidence
    (``confidence 0.734 (…)``: the model's geometric-mean token probability) as a
    ``<note from="developer">``: the tool's comments, which CAT tools keep and ``xliff2po`` turns
    into PO extracted comments (``#.``);
  - reviewed translations of similar sentences as ``<alt-trans match-quality="93">`` (source and
    target), as CAT tools exchange fuzzy matches.

Element and attribute names follow the OASIS XLIFF 1.2 schema (validated against
``xliff-core-1.2-strict.xsd`` in the tests).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..record import CONFIDENCE_MEASURE, confidence, flag_reason, flags, is_copied, is_final, is_flagged, is_human
from .tabular import xml_text

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TOOL_ID = "translate"
NOTE_FROM = "developer"  # the tool's notes: what translate-toolkit (xliff2po: "#." comments) and CAT tools keep
LOCATION = "x-translate-sentence"  # the context group naming a unit's article and sentence


def _q(tag: str) -> str:
    return tag  # the tree is built unqualified; the root declares XLIFF_NS as the default namespace


def unit_state(sentence: dict) -> str:
    """The XLIFF ``state`` of a sentence's target."""
    if is_final(sentence):
        return "final"
    return "needs-review-translation" if is_flagged(sentence) else "translated"


def _notes(sentence: dict) -> list[tuple[dict, str]]:
    notes = [({"from": NOTE_FROM, "annotates": "target", "priority": "2"}, f"{flag}: {flag_reason(flag)}")
             for flag in flags(sentence)]
    if is_human(sentence):
        who = sentence.get("reviewer") or "a reviewer"
        notes.append(({"from": NOTE_FROM, "annotates": "target"},
                      f"human translation by {who} ({sentence.get('reviewed')})"))
    elif (score := confidence(sentence)) is not None:
        notes.append(({"from": NOTE_FROM, "annotates": "target"}, f"confidence {score:.3f} ({CONFIDENCE_MEASURE})"))
    elif is_copied(sentence):
        notes.append(({"from": NOTE_FROM, "annotates": "general"}, "no Arabic text: carried over untranslated"))
    return notes


def _unit(group: ET.Element, sentence: dict, *, article: str, source_lang: str, target_lang: str) -> None:
    attrs = {"id": sentence["id"]}
    if is_copied(sentence):
        attrs["translate"] = "no"
    if is_final(sentence):
        attrs["approved"] = "yes"
    unit = ET.SubElement(group, _q("trans-unit"), attrs)
    ET.SubElement(unit, _q("source"), {XML_LANG: source_lang}).text = xml_text(sentence["source"])
    target_attrs = {XML_LANG: target_lang, "state": unit_state(sentence)}
    if not is_final(sentence):
        target_attrs["state-qualifier"] = "leveraged-mt"
    ET.SubElement(unit, _q("target"), target_attrs).text = xml_text(sentence.get("target") or "")
    where = ET.SubElement(unit, _q("context-group"), {"name": f"{LOCATION}-{sentence['id']}", "purpose": "location"})
    ET.SubElement(where, _q("context"), {"context-type": "sourcefile"}).text = xml_text(f"{article}#{sentence['id']}")
    for note_attrs, text in _notes(sentence):
        ET.SubElement(unit, _q("note"), note_attrs).text = xml_text(text)
    for suggestion in sentence.get("suggestions", []):
        alt = ET.SubElement(unit, _q("alt-trans"), {"match-quality": str(round(100 * suggestion["similarity"])),
                                                    "origin": "translate-memory"})
        ET.SubElement(alt, _q("source"), {XML_LANG: source_lang}).text = xml_text(suggestion["source"])
        ET.SubElement(alt, _q("target"), {XML_LANG: target_lang}).text = xml_text(suggestion["target"])


def render_xliff(record: dict) -> str:
    """The article as an XLIFF 1.2 document (one ``<file>``)."""
    source_lang, target_lang = record.get("source_lang", "ar"), record.get("target_lang", "en")
    provenance = record["provenance"]
    root = ET.Element(_q("xliff"), {"version": "1.2", "xmlns": XLIFF_NS})
    file_attrs = {"original": record["source"]["path"], "source-language": source_lang,
                  "target-language": target_lang, "datatype": "plaintext", "tool-id": TOOL_ID}
    if provenance.get("created"):
        file_attrs["date"] = provenance["created"]
    file = ET.SubElement(root, _q("file"), file_attrs)
    header = ET.SubElement(file, _q("header"))
    ET.SubElement(header, _q("tool"), {"tool-id": TOOL_ID, "tool-name": "translate",
                                       "tool-version": provenance["tool"]["version"]})
    ET.SubElement(header, _q("note"), {"from": TOOL_ID}).text = xml_text(provenance["signature"])
    body = ET.SubElement(file, _q("body"))
    for paragraph in record["paragraphs"]:
        attrs = {"id": paragraph["id"], "restype": f"x-{paragraph['kind']}"}
        if paragraph.get("role"):
            attrs["resname"] = paragraph["role"]
        group = ET.SubElement(body, _q("group"), attrs)
        for sentence in paragraph["sentences"]:
            _unit(group, sentence, article=record["source"]["path"], source_lang=source_lang, target_lang=target_lang)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""Saved web pages: the article itself, without navigation, "most read" boxes, footers or scripts.

Main-content extraction is trafilatura's (a maintained extractor with published benchmarks), not
home-made tag stripping. Its structured output becomes plain text, one block per line with blank
lines between blocks (list items: ``- `` and one per line), and the structure travels beside the
text as hints (which lines are the title, headings, list items): no ``#`` markup is added, so what
reviewers see and what the model gets is the page's own text. The page title from the metadata
becomes the title line when the extracted body does not start with it.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..errors import EmptyFileError

log = logging.getLogger("translate")


@dataclass(frozen=True)
class Article:
    text: str
    date: str | None  # ISO, from the page metadata
    hints: tuple[tuple[int, str], ...]  # (offset of a line in text, "title" | "heading" | "list")


def _flat(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _blocks(doc: ET.Element) -> list[list[tuple[str, str | None]]]:
    """The article's blocks in order, each a list of (line, hint): one line, or one per list item."""
    blocks: list[list[tuple[str, str | None]]] = []
    main = doc.find("main")
    for element in (main if main is not None else doc):
        if element.tag == "head":
            blocks.append([(_flat(element), "title" if not blocks else "heading")])
        elif element.tag == "list":
            blocks.append([(f"- {_flat(item)}", "list") for item in element.iter("item") if _flat(item)])
        elif element.tag == "table":
            blocks.extend([(_flat(row), None)] for row in element.iter("row") if _flat(row))
        else:
            blocks.append([(_flat(element), None)])
    return [block for block in blocks if block and any(line.strip("- ") for line, _ in block)]


def extract_article(html: str) -> Article:
    """The article of a saved web page as plain text with structure hints, and its date."""
    import trafilatura

    xml = trafilatura.extract(html, output_format="xml", include_comments=False, include_tables=True,
                              include_formatting=False, with_metadata=True, favor_precision=True)
    if not xml:
        raise EmptyFileError("is a web page with no article text that could be extracted",
                             "save the article page itself (not a list or index page), "
                             "or copy its text into a .txt file")
    doc = ET.fromstring(xml)
    blocks = _blocks(doc)
    title = (doc.get("title") or "").strip()
    if title and not (blocks and title in blocks[0][0][0]):
        blocks.insert(0, [(title, "title")])
    parts: list[str] = []
    hints: list[tuple[int, str]] = []
    offset = 0
    for block in blocks:
        for line, hint in block:
            if hint:
                hints.append((offset, hint))
            parts.append(line + "\n")
            offset += len(line) + 1
        parts.append("\n")
        offset += 1
    text = "".join(parts)[:-1]
    date = doc.get("date") or None
    log.debug("extracted %d blocks from a web page (title %r, date %r)", len(blocks), title, date)
    return Article(text=text, date=date, hints=tuple(hints))

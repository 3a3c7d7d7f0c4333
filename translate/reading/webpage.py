"""Saved web pages: the article itself, without navigation, "most read" boxes, footers or scripts.

Main-content extraction is trafilatura's (a maintained extractor with published benchmarks), not
home-made tag stripping. Its structured output is rewritten as light markdown (``#`` headings,
``-`` list items, blank lines between blocks) that segmentation reads like a ``.md`` file; the page
title from the metadata becomes the ``#`` title when the extracted body does not start with it.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

from ..errors import EmptyFileError

log = logging.getLogger("translate")


def _flat(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def extract_article(html: str) -> tuple[str, str | None]:
    """(article text as light markdown, ISO date from the page metadata or None)."""
    import trafilatura

    xml = trafilatura.extract(html, output_format="xml", include_comments=False, include_tables=True,
                              include_formatting=False, with_metadata=True, favor_precision=True)
    if not xml:
        raise EmptyFileError("is a web page with no article text that could be extracted",
                             "save the article page itself (not a list or index page), or copy its text into a .txt file")
    doc = ET.fromstring(xml)
    lines: list[str] = []
    main = doc.find("main")
    for element in (main if main is not None else doc):
        if element.tag == "head":
            lines.append(f"{'#' * (2 if lines else 1)} {_flat(element)}")
        elif element.tag == "list":
            lines.append("\n".join(f"- {_flat(item)}" for item in element.iter("item") if _flat(item)))
        elif element.tag == "table":
            lines.extend(_flat(row) for row in element.iter("row") if _flat(row))
        else:
            lines.append(_flat(element))
    lines = [line for line in lines if line.strip("#- ")]
    title = (doc.get("title") or "").strip()
    if title and not (lines and title in lines[0]):
        lines.insert(0, f"# {title}")
    date = doc.get("date") or None
    log.debug("extracted %d blocks from a web page (title %r, date %r)", len(lines), title, date)
    return "\n\n".join(lines) + "\n", date

"""Output writers: each turns the canonical article record (``translate.record``) into one file
format. ``WRITERS`` is the one list of formats (``models.yaml`` ``output.formats`` and ``--formats``
are checked against it): a new view is a module with a ``render(record) -> str`` and one line here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterator

from .html import render_article_html, render_index_html
from .index import render_index
from .markdown import render_markdown
from .tabular import render_tmx, render_tsv
from .xliff import render_xliff


def render_json(record: dict) -> str:
    """The record itself (always written, first: the other views and ``translate review`` read it)."""
    return json.dumps(record, ensure_ascii=False, indent=1) + "\n"


@dataclass(frozen=True)
class Writer:
    """One per-article view: ``<name>.<extension>`` made by ``render(record)`` (text, written as
    UTF-8, or bytes for a binary format)."""

    name: str  # as written in output.formats / --formats
    extension: str
    render: Callable[[dict], str | bytes]
    description: str


RECORD = Writer("json", "json", render_json, "the canonical record: every segment, translation, flag and provenance")
WRITERS = {writer.name: writer for writer in (
    Writer("md", "md", render_markdown, "review file: title, summary, each paragraph's Arabic and English"),
    Writer("html", "html", render_article_html, "side-by-side review page, editable, exports corrections"),
    Writer("tmx", "tmx", render_tmx, "TMX 1.4b translation memory, one unit per sentence"),
    Writer("tsv", "tsv", render_tsv, "one row per sentence, for spreadsheets"),
    Writer("xliff", "xliff", render_xliff, "XLIFF 1.2 for CAT tools, read back by `translate review import`"),
)}
FORMATS = tuple(WRITERS)


def render_views(record: dict, formats: tuple[str, ...]) -> Iterator[tuple[str, str | bytes]]:
    """(extension, text) of every file of one article: the JSON record first, then ``formats``."""
    for writer in (RECORD, *(WRITERS[name] for name in formats)):
        yield writer.extension, writer.render(record)


__all__ = ["FORMATS", "RECORD", "WRITERS", "Writer", "render_index", "render_index_html", "render_json",
           "render_views"]

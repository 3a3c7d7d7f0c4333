"""Small helpers shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from translate.cli import app
from translate.text.normalize import shown


def run_cli(*args: str):
    """Run the real CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def assert_partition(record: dict, text: str) -> None:
    """Spans partition the text and each paragraph; every source is its span as shown (whitespace
    collapsed; Markdown markers of titles, headings and date lines removed)."""
    markdown = record.get("source", {}).get("format") == "md"
    position = 0
    for paragraph in record["paragraphs"]:
        start, end = paragraph["span"]
        assert start == position, paragraph["id"]
        markers = markdown and paragraph["kind"] != "body"
        assert shown(text[start:end], markdown=markers) == paragraph["source"]
        inner = start
        for sentence in paragraph["sentences"]:
            a, b = sentence["span"]
            assert a == inner, sentence["id"]
            assert shown(text[a:b], markdown=markers) == sentence["source"]
            inner = b
        assert inner == end
        position = end
    assert position == len(text)

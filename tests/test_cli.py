"""The CLI surface: segment output, version, import cost, interrupted runs."""

from __future__ import annotations

import dataclasses

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import load, run_cli
from translate import load_config
from translate.backends import load_backend
from translate.backends.wrappers import Wrapper
from translate.runners import run_batch
from translate.runners.plan import RunOptions

FIXTURES = Path(__file__).parent / "fixtures"


def test_segment_json_prints_structure_per_file():
    result = run_cli("segment", FIXTURES / "article_full.txt", FIXTURES / "article.md", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["title"] for d in data] == ["وزير الخارجية يبحث التعاون الاقتصادي في القاهرة", "قمة الطاقة في الرياض"]
    first = data[0]
    assert first["date"] == "2024-06-10" and first["source"]["encoding"] == "utf-8"
    assert [p["kind"] for p in first["paragraphs"]].count("body") == 5
    assert first["paragraphs"][-1]["role"] == "source"
    assert all("target" not in p for p in first["paragraphs"])


def test_segment_text_view_marks_kinds_and_reports_bad_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run_cli("segment", FIXTURES / "article_full.txt", empty)
    assert result.exit_code == 1
    assert "[p2 title]" in result.stdout and "[p13 meta/source]" in result.stdout and "(dateline)" in result.stdout
    assert "empty.txt: is empty" in result.stderr


def test_importing_and_segmenting_loads_no_model_library():
    code = ("import sys; from translate.cli import app; from typer.testing import CliRunner; "
            f"r = CliRunner().invoke(app, ['segment', {str(FIXTURES / 'article.md')!r}]); "
            "assert r.exit_code == 0, r.output; "
            "heavy = [m for m in ('torch', 'transformers', 'trafilatura') if m in sys.modules]; "
            "assert not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_version():
    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("translate ")


class Interrupting(Wrapper):
    """The real translation model, but the run is stopped (as by Ctrl-C) at its second call."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.calls_left = 1

    def translate(self, batch, **kwargs):
        self.calls_left -= 1
        if self.calls_left < 0:
            raise KeyboardInterrupt
        return self.inner.translate(batch, **kwargs)


def interrupting_loader(options, *, role):
    backend = load_backend(options, role=role)
    return Interrupting(backend) if role == "translation" else backend


def test_an_interrupted_run_resumes_where_it_stopped(articles, tmp_path, tiny_models):
    profile = load_config(tiny_models).profile("tiny-extractive")
    out = tmp_path / "out"
    run = RunOptions(input=articles, out=out, window_segments=1)  # each article is its own window
    with pytest.raises(KeyboardInterrupt):
        run_batch(profile=profile, run=dataclasses.replace(run, memory_path=out / "tm.sqlite"),
                  loader=interrupting_loader)
    files = load(out / "manifest.json")["files"]
    assert [k for k, v in files.items() if v["status"] == "done"] == ["article.md"]
    assert not list(out.glob(".*.tmp"))
    report = run_batch(profile=profile, run=run)
    assert report.skipped == ["article.md"] and sorted(report.done) == ["article_full.txt", "article_notitle.txt"]

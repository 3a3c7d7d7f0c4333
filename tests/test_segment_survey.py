"""Whole invented articles in the shapes sources deliver them (tests/fixtures/structure/), the
profile's ``input:`` patterns (checked at load), and ``translate segment FOLDER --summary``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.helpers import run_cli
from translate.config import load_config
from translate.errors import ConfigError
from translate.reading.files import read_document
from translate.text.segment import segment
from translate.text.survey import render_survey, survey

STRUCTURE = Path(__file__).parent / "fixtures" / "structure"


def structure_of(name: str, patterns=None):
    doc = segment(read_document(STRUCTURE / name), patterns=patterns)
    assert "".join(doc.text[b.span[0]:b.span[1]] for b in doc.blocks) == doc.text
    return doc


def test_an_agency_item():
    doc = structure_of("wire_agency.txt")
    assert [(b.kind, b.role) for b in doc.blocks] == [
        ("date", None), ("body", None), ("body", None), ("meta", "agency"), ("meta", "agency")]
    assert (doc.title, doc.date, doc.time, doc.date_hijri) == (None, "2015-08-10", None, "25 شوال 1436 هـ")
    assert len(doc.blocks[1].sentences) == 2  # the glued end is split


def test_a_channel_page():
    doc = structure_of("channel.txt")
    assert [(b.kind, b.role) for b in doc.blocks] == [
        ("chrome", None), ("title", None), ("date", None), ("meta", "byline"), ("body", None), ("body", None),
        ("chrome", "related"), ("chrome", "related"), ("chrome", "related"), ("body", None),
        ("chrome", "share"), ("chrome", "share"), ("chrome", "separator"), ("meta", "copyright")]
    assert (doc.title, doc.date, doc.time) == ("وزير الطاقة يفتتح محطة رياح جديدة في الشمال..", "2018-08-09",
                                               "19:06:41+00:00")
    assert [len(b.sentences) for b in doc.blocks if b.kind == "body"] == [2, 2, 1]


def test_a_maghreb_paper():
    doc = structure_of("maghreb_paper.txt")
    assert [(b.kind, b.role) for b in doc.blocks] == [
        ("title", None), ("meta", "byline"), ("date", None), ("body", None), ("body", None),
        ("chrome", "related"), ("chrome", "related"), ("chrome", "related"), ("meta", "copyright")]
    assert (doc.title, doc.date, doc.time) == ("مشاركة تونسية في المعرض العالمي للطبخ", "2020-01-09", "10:15")


def test_a_reuters_item():
    doc = structure_of("wire_reuters.txt")
    assert [(b.kind, b.role) for b in doc.blocks] == [("title", None), ("body", None), ("body", None),
                                                       ("meta", "byline")]
    first = doc.blocks[1].sentences[0]
    assert first.dateline and first.text == "بيروت (رويترز) -"


# ---------------------------------------------------------------- the profile's input patterns

CONFIG = """default_profile: site
profiles:
  site:
    input:
      chrome_patterns: ['^شارك في أعمال المعرض']
      meta_patterns:
        column: ['^مقالات أخرى']
      date_patterns: ['^العدد \\d+$']
  broken:
    extends: site
    input:
      meta_patterns: {byline: ['^بقلم', '(مراسلنا']}
"""


def write_config(tmp_path: Path, text: str = CONFIG) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_patterns_in_the_profile_are_loaded_and_applied(tmp_path):
    with pytest.raises(ConfigError):  # the whole file is checked, the broken profile too
        load_config(write_config(tmp_path))
    config = load_config(write_config(tmp_path, CONFIG.split("  broken:")[0]))
    options = config.profile("site").input
    assert options.chrome_patterns == ("^شارك في أعمال المعرض",)
    assert options.meta_patterns == (("column", "^مقالات أخرى"),)
    doc = structure_of("maghreb_paper.txt", patterns=options.patterns())
    assert [(b.kind, b.role) for b in doc.blocks][3] == ("chrome", None)
    assert [(b.kind, b.role) for b in doc.blocks][5] == ("meta", "column")
    assert load_config(write_config(tmp_path, "profiles:\n  a: {}\n")).profile("a").input.patterns() is None


@pytest.mark.parametrize("section, key, shown", [
    ("meta_patterns: {byline: ['^بقلم', '(مراسلنا']}", "profiles.p.input.meta_patterns.byline[1]", "(مراسلنا"),
    ("chrome_patterns: ['[a', '^x']", "profiles.p.input.chrome_patterns[0]", "[a"),
    ("date_patterns: ['x*']", "profiles.p.input.date_patterns[0]", "x*"),
    ("chrome_patterns: {a: b}", "profiles.p.input.chrome_patterns", "a list"),
    ("meta_patterns: ['^x']", "profiles.p.input.meta_patterns", "mapping"),
    ("meta_patterns: {Byline: ['^x']}", "profiles.p.input.meta_patterns.Byline", "role"),
])
def test_a_broken_pattern_is_refused_at_load_naming_the_key_and_the_pattern(tmp_path, section, key, shown):
    path = write_config(tmp_path, f"profiles:\n  p:\n    input:\n      {section}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == key and shown in str(caught.value)


def test_the_segment_command_refuses_a_broken_pattern_with_exit_2(tmp_path):
    result = run_cli("segment", STRUCTURE / "channel.txt", "--config", write_config(tmp_path), "-p", "broken")
    assert result.exit_code == 2
    assert "meta_patterns.byline[1]" in result.stderr and "(مراسلنا" in result.stderr


# ---------------------------------------------------------------- translate segment FOLDER --summary

def test_survey_counts_kinds_titles_dates_and_frequent_lines(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("channel.txt", "maghreb_paper.txt", "wire_agency.txt"):
        (folder / name).write_text((STRUCTURE / name).read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "copy.txt").write_text((STRUCTURE / "channel.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    data = survey([folder], top=2)
    assert data["articles"] == 4 and [Path(f["path"]).name for f in data["failed"]] == ["empty.txt"]
    assert [Path(p).name for p in data["skipped"]] == ["notes.pdf"]
    assert (data["with_title"], data["with_date"]) == (3, 4)
    assert data["blocks"]["meta/agency"] == {"blocks": 2, "articles": 1}
    assert data["blocks"]["chrome/related"] == {"blocks": 9, "articles": 3}
    assert data["frequent"]["meta/byline"][0] == ["دبي - سكاي نيوز عربية", 2]
    assert data["frequent"]["title"] == [["وزير الطاقة يفتتح محطة رياح جديدة في الشمال..", 2]]
    assert len(data["frequent"]["chrome/related"]) == 2
    text = render_survey(data)
    assert "with a title: 3 (75%)" in text and "with a date: 4 (100%)" in text and "failed: " in text


def test_the_segment_command_summarizes_a_folder(tmp_path):
    config = write_config(tmp_path, CONFIG.split("  broken:")[0])
    result = run_cli("segment", STRUCTURE, "--summary", "--config", config)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("== 4 articles")
    assert "meta/column" in result.stdout  # the profile's patterns apply
    as_json = json.loads(run_cli("segment", STRUCTURE, "--summary", "--json", "--config", config).stdout)
    assert as_json["articles"] == 4 and as_json["with_date"] == 3  # the Reuters item has none


def test_the_segment_command_takes_a_folder(tmp_path):
    result = run_cli("segment", STRUCTURE, "--json", "--config", write_config(tmp_path, CONFIG.split("  broken:")[0]))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert sorted(Path(d["source"]["path"]).name for d in data) == sorted(p.name for p in STRUCTURE.glob("*.txt"))
    agency = next(d for d in data if d["source"]["path"].endswith("wire_agency.txt"))
    assert (agency["date"], agency["date_hijri"]) == ("2015-08-10", "25 شوال 1436 هـ")

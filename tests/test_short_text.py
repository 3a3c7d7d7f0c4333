"""Short texts: one text given to translate (``translate text``, ``translate_text``) may be as short
as a headline, while an article of a folder batch still needs ``MIN_ARABIC_LETTERS`` Arabic letters
(fewer is a stray file of the folder). The threshold is the profile's ``input.min_arabic_letters``,
set for one text by ``runners.single.one_text_profile``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.support.helpers import load, run_cli
from translate import load_config, translate_text
from translate.errors import InputError, NotArabicError
from translate.reading.files import MIN_ARABIC_LETTERS, check_arabic, read_document
from translate.runners.plan import settings_hash
from translate.runners.single import ONE_TEXT_MIN_ARABIC_LETTERS, one_text_profile

FIXTURES = Path(__file__).parent / "fixtures"
HEADLINES = ("انفجار في مرفأ بيروت", "عاجل: زلزال في تركيا")
NOT_ARABIC_HINT = "only Arabic articles are translated; remove the file or check it is the right one"


def only_sentence(record: dict) -> dict:
    (sentence,) = [s for p in record["paragraphs"] for s in p["sentences"]]
    return sentence


def test_a_headline_translates_with_translate_text(tiny_models):
    headline = HEADLINES[0]
    result = run_cli("text", headline, "--config", tiny_models)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    as_json = run_cli("text", headline, "--config", tiny_models, "--json")
    assert as_json.exit_code == 0, as_json.output
    record = json.loads(as_json.stdout)
    assert only_sentence(record)["source"] == headline
    assert record["paragraphs"][0]["source"] == headline
    assert record["paragraphs"][0]["target"] == result.stdout.strip()


@pytest.mark.parametrize("headline", HEADLINES)
def test_a_headline_translates_with_the_python_api(tiny_models, headline):
    record = translate_text(headline, config=tiny_models)
    sentence = only_sentence(record)
    assert sentence["source"] == headline and isinstance(sentence["target"], str)
    assert record["paragraphs"][0]["source"] == headline


def test_english_text_is_still_refused(tiny_models):
    result = run_cli("text", "Explosion in Beirut port", "--config", tiny_models)
    assert result.exit_code == 1
    assert "text.txt: is not Arabic text (0 Arabic letters out of 21)" in result.stderr
    assert f"fix: {NOT_ARABIC_HINT}" in result.stderr
    assert not result.stdout.strip()
    with pytest.raises(InputError, match=r"is not Arabic text \(0 Arabic letters out of 21\)"):
        translate_text("Explosion in Beirut port", config=tiny_models)


def test_a_few_arabic_letters_in_an_english_text_are_not_enough(tiny_models):
    """The share check stays: a short text must still be mostly Arabic."""
    result = run_cli("text", "Breaking news from the port today: انفجار", "--config", tiny_models)
    assert result.exit_code == 1
    assert "is not Arabic text (6 Arabic letters out of 34)" in result.stderr


def test_a_folder_batch_still_refuses_a_file_of_ten_letters(tmp_path, tiny_models):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "article_full.txt").write_bytes((FIXTURES / "article_full.txt").read_bytes())
    (folder / "short.txt").write_text("زلزال تركيا\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("batch", folder, "--out", out, "--config", tiny_models, "--profile", "tiny-extractive")
    assert result.exit_code == 1
    assert "1 done, 0 unchanged, 1 failed" in result.output
    assert "short.txt: is not Arabic text (10 Arabic letters out of 10)" in result.output
    assert f"fix: {NOT_ARABIC_HINT}" in result.output
    error = load(out / "manifest.json")["files"]["short.txt"]["error"]
    assert error["code"] == "not-arabic" and error["hint"] == NOT_ARABIC_HINT


def test_the_threshold_is_passed_down_not_global(tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("زلزال تركيا\n", encoding="utf-8")
    with pytest.raises(NotArabicError):
        read_document(short)
    assert read_document(short, min_arabic_letters=ONE_TEXT_MIN_ARABIC_LETTERS).text == "زلزال تركيا\n"
    with pytest.raises(NotArabicError):  # the default did not move
        read_document(short)
    with pytest.raises(NotArabicError):
        check_arabic("no Arabic here", min_letters=0)


def test_one_text_profile_changes_what_is_read_not_the_settings_fingerprint():
    profile = load_config().profile()
    one = one_text_profile(profile)
    assert profile.input.min_arabic_letters == MIN_ARABIC_LETTERS
    assert one.input.min_arabic_letters == ONE_TEXT_MIN_ARABIC_LETTERS and one.output.formats == ()
    assert dataclasses.replace(one.input, min_arabic_letters=MIN_ARABIC_LETTERS) == profile.input
    # like max_characters, it decides whether an article is read, not what it becomes: no redo
    assert settings_hash(dataclasses.replace(profile, input=one.input)) == settings_hash(profile)


def test_a_profile_may_set_the_minimum_for_its_articles(tmp_path):
    config = tmp_path / "models.yaml"
    config.write_text("default_profile: headlines\nprofiles:\n  headlines:\n    description: a folder of headlines\n"
                      "    translation: {model: Helsinki-NLP/opus-mt-ar-en}\n    summary: {method: none}\n"
                      "    input: {min_arabic_letters: 5}\n", encoding="utf-8")
    assert load_config(config).profile().input.min_arabic_letters == 5


def test_segment_applies_the_profiles_minimum(tmp_path):
    """``translate segment`` (and its ``--summary`` survey) read files as the profile's batch would."""
    config = tmp_path / "models.yaml"
    config.write_text("default_profile: headlines\nprofiles:\n  headlines:\n    description: a folder of headlines\n"
                      "    translation: {model: Helsinki-NLP/opus-mt-ar-en}\n    summary: {method: none}\n"
                      "    input: {min_arabic_letters: 5}\n", encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "headline.txt").write_text(HEADLINES[0] + "\n", encoding="utf-8")
    refused = run_cli("segment", folder / "headline.txt")  # the shipped profile: 20 letters
    assert refused.exit_code == 1 and "is not Arabic text" in refused.output
    shown = run_cli("segment", folder / "headline.txt", "--config", config)
    assert shown.exit_code == 0, shown.output
    assert HEADLINES[0] in shown.stdout
    counted = run_cli("segment", folder, "--summary", "--json", "--config", config)
    assert counted.exit_code == 0, counted.output
    assert json.loads(counted.stdout)["failed"] == []


def test_text_takes_the_summary_model_as_batch_does(tiny_models, tmp_path):
    """``translate text --summary-model`` overrides the profile's summarizer, as ``batch`` does: a
    folder that holds no model is named in the error (exit 2), before anything is translated."""
    missing = tmp_path / "no-such-summarizer"
    result = run_cli("text", "قال وزير الخارجية إن المحادثات كانت مثمرة.", "--config", tiny_models,
                     "--summary", "abstractive", "--summary-model", missing)
    assert result.exit_code == 2, result.output
    assert str(missing) in result.output
    used = run_cli("text", "قال وزير الخارجية إن المحادثات كانت مثمرة.", "--config", tiny_models, "--json",
                   "--summary", "abstractive", "--summary-model", tiny_models.parent / "bart")
    assert used.exit_code == 0, used.output
    assert json.loads(used.stdout)["summary"]["method"] == "abstractive"

"""models.yaml validation: bad files are rejected before any work, naming the file, key and fix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.support.helpers import run_cli
from translate.config import load_config, with_overrides
from translate.errors import ConfigError, UsageError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_models_yaml_is_valid():
    config = load_config(ROOT / "models.yaml")
    assert config.default_profile == "default"
    default = config.profile()
    assert default.translation.model == "Helsinki-NLP/opus-mt-ar-en"
    assert default.summary.model == "sshleifer/distilbart-cnn-12-6"
    quality = config.profile("quality")
    assert quality.translation.model == "Helsinki-NLP/opus-mt-tc-big-ar-en"
    assert quality.translation.generation == default.translation.generation  # inherited by `extends`
    assert config.profile("extractive").summary.method == "extractive"


@pytest.mark.parametrize("text, key, words", [
    ("profiles:\n  a:\n    translation:\n      modle: x\n", "profiles.a.translation.modle", "unknown key"),
    ("profiles:\n  a:\n    translation:\n      generation:\n        num_beams: four\n",
     "profiles.a.translation.generation.num_beams", "expected int"),
    ("profiles:\n  a:\n    translation:\n      generation:\n        num_beams: true\n",
     "profiles.a.translation.generation.num_beams", "expected int"),
    ("profiles:\n  a:\n    summary:\n      method: magic\n", "profiles.a.summary.method", "not one of"),
    ("profiles:\n  a:\n    translation:\n      max_input_tokens: 0\n",
     "profiles.a.translation.max_input_tokens", "at least 1"),
    ("default_profile: b\nprofiles:\n  a: {}\n", "profiles", "no profile named 'b'"),
    ("profiles:\n  a:\n    extends: zzz\n", "profiles.a.extends", "cannot extend"),
    ("profiles: {}\n", "profiles", "missing or empty"),
    ("colour: blue\nprofiles:\n  a: {}\n", "(top level).colour", "unknown key"),
    ("profiles:\n  a:\n    translation: [1, 2]\n", "profiles.a.translation", "expected a mapping"),
    ("profiles:\n  a: {\n", "line", "not valid YAML"),
])
def test_invalid_config_names_file_key_and_fix(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and key in message and words in message
    assert caught.value.hint


def test_cli_rejects_invalid_config_before_any_work(tmp_path):
    path = write(tmp_path, "profiles:\n  a:\n    translation:\n      batch_tokens: lots\n")
    articles = tmp_path / "in"
    articles.mkdir()
    (articles / "a.txt").write_text("نص عربي قصير للتجربة فقط لا غير من أجل الاختبار.", encoding="utf-8")
    result = run_cli("batch", articles, "--out", tmp_path / "out", "--config", path)
    assert result.exit_code == 2
    assert "profiles.a.translation.batch_tokens" in result.output and "fix:" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_relative_model_folders_are_relative_to_the_config(tmp_path):
    path = write(tmp_path, "profiles:\n  a:\n    translation:\n      model: ./models/mt\n")
    assert load_config(path).profile().translation.model == str(tmp_path / "models" / "mt")


def test_overrides_replace_without_mutating(tmp_path):
    profile = load_config(ROOT / "models.yaml").profile()
    changed = with_overrides(profile, summary="extractive", device="cpu", translation_model="org/other")
    assert changed.summary.method == "extractive" and changed.translation.device == "cpu"
    assert changed.translation.model == "org/other" and changed.translation.revision is None
    assert profile.summary.method == "abstractive"  # the original is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.translation.model = "x"  # type: ignore[misc]
    with pytest.raises(UsageError):
        with_overrides(profile, summary="magic")


def test_missing_config_file_is_a_usage_error(tmp_path):
    result = run_cli("models", "list", "--config", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "configuration file not found" in result.output

"""`translate models export PROFILE FILE` / `translate models import FILE`: a profile's models in one
archive with checksums, installed on another machine (here: another cache) so the same profile runs
there offline, with its CTranslate2 copies (never converted again); a damaged, altered or foreign
archive installs nothing."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from tests.support.helpers import run_cli
from translate import load_config
from translate.errors import ModelArchiveError
from translate.model_archive import ARCHIVE_MANIFEST, export_profile, import_archive
from translate.runners.single import english, translate_text

TEXT = "قال وزير الخارجية إن المحادثات كانت مثمرة يوم 5 مايو.\nوأضاف أن التعاون سيستمر."


@pytest.fixture
def exported(tiny_models, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TRANSLATE_CACHE", str(tmp_path / "cache-here"))
    archive = tmp_path / "tiny.tar"
    lines = list(export_profile(load_config(tiny_models).profile("tiny"), archive))
    assert "(and its CTranslate2 copy)" in lines[0] and lines[-1].startswith(f"wrote {archive}")
    return archive


def _ct2_folders(cache: Path) -> set[str]:
    return {p.name for p in (cache / "ct2").iterdir()} if (cache / "ct2").is_dir() else set()


def test_round_trip_gives_the_same_translations_without_converting_again(exported, tiny_models, tmp_path, monkeypatch):
    here = english(translate_text(TEXT, profile="tiny", config=tiny_models, summary="abstractive"))
    there = tmp_path / "cache-there"
    monkeypatch.setenv("TRANSLATE_CACHE", str(there))
    lines = list(import_archive(exported, into=tmp_path / "imported"))
    assert lines[0].endswith("files match their checksums")
    config = tmp_path / "imported" / "models.yaml"
    assert f"--config {config}" in lines[-1]
    installed = _ct2_folders(there)
    assert len(installed) == 2  # the translation and summary models' CTranslate2 copies
    profile = load_config(config).profile()
    assert profile.name == "tiny" and Path(profile.translation.model) == tmp_path / "imported" / "translation"
    tiny = load_config(tiny_models).profile("tiny")
    assert profile.translation.generation == tiny.translation.generation and profile.summary == \
        type(tiny.summary)(**{**tiny.summary.__dict__, "model": profile.summary.model})
    record = translate_text(TEXT, profile=profile, summary="abstractive")
    assert english(record) == here
    assert _ct2_folders(there) == installed  # found where the backend looks: nothing converted again


def test_hub_models_go_into_the_hugging_face_cache(tiny_models, tmp_path, monkeypatch):
    from huggingface_hub import constants

    from translate.backends.hub import is_cached, resolve_model

    commit = "0123456789abcdef0123456789abcdef01234567"
    cache_a = tmp_path / "hub-a"
    snapshot = cache_a / "models--tiny-org--marian" / "snapshots" / commit
    shutil.copytree(tiny_models.parent / "marian", snapshot)
    (cache_a / "models--tiny-org--marian" / "refs").mkdir()
    (cache_a / "models--tiny-org--marian" / "refs" / "main").write_text(commit)
    config = tmp_path / "hub.yaml"
    config.write_text("default_profile: hubtiny\nprofiles:\n  hubtiny:\n    translation: {model: tiny-org/marian, "
                      "device: cpu, max_input_tokens: 48, generation: {num_beams: 2, max_new_tokens: 16}}\n"
                      "    summary: {method: extractive}\n", encoding="utf-8")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache_a))
    monkeypatch.setenv("TRANSLATE_CACHE", str(tmp_path / "cache-a"))
    archive = tmp_path / "hub.tar.gz"
    list(export_profile(load_config(config).profile(), archive))
    here = english(translate_text(TEXT, config=config))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-b"))
    monkeypatch.setenv("TRANSLATE_CACHE", str(tmp_path / "cache-b"))
    assert not is_cached("tiny-org/marian", None)
    lines = list(import_archive(archive, into=tmp_path / "imported"))
    assert "your own models.yaml" in lines[-1]
    assert is_cached("tiny-org/marian", None) and is_cached("tiny-org/marian", "main")
    assert resolve_model("tiny-org/marian", None, "translation") == tmp_path / "hub-b" / snapshot.relative_to(cache_a)
    installed = _ct2_folders(tmp_path / "cache-b")
    assert english(translate_text(TEXT, config=config)) == here  # the user's own models.yaml works offline
    assert _ct2_folders(tmp_path / "cache-b") == installed


def _rewrite(archive: Path, target: Path, change) -> None:
    """A copy of ``archive`` with ``change(name, data) -> data | None`` applied to each member (None: left out)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            if data is not None:
                member.size = len(data)
                copy.addfile(member, io.BytesIO(data))


def _nothing_installed(into: Path, cache: Path) -> bool:
    return not (into / "models.yaml").exists() and not _ct2_folders(cache) and not any(
        p.name != ".gitkeep" and not p.name.startswith(".import-") for p in (into.iterdir() if into.exists() else ()))


def test_a_tampered_archive_is_refused_and_installs_nothing(exported, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_CACHE", str(tmp_path / "cache-there"))
    tampered = tmp_path / "tampered.tar"

    def flip(name: str, data: bytes) -> bytes:
        if name.endswith("model.safetensors") and "/hf/" in name:
            return data[:-1] + bytes([data[-1] ^ 1])  # one bit, same size
        return data

    _rewrite(exported, tampered, flip)
    into = tmp_path / "into"
    with pytest.raises(ModelArchiveError) as caught:
        list(import_archive(tampered, into=into))
    assert "does not match its checksum" in caught.value.reason and "nothing was installed" in caught.value.reason
    assert _nothing_installed(into, tmp_path / "cache-there")
    result = run_cli("models", "import", tampered, "--into", into)
    assert result.exit_code == 2 and "damaged or altered" in result.output and "fix:" in result.output
    assert _nothing_installed(into, tmp_path / "cache-there")


@pytest.mark.parametrize("case", ["foreign tar", "not a tar", "extra file", "missing file", "escaping path",
                                  "other schema"])
def test_foreign_or_incomplete_archives_are_refused(exported, tmp_path, monkeypatch, case):
    monkeypatch.setenv("TRANSLATE_CACHE", str(tmp_path / "cache-there"))
    bad = tmp_path / "bad.tar"
    if case == "foreign tar":
        with tarfile.open(bad, "w") as tar:
            tar.add(__file__, arcname="notes.txt")
    elif case == "not a tar":
        bad.write_bytes(b"PK\x03\x04 a zip, or anything else")
    elif case == "extra file":
        _rewrite(exported, bad, lambda name, data: data)
        with tarfile.open(bad, "a") as tar:
            info = tarfile.TarInfo("models/translation/hf/extra.py")
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
    elif case == "missing file":
        _rewrite(exported, bad, lambda name, data: None if name.endswith("config.json") and "/ct2/" in name else data)
    else:
        def edit(name: str, data: bytes) -> bytes:
            if name != ARCHIVE_MANIFEST:
                return data
            manifest = json.loads(data)
            if case == "escaping path":
                manifest["models"][0]["path"] = "../../outside"
            else:
                manifest["schema"] = "something.else/1"
            return json.dumps(manifest).encode()
        _rewrite(exported, bad, edit)
    into = tmp_path / "into"
    with pytest.raises(ModelArchiveError) as caught:
        list(import_archive(bad, into=into))
    assert "nothing was installed" in caught.value.reason and caught.value.hint
    assert _nothing_installed(into, tmp_path / "cache-there")
    assert not (tmp_path / "outside").exists()


def test_the_exported_profile_keeps_every_input_setting(tmp_path):
    """The standalone models.yaml of an archive loads back to the same input options (a field left
    out of the document would silently fall back to its default on the other machine)."""
    import dataclasses

    import yaml

    from translate import load_config
    from translate.model_archive import profile_document
    from translate.options import InputOptions, Profile, SummaryOptions, TranslationOptions

    changed = InputOptions(max_characters=5000, min_arabic_letters=3, chrome_patterns=("^اقرأ أيضا",),
                           meta_patterns=(("byline", "^بقلم"),), date_patterns=(r"^\d{4}$",))
    profile = dataclasses.replace(Profile(name="p", description="", translation=TranslationOptions(),
                                          summary=SummaryOptions()), input=changed)
    (tmp_path / "models.yaml").write_text(yaml.safe_dump(profile_document(profile, models={}), allow_unicode=True),
                                          encoding="utf-8")
    assert load_config(tmp_path / "models.yaml").profile().input == changed

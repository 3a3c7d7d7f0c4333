"""Model families: tags the model receives, forced target tokens, both backends alike, refusals,
clamping and the auto-backend fallback — on tiny random models with the families' real tokenizers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.helpers import load, run_cli
from translate.backends import load_backend
from translate.backends.ct2 import CTranslate2Backend
from translate.backends.hf import TransformersBackend
from translate.config import GenerationSettings, SummaryOptions, TranslationOptions

TEXTS = ["قال الوزير إن المحادثات كانت مثمرة.", "مرحبا", "ارتفع عدد السكان إلى 4.5 مليون نسمة في عام 2023."]
GREEDY = GenerationSettings(num_beams=1, max_new_tokens=10)
# family folder -> (role, first source tokens, forced first target token)
EXPECTED = {
    "nllb": ("translation", ["arb_Arab"], "eng_Latn"),
    "m2m100": ("translation", ["__ar__"], "__en__"),
    "mbart50": ("translation", ["ar_AR"], "en_XX"),
    "madlad": ("translation", ["<2en>"], None),
    "marian_multi": ("translation", [">>eng<<"], None),
    "t5_summarizer": ("summary", "summarize: ", None),
    "pegasus": ("summary", [], None),
}


@pytest.fixture(scope="module")
def families(tmp_path_factory) -> dict[str, Path]:
    from tests.support.tiny_families import build_all_families

    return build_all_families(tmp_path_factory.mktemp("families"))


def options(folder: Path, role: str, backend: str, **extra):
    cls = SummaryOptions if role == "summary" else TranslationOptions
    return cls(model=str(folder), backend=backend, device="cpu", compute_type="float32", generation=GREEDY, **extra)


class Spy:
    """Records what the engine is called with (Transformers ``generate`` or CTranslate2's
    ``translate_batch``) and passes the call on."""

    def __init__(self, inner, method: str) -> None:
        self.inner, self.method, self.calls = inner, method, []

    def __getattr__(self, name):
        real = getattr(self.inner, name)
        if name != self.method:
            return real

        def spy(*args, **kwargs):
            self.calls.append((args, kwargs))
            return real(*args, **kwargs)

        return spy


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_family_gets_its_tags_on_both_backends_and_they_agree(families, name):
    role, source_head, target_token = EXPECTED[name]
    results = {}
    for backend_name in ("transformers", "ctranslate2"):
        backend = load_backend(options(families[name], role, backend_name), role=role)
        encoded = backend.encode(TEXTS)
        tokens = backend.tokenizer.convert_ids_to_tokens(encoded[0])
        if isinstance(source_head, str):  # a text prefix, cut into whatever pieces the vocabulary has
            assert backend.tokenizer.decode(encoded[0]).startswith(source_head.strip())
        else:
            assert tokens[:len(source_head)] == source_head, tokens[:4]
        assert tokens[-1] == backend.tokenizer.eos_token
        if backend_name == "transformers":
            backend._model()
            backend.network = spy = Spy(backend.network, "generate")
            outputs = backend.translate(TEXTS)
            (_, kwargs), = spy.calls
            assert kwargs["input_ids"][0].tolist()[:len(encoded[0])] == encoded[0]
            expected_forced = backend.tokenizer.convert_tokens_to_ids(target_token) if target_token else None
            assert kwargs.get("forced_bos_token_id") == expected_forced
        else:
            backend.load()
            backend.engine = spy = Spy(backend.engine, "translate_batch")
            outputs = backend.translate(TEXTS)
            (args, kwargs), = spy.calls
            assert args[0][0] == tokens  # the source tokens, tag included
            assert kwargs["target_prefix"] == ([[target_token]] * 3 if target_token else None)
        for output in outputs:
            if target_token:
                assert target_token not in output.text
        results[backend_name] = [(o.text, o.tokens, o.hit_limit) for o in outputs]
        assert backend.settings()["family"]["target_token"] == target_token  # part of the memory key
    assert results["ctranslate2"] == results["transformers"]


@pytest.mark.parametrize("name, role, message", [
    ("nllb_no_arabic", "translation", "has no source language token for Arabic"),
    ("marian_en_de", "translation", "translates from en, not Arabic"),
    ("t5_summarizer", "translation", "T5 model without MADLAD-style"),
])
def test_a_model_without_arabic_to_english_is_refused_before_any_article(families, tmp_path, articles, name, role,
                                                                          message):
    config = tmp_path / "models.yaml"
    config.write_text(f"profiles:\n  p:\n    translation: {{model: {families[name]}, device: cpu}}\n"
                      "    summary: {method: extractive}\n", encoding="utf-8")
    result = run_cli("batch", articles, "--out", tmp_path / "out", "--config", config)
    assert result.exit_code == 2
    assert result.output.count("error:") == 1 and message in result.output and "fix:" in result.output
    assert "Traceback" not in result.output
    assert not list((tmp_path / "out").glob("*.json"))


def test_profile_overrides_are_checked_against_the_model(families):
    nllb = families["nllb"]
    backend = load_backend(options(nllb, "translation", "transformers", source_lang="ary_Arab"), role="translation")
    assert backend.tokenizer.convert_ids_to_tokens(backend.encode(["سلام"])[0])[0] == "ary_Arab"
    with pytest.raises(Exception) as refused:
        load_backend(options(nllb, "translation", "transformers", target_lang="xxx_Latn"), role="translation")
    assert "target_lang 'xxx_Latn' is not one of its language codes" in str(refused.value)
    assert "eng_Latn" in refused.value.hint
    t5 = load_backend(options(families["t5_summarizer"], "translation", "transformers",
                              prefix="translate Arabic to English: "), role="translation")
    assert t5.tagging.prefix == "translate Arabic to English: "


def test_generation_is_clamped_to_the_model_positions(tmp_path, families, articles):
    from tests.support.tiny_families import build_family

    small = build_family("pegasus", tmp_path / "small", max_positions=64)
    summary = SummaryOptions(model=str(small), backend="transformers", device="cpu",
                             generation=GenerationSettings(num_beams=1, max_new_tokens=142, min_new_tokens=56))
    backend = load_backend(summary, role="summary")
    assert backend.generation.max_new_tokens == 63 and backend.generation.min_new_tokens == 56
    assert backend.clamps["max_new_tokens"] == {"requested": 142, "used": 63, "limit": "max_position_embeddings 64"}
    long_input = "the minister said the talks were useful"
    for name in ("transformers", "ctranslate2"):
        engine = load_backend(SummaryOptions(**{**summary.__dict__, "backend": name, "compute_type": "float32"}),
                              role="summary")
        [output] = engine.translate([long_input])  # no "position encodings" error at the table's end
        assert output.tokens <= 63
        assert engine.provenance()["clamped"]["max_new_tokens"]["used"] == 63


def test_auto_backend_falls_back_to_transformers_when_conversion_fails(families, caplog, tmp_path):
    import shutil

    # a config written by transformers 5 lacks `normalize_before`: CTranslate2's converter raises AttributeError
    folder = shutil.copytree(families["mbart50"], tmp_path / "no-normalize-before")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config.pop("normalize_before", None)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    backend = load_backend(options(folder, "translation", "auto"), role="translation")
    assert isinstance(backend, TransformersBackend) and not isinstance(backend, CTranslate2Backend)
    assert "could not be converted to CTranslate2 (AttributeError" in caplog.text
    assert "using the transformers backend instead" in caplog.text
    assert backend.translate(["مرحبا"])[0].tokens > 0
    with pytest.raises(Exception, match="could not be converted"):  # asked for explicitly: no silent fallback
        load_backend(options(folder, "translation", "ctranslate2"), role="translation").translate(["مرحبا"])


def test_family_and_tags_are_in_every_records_provenance(families, tmp_path, articles):
    config = tmp_path / "models.yaml"
    config.write_text(f"profiles:\n  p:\n    translation: {{model: {families['nllb']}, device: cpu, "
                      "max_input_tokens: 64, generation: {num_beams: 1, max_new_tokens: 8}}\n"
                      "    summary: {method: extractive}\n", encoding="utf-8")
    result = run_cli("batch", articles, "--out", tmp_path / "out", "--config", config)
    assert result.exit_code == 0, result.output
    record = load(tmp_path / "out" / "article.json")
    family = record["provenance"]["translation"]["family"]
    assert family["name"] == "nllb" and family["source_lang"] == "arb_Arab" and family["target_token"] == "eng_Latn"
    assert "family:nllb" in record["provenance"]["signature"]
    assert json.dumps(record).count("eng_Latn") >= 1

"""``Output.logprob``, the model's log-probability of its own output, from both seq2seq backends:
equal across backends (float32 greedy, and beam search), equal to Transformers' own
``compute_transition_scores``, and lower for an output forced away from what the model prefers."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from translate import load_config
from translate.backends import load_backend
from translate.config import GenerationSettings, SummaryOptions, TranslationOptions

TEXTS = ["وزير الخارجية الروسي أكد التعاون الاقتصادي في موسكو.", "في موسكو",
         "قال الرئيس إن القمة ستعقد يوم الثلاثاء ٥ ديسمبر ٢٠٢٣ في دوشنبه، بحضور القادة.", "المصدر: تاس"]
ENGLISH = ["The minister said the talks on trade will continue in moscow.", "Trade grew by 1.8%!"]
GREEDY = GenerationSettings(num_beams=1, max_new_tokens=12, min_new_tokens=2, length_penalty=1.0)
SETTINGS = [GREEDY, GenerationSettings(num_beams=1, max_new_tokens=20, no_repeat_ngram_size=2),
            GenerationSettings(num_beams=3, max_new_tokens=12, min_new_tokens=2, length_penalty=1.0),
            GenerationSettings(num_beams=4, max_new_tokens=16, length_penalty=2.0)]


def both(options, role: str, texts: list[str]):
    """(Transformers outputs, CTranslate2 float32 outputs) of ``texts``."""
    reference = load_backend(dataclasses.replace(options, backend="transformers"), role=role)
    engine = load_backend(dataclasses.replace(options, backend="ctranslate2", compute_type="float32"), role=role)
    assert type(engine).__name__ == "CTranslate2Backend"
    return reference.translate(texts), engine.translate(texts)


def assert_same(expected, got) -> None:
    assert [o.text for o in got] == [o.text for o in expected]
    assert [o.tokens for o in got] == [o.tokens for o in expected]
    for e, g in zip(expected, got):
        assert e.logprob is not None and g.logprob is not None and math.isfinite(g.logprob) and g.logprob < 0
        assert g.logprob == pytest.approx(e.logprob, abs=1e-3)


@pytest.mark.parametrize("role", ["translation", "summary"])
@pytest.mark.parametrize("generation", SETTINGS, ids=["greedy", "greedy-no-repeat", "beam3", "beam4-lp2"])
def test_both_backends_give_the_same_logprob(tiny_models, role, generation):
    profile = load_config(tiny_models).profile()
    options = dataclasses.replace(profile.translation if role == "translation" else profile.summary,
                                  generation=generation)
    assert_same(*both(options, role, TEXTS if role == "translation" else ENGLISH))


@pytest.fixture(scope="module")
def families(tmp_path_factory) -> dict[str, Path]:
    from tests.support.tiny_families import build_family

    folder = tmp_path_factory.mktemp("confidence-families")
    return {name: build_family(name, folder) for name in ("nllb", "m2m100", "mbart50", "marian_multi", "pegasus")}


@pytest.mark.parametrize("name", ["nllb", "m2m100", "mbart50", "marian_multi", "pegasus"])
def test_families_agree_with_the_forced_language_token_counting_zero(families, name):
    role = "summary" if name == "pegasus" else "translation"
    cls = SummaryOptions if role == "summary" else TranslationOptions
    options = cls(model=str(families[name]), device="cpu",
                  generation=GenerationSettings(num_beams=1, max_new_tokens=10))
    assert_same(*both(options, role, ENGLISH if role == "summary" else TEXTS))


def test_logprob_is_what_transformers_compute_transition_scores_gives(tiny_models):
    """The recorder against Transformers' own per-step scores (``output_scores`` +
    ``compute_transition_scores`` with ``beam_indices``), greedy and beam search."""
    import torch

    options = load_config(tiny_models).profile().summary
    for generation in (GREEDY, SETTINGS[3]):
        backend = load_backend(dataclasses.replace(options, backend="transformers", generation=generation),
                               role="summary")
        got = backend.translate(ENGLISH)
        model, encoded = backend._model(), backend.encode(ENGLISH)
        width = max(map(len, encoded))
        ids = torch.tensor([e + [backend.tokenizer.pad_token_id] * (width - len(e)) for e in encoded])
        mask = torch.tensor([[1] * len(e) + [0] * (width - len(e)) for e in encoded])
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=mask, num_beams=generation.num_beams,
                                 max_new_tokens=generation.max_new_tokens, min_new_tokens=generation.min_new_tokens,
                                 length_penalty=generation.length_penalty, output_scores=True,
                                 return_dict_in_generate=True)
            steps = model.compute_transition_scores(out.sequences, out.scores, getattr(out, "beam_indices", None),
                                                    normalize_logits=True)
        for output, row in zip(got, steps):
            assert output.logprob == pytest.approx(float(row[:output.tokens].sum()), abs=1e-3)


@pytest.fixture(scope="module")
def opinionated(tiny_models, tmp_path_factory) -> Path:
    """The tiny MarianMT with its output bias set so that it all but always says one word."""
    import torch
    from transformers import AutoTokenizer, MarianMTModel

    source = tiny_models.parent / "marian"
    folder = tmp_path_factory.mktemp("opinionated") / "marian"
    model, tokenizer = MarianMTModel.from_pretrained(source), AutoTokenizer.from_pretrained(source)
    word = tokenizer.convert_tokens_to_ids("▁the")
    with torch.no_grad():
        model.final_logits_bias[0, word] = 25.0
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_an_output_forced_away_from_the_model_gets_a_lower_mean_logprob(opinionated, backend):
    """Free, the model says its word again and again (each time nearly sure); with
    ``no_repeat_ngram_size: 1`` it is forced to say something else after the first time."""
    options = TranslationOptions(model=str(opinionated), backend=backend, device="cpu", compute_type="float32",
                                 generation=GenerationSettings(num_beams=1, max_new_tokens=8))
    free = load_backend(options, role="translation").translate(TEXTS)
    forced = load_backend(dataclasses.replace(options, generation=dataclasses.replace(
        options.generation, no_repeat_ngram_size=1)), role="translation").translate(TEXTS)
    for high, low in zip(free, forced):
        assert high.text != low.text
        assert high.logprob / high.tokens > -0.5 > -2 > low.logprob / low.tokens

"""The CTranslate2 backend against the Transformers reference, the translation memory, and the
order of results when batches are sorted across articles."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from tests.support.helpers import load, run_cli
from translate import load_config
from translate.backends import BatchingBackend, load_backend
from translate.backends.wrappers import StoringBackend
from translate.config import GenerationSettings
from translate.memory import TranslationMemory, memory_key
from translate.runners import run_batch
from translate.runners.core import RunMemory
from translate.runners.plan import RunOptions

FIXTURES = Path(__file__).parent / "fixtures"
TEXTS = ["وزير الخارجية الروسي أكد التعاون الاقتصادي في موسكو.", "في موسكو",
         "قال الرئيس إن القمة ستعقد يوم الثلاثاء ٥ ديسمبر ٢٠٢٣ في دوشنبه، بحضور القادة.",
         "المصدر: تاس", "ناقش الوزراء القضايا الأمنية والتجارة المتبادلة والطاقة."]


@pytest.mark.parametrize("role", ["translation", "summary"])
def test_ctranslate2_float32_greedy_equals_transformers_token_for_token(tiny_models, role):
    profile = load_config(tiny_models).profile()
    options = profile.translation if role == "translation" else profile.summary
    greedy = GenerationSettings(num_beams=1, max_new_tokens=12, min_new_tokens=2, length_penalty=1.0)
    texts = TEXTS if role == "translation" else ["The minister said the talks on trade will continue in moscow."] * 2
    reference = load_backend(dataclasses.replace(options, backend="transformers", generation=greedy), role=role)
    engine = load_backend(dataclasses.replace(options, backend="ctranslate2", compute_type="float32",
                                              generation=greedy), role=role)
    assert type(engine).__name__ == "CTranslate2Backend"
    expected, got = reference.translate(texts), engine.translate(texts)
    assert [o.text for o in got] == [o.text for o in expected]
    assert [o.tokens for o in got] == [o.tokens for o in expected]
    assert [o.hit_limit for o in got] == [o.hit_limit for o in expected]
    assert engine.provenance()["compute_type"] == "float32" and engine.provenance()["backend"] == "ctranslate2"


def test_auto_backend_picks_ctranslate2_with_int8_on_cpu(tiny_models):
    backend = load_backend(load_config(tiny_models).profile().translation, role="translation")
    assert backend.name == "ctranslate2" and backend.compute_type == "int8"


def test_translation_memory_hits_and_invalidation(tmp_path, tiny_models):
    options = load_config(tiny_models).profile().translation
    inner = load_backend(options, role="translation")
    memory = RunMemory(tmp_path / "tm.sqlite", reuse=True)
    key = memory_key(inner.settings())
    assert memory.lookup(key, TEXTS) == {}
    first = StoringBackend(inner, lambda pairs: memory.store(key, pairs)).translate(TEXTS)
    assert inner.calls == len(TEXTS) and memory.hits == 0
    found = memory.lookup(key, list(reversed(TEXTS)))
    assert [found[t] for t in reversed(TEXTS)] == list(reversed(first))
    assert inner.calls == len(TEXTS) and memory.hits == len(TEXTS)
    # another generation setting is another key: nothing is reused
    other = load_backend(dataclasses.replace(options, generation=dataclasses.replace(options.generation, num_beams=1)),
                         role="translation")
    assert memory_key(other.settings()) != key and memory.lookup(memory_key(other.settings()), TEXTS[:2]) == {}
    assert RunMemory(tmp_path / "tm.sqlite", reuse=False).lookup(key, TEXTS) == {}  # --no-cache
    memory.close()


@pytest.mark.parametrize("parallel", [1, 2])
def test_translation_memory_survives_a_crash_mid_run(tmp_path, tiny_models, parallel):
    options = dataclasses.replace(load_config(tiny_models).profile().translation, threads=2, parallel_batches=parallel)
    inner = load_backend(options, role="translation")
    assert inner.parallel_batches == parallel
    path = tmp_path / "tm.sqlite"
    memory = TranslationMemory(path)
    real = inner._checked  # every batch passes here, submitted (parallel) or translated (one at a time)
    batches = []

    def crashing(batch):
        batches.append(batch)
        if len(batches) == 3:
            raise RuntimeError("power cut")
        return real(batch)

    inner._checked = crashing
    key = memory_key(inner.settings())
    stack = BatchingBackend(StoringBackend(inner, lambda pairs: memory.store(key, pairs)), batch_tokens=40)
    with pytest.raises(RuntimeError):
        stack.translate(TEXTS * 2 + [t + " اليوم" for t in TEXTS])
    memory.db.close()  # no orderly shutdown: the process "died"
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = db.execute("SELECT count(*) FROM memory").fetchone()[0]
    assert stored == len({t for batch in batches[:2] for t in batch})
    db.close()


def test_rerun_with_only_the_summarizer_changed_makes_no_translation_calls(articles, tmp_path, tiny_models):
    profile = load_config(tiny_models).profile("tiny-extractive")
    out = tmp_path / "out"
    first = run_batch(profile=profile, run=RunOptions(input=articles, out=out))
    assert first.translation_calls > 0 and len(first.done) == 3
    changed = dataclasses.replace(profile, summary=dataclasses.replace(profile.summary, sentences=1))
    second = run_batch(profile=changed, run=RunOptions(input=articles, out=out))
    assert len(second.done) == 3 and second.translation_calls == 0 and second.memory_hits > 0
    no_cache = run_batch(profile=profile, run=RunOptions(input=articles, out=out, reuse_translations=False, force=True))
    assert no_cache.translation_calls == first.translation_calls


def test_boilerplate_seen_in_an_earlier_article_costs_no_model_call(tmp_path, tiny_models):
    profile = load_config(tiny_models).profile("tiny-extractive")
    folder = tmp_path / "in"
    folder.mkdir()
    footer = "المصدر: وكالة الأنباء الرسمية"
    (folder / "a.txt").write_text(f"قال الوزير إن التعاون مهم.\n{footer}\n", encoding="utf-8")
    run_batch(profile=profile, run=RunOptions(input=folder, out=tmp_path / "out"))
    (folder / "b.txt").write_text(f"وأكد الرئيس أن الحوار مستمر.\n{footer}\n", encoding="utf-8")
    report = run_batch(profile=profile, run=RunOptions(input=folder, out=tmp_path / "out"))
    assert report.done == ["b.txt"] and report.translation_calls == 1 and report.memory_hits == 1


def test_batches_sorted_across_articles_give_each_article_its_own_translations(tmp_path, tiny_models):
    profile = load_config(tiny_models).profile("tiny-extractive")
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("article_full.txt", "article_notitle.txt", "article.md"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    together, alone = tmp_path / "together", tmp_path / "alone"
    run_batch(profile=profile, run=RunOptions(input=folder, out=together, reuse_translations=False))
    run_batch(profile=profile, run=RunOptions(input=folder, out=alone, reuse_translations=False, window_segments=1))
    for name in ("article_full", "article_notitle", "article"):
        assert load(together / f"{name}.json")["paragraphs"] == load(alone / f"{name}.json")["paragraphs"]


def test_models_convert_command(tiny_models):
    result = run_cli("models", "convert", "--config", tiny_models)
    assert result.exit_code == 0, result.output
    assert "translation: ctranslate2 copy in" in result.output and "summary: ctranslate2 copy in" in result.output


def test_batches_respect_the_token_budget_and_the_hypothesis_cap():
    class Echo:
        def translate(self, batch):
            return list(batch)

    batching = BatchingBackend(Echo(), batch_tokens=100, max_items=8)
    lengths = [30, 5, 5, 50, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 70, 5]
    batches = batching.batches(lengths)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    assert all(len(b) <= 8 and lengths[b[0]] * len(b) <= 100 or len(b) == 1 for b in batches)
    assert all(lengths[b[0]] == max(lengths[i] for i in b) for b in batches)

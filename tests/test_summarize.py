"""Summaries: the linear-time extractive centrality chooses what the quadratic formula chose;
hierarchical abstractive summaries fit every chunk in the limit and stop when a round does not
shrink the text (falling back to the extractive summary, recorded as such)."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.tiny_models import corpus
from translate.backends.base import Output
from translate.errors import SummaryError
from translate.stages.summarize import MAX_ROUNDS, Candidate, Summary, _chunks, _terms, abstractive, extractive

WORDS = ["الرئيس", "الحكومة", "الطاقة", "النفط", "موسكو", "القمة", "الاقتصاد", "المفاوضات", "الأمن", "الوزير",
         "الاتفاق", "التجارة", "الغاز", "المياه", "الحدود"]


def quadratic_scores(candidates):
    """The centrality formula as it was: every sentence against every other."""
    bags = [Counter(_terms(c.source)) for c in candidates]
    df = Counter(term for bag in bags for term in bag)
    n = len(bags)
    vectors = []
    for bag in bags:
        vector = {t: c * math.log(1 + n / df[t]) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({t: v / norm for t, v in vector.items()})
    return [sum(sum(v * vj.get(t, 0.0) for t, v in vi.items()) for j, vj in enumerate(vectors) if j != i)
            for i, vi in enumerate(vectors)]


def make(sentences: list[str]) -> list[Candidate]:
    return [Candidate(f"p{i // 3 + 1}", f"p{i // 3 + 1}.s{i % 3 + 1}", s, f"EN {i}") for i, s in enumerate(sentences)]


def chosen_ids(summary: Summary) -> list[int]:
    return [int(s["text"].split()[1]) for s in summary.sentences]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS + ["في", "و"]), max_size=8).map(" ".join), min_size=1, max_size=25),
       st.integers(min_value=1, max_value=6))
def test_linear_centrality_picks_what_the_quadratic_formula_picks(sentences, k):
    candidates = make(sentences)
    old = quadratic_scores(candidates)
    expected = sorted(sorted(range(len(old)), key=lambda i: (-old[i], i))[:k])
    got = chosen_ids(extractive(candidates, sentences=k))
    assert got == sorted(got) and len(got) == min(k, len(candidates))
    if got != expected:  # allowed only where the old scores differ by float round-off
        tolerance = 1e-9 * (1 + max(abs(s) for s in old))
        worst_in = min(old[i] for i in got)
        best_out = max(old[i] for i in range(len(old)) if i not in got)
        assert best_out - worst_in <= tolerance, (got, expected, old)


def test_extractive_exact_choice_and_record():
    sentences = ["الرئيس الحكومة الطاقة", "النفط موسكو", "الرئيس الحكومة", "القمة", "الرئيس الطاقة النفط"]
    summary = extractive(make(sentences), sentences=2)
    assert chosen_ids(summary) == [0, 4]
    assert summary.text == "EN 0 EN 4" and summary.method == "extractive"
    assert summary.sentences[1] == {"text": "EN 4", "paragraph_ids": ["p2"], "sentence_ids": ["p2.s2"]}
    assert summary.as_record() == {"text": "EN 0 EN 4", "method": "extractive", "model": None,
                                   "sentences": list(summary.sentences)}


def test_extractive_on_20000_sentences_counts_each_term_once(monkeypatch):
    from translate.stages import summarize

    rng = random.Random(7)
    sentences = [" ".join(rng.choices(WORDS, k=8)) + f" رقم{i % 500}" for i in range(20000)]
    calls = []
    real = summarize._terms
    monkeypatch.setattr(summarize, "_terms", lambda text: calls.append(text) or real(text))
    summary = extractive(make(sentences), sentences=3)
    assert len(summary.sentences) == 3
    assert len(calls) == len(sentences)  # linear: every sentence read once (the speed is bench/huge_article.py's)


# ---------------------------------------------------------------- abstractive


class FakeSummarizer:
    """A backend whose tokens are words, plus 3 per newline (a joiner costs more than it seems),
    plus 2 specials. ``shrink(text)`` is its summary of a chunk."""

    def __init__(self, shrink, *, limit: int = 40) -> None:
        self.shrink = shrink
        self.limit = limit
        self.calls: list[list[str]] = []
        self.counted = 0  # characters passed to count_tokens, all calls

    def count_tokens(self, texts):
        self.counted += sum(len(t) for t in texts)
        return [len(t.split()) + 3 * t.count("\n") + 2 for t in texts]

    def translate(self, batch):
        self.calls.append(list(batch))
        return [Output(self.shrink(text), 10) for text in batch]

    @property
    def max_input_tokens(self) -> int:
        return self.limit

    def provenance(self) -> dict:
        return {"model": "fake"}


def english(n: int, words: int = 12) -> list[tuple[str, str]]:
    return [(f"p{i}", " ".join(f"w{i}x{j}" for j in range(words)) + ".") for i in range(n)]


def fallback_summary() -> Summary:
    return Summary("Extractive.", "extractive", None, ({"text": "Extractive.", "paragraph_ids": ["p1"],
                                                        "sentence_ids": ["p1.s1"]},))


def test_a_summarizer_that_does_not_shrink_falls_back_after_one_round():
    fake = FakeSummarizer(lambda text: text + " and more")
    calls = []

    def fallback():
        calls.append(1)
        return fallback_summary()
    summary = abstractive(english(20), fake, model="fake", max_input_tokens=1000, fallback=fallback)
    assert len(fake.calls) == 1 and len(fake.calls[0]) > 1 and calls == [1]
    assert summary.method == "extractive" and summary.fallback_from == "abstractive" and summary.text == "Extractive."
    chunks = len(fake.calls[0])
    assert summary.reason.startswith(f"round 1: the {chunks} chunk summaries (")
    assert "are not shorter than their input" in summary.reason
    record = summary.as_record()
    assert record["method"] == "extractive" and record["fallback_from"] == "abstractive"
    assert record["reason"] == summary.reason


def test_without_a_fallback_a_summary_that_does_not_shrink_fails_the_article():
    fake = FakeSummarizer(lambda text: text)
    with pytest.raises(SummaryError, match="round 1") as caught:
        abstractive(english(20), fake, model="fake", max_input_tokens=1000)
    assert caught.value.code == "summary" and "--summary extractive" in caught.value.hint
    assert len(fake.calls) == 1


def test_a_shrinking_summarizer_runs_several_rounds_with_every_chunk_in_the_limit():
    def half(text):
        words = text.split()
        return " ".join(words[: max(1, len(words) // 3)])
    fake = FakeSummarizer(half, limit=40)
    summary = abstractive(english(60), fake, model="fake", max_input_tokens=1000, fallback=fallback_summary)
    assert summary.method == "abstractive" and summary.fallback_from is None and summary.model == "fake"
    assert len(fake.calls) >= 3 and len(fake.calls[-1]) == 1
    assert [len(c) for c in fake.calls] == sorted((len(c) for c in fake.calls), reverse=True)
    for call in fake.calls:
        assert max(fake.count_tokens(call)) <= 40
    assert summary.text == " ".join(half(fake.calls[-1][0]).split())
    assert summary.sentences[0]["paragraph_ids"] == ["p0"]  # the final summary starts with p0's words
    assert "fallback_from" not in summary.as_record()


def test_rounds_that_shrink_too_little_stop_after_max_rounds():
    fake = FakeSummarizer(lambda text: " ".join(text.split()[:-1]) or "x", limit=40)
    summary = abstractive(english(60), fake, model="fake", max_input_tokens=1000, fallback=fallback_summary)
    assert len(fake.calls) == MAX_ROUNDS
    assert summary.fallback_from == "abstractive" and f"after {MAX_ROUNDS} rounds" in summary.reason


def test_the_profile_limit_applies_when_lower_than_the_model():
    fake = FakeSummarizer(lambda text: text.split()[0], limit=1000)
    abstractive(english(10), fake, model="fake", max_input_tokens=30, fallback=fallback_summary)
    assert max(max(fake.count_tokens(c)) for c in fake.calls) <= 30 and len(fake.calls[0]) > 1


def test_chunks_count_each_unit_once():
    fake = FakeSummarizer(str)
    units = [text for _, text in english(2000, words=20)]
    chunks = _chunks(units, fake.count_tokens, 200)
    total = sum(len(u) for u in units)
    assert fake.counted <= 2.2 * total  # every unit once, every chunk once: linear, not quadratic
    assert " ".join(text for text, _ in chunks).split() == " ".join(units).split()
    assert all(tokens == fake.count_tokens([text])[0] <= 200 for text, tokens in chunks)
    per_unit = fake.count_tokens(units[:1])[0] - 2 + 3  # 21 words, and a newline before the next
    assert len(chunks) == math.ceil(2000 / ((200 - 2 + 3) // per_unit))  # as full as the limit allows


@pytest.fixture(scope="module")
def bpe_count():
    """A real byte-level BPE tokenizer (as BART's), where a word costs more or fewer tokens alone
    than inside a sentence, so added counts are only an estimate."""
    from tokenizers import ByteLevelBPETokenizer, processors

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus()[1], vocab_size=600, min_frequency=1, show_progress=False,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    return lambda texts: [len(e.ids) for e in bpe.encode_batch(list(texts))]


_EN_WORDS = st.sampled_from(["reuters", "said", "Trade", "grew", "by", "1.8%!", "december,", "Moscow", "(", ")",
                             "\"quoted\"", "the", "minister", "xyzzyplugh", "—", "نص"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_EN_WORDS, min_size=1, max_size=60).map(" ".join), min_size=1, max_size=12),
       st.integers(min_value=8, max_value=60))
def test_chunks_fit_the_real_tokenizer_and_lose_nothing(bpe_count, units, limit):
    chunks = _chunks(units, bpe_count, limit)
    assert [tokens for _, tokens in chunks] == bpe_count([text for text, _ in chunks])
    assert all(tokens <= limit for _, tokens in chunks)
    if max(bpe_count(" ".join(units).split())) <= limit:  # no word needs cutting: every word is there
        assert " ".join(text for text, _ in chunks).split() == " ".join(units).split()
    assert "".join("".join(text.split()) for text, _ in chunks) == "".join("".join(u.split()) for u in units)


def test_a_word_longer_than_the_limit_is_split_at_characters(bpe_count):
    word = "x" * 300 + "reuters" * 20
    chunks = _chunks(["said " + word + " grew"], bpe_count, 20)
    assert all(tokens <= 20 for _, tokens in chunks)
    assert "".join("".join(text.split()) for text, _ in chunks) == "said" + word + "grew"
    assert len(chunks) > 300 // 20


"""Summaries of a window are batched together (every round of every article in one call) and give
exactly the summaries article-by-article calls give, in the same order."""

from __future__ import annotations

from translate import load_config
from translate.backends import BatchingBackend, load_backend
from translate.stages.summarize import abstractive, abstractive_plan, run_plans

WORDS = ("the minister said that economic cooperation between the two countries covers energy trade and "
         "transport and that the next meeting will be held in moscow").split()


def article(n: int, paragraphs: int) -> list[tuple[str, str]]:
    return [(f"p{i + 1}", " ".join(WORDS[(n + i + j) % len(WORDS)] for j in range(18 + (n * 7 + i) % 11)))
            for i in range(paragraphs)]


class Counting:
    """The summarizer, counting the calls it receives."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def translate(self, batch, *, context=None):
        self.calls.append(len(batch))
        return self.inner.translate(batch, context=context)


def test_batched_summaries_equal_article_by_article(tiny_models):
    options = load_config(tiny_models).profile().summary
    backend = load_backend(options, role="summary")
    articles = [article(n, paragraphs) for n, paragraphs in enumerate((1, 3, 12, 2, 25, 6))]
    limit = min(options.max_input_tokens, backend.max_input_tokens)
    one_by_one = [abstractive(paragraphs, BatchingBackend(backend, batch_tokens=4096), model="m",
                              max_input_tokens=options.max_input_tokens) for paragraphs in articles]
    counting = Counting(BatchingBackend(backend, batch_tokens=4096))
    plans = [abstractive_plan(paragraphs, count=backend.count_tokens, limit=limit, model="m")
             for paragraphs in articles]
    batched = run_plans(plans, counting)
    assert [s.as_record() for s in batched] == [s.as_record() for s in one_by_one]
    assert len(counting.calls) >= 2  # the long articles needed several hierarchical rounds, one call each
    assert counting.calls[0] > len(articles)  # round one: the chunks of every article in one call
    assert all(s.text for s in batched)


def test_a_failing_chunk_fails_only_its_article(tiny_models):
    options = load_config(tiny_models).profile().summary
    backend = load_backend(options, role="summary")
    from translate.backends import IsolatingBackend

    class Poisoned:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def translate(self, batch, *, context=None):
            if any("poison" in text for text in batch):
                raise RuntimeError("boom")
            return self.inner.translate(batch, context=context)

    stack = BatchingBackend(IsolatingBackend(Poisoned(backend)), batch_tokens=4096)
    articles = [article(0, 2), [("p1", "poison " + " ".join(WORDS))], article(2, 3)]
    limit = min(options.max_input_tokens, backend.max_input_tokens)
    results = run_plans([abstractive_plan(a, count=backend.count_tokens, limit=limit, model="m") for a in articles],
                        stack)
    assert isinstance(results[1], Exception) and "summarizer failed" in str(results[1])
    assert not isinstance(results[0], Exception) and not isinstance(results[2], Exception)
    assert results[0].text and results[2].text

"""English summaries of one article.

Input is the article's body only: titles, date lines, headings, metadata, site chrome and the
opening dateline are never summary input.

* ``extractive`` (no model): the most central source sentences — those sharing the most content
  words with the rest of the article, by TF-IDF cosine similarity — are chosen, then given in
  article order with their aligned English translations and the id of the paragraph each came from.
* ``abstractive``: the profile's summarizer over the English translation. Input longer than the
  model's limit is cut at paragraph (then word) boundaries into chunks that fit, each chunk is
  summarized, and the joined chunk summaries are summarized again until they fit: nothing is cut.
  Every round must shrink the text; when one does not, the article gets its extractive summary
  instead (``fallback_from: "abstractive"`` and the reason in the record).
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Callable, Generator, Sequence, TypeVar

from ..backends.base import Backend
from ..backends.wrappers import stream
from ..errors import SummaryError
from ..text.normalize import for_model

log = logging.getLogger("translate")
MAX_ROUNDS = 8  # a cap on top of "every round shrinks": 8 rounds of ~1/4 each cover any article
JOIN_MARGIN = 1  # tokens the changed tokenization where two parts meet may add (on top of the joiner)

_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0660-\u0669\w]+")
_DIACRITICS = re.compile(r"[\u064b-\u0652\u0670]")
_STOP = set("""في من على إلى الى عن مع أن ان إن هذا هذه ذلك التي الذي الذين كما قد كان كانت لم لن ما لا
و أو او ثم بعد قبل بين حيث خلال عند كل أي أيضا أيضاً وقد وكان وفي وهو هو هي هم تم يتم""".split())
U = TypeVar("U")  # what a round summarizes: texts, or passages with their paragraph ids
R = TypeVar("R")  # what a round's replies are read into
_EN_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")


@dataclass(frozen=True)
class Candidate:
    """A body sentence that may be used in the summary."""

    paragraph_id: str
    sentence_id: str
    source: str
    target: str


@dataclass(frozen=True)
class Summary:
    text: str
    method: str
    model: str | None
    sentences: tuple[dict, ...]  # {"text", "paragraph_ids"[, "sentence_ids"]}
    fallback_from: str | None = None  # the method asked for, when this one was used instead
    reason: str | None = None  # why it fell back

    def as_record(self) -> dict:
        record = {"text": self.text, "method": self.method, "model": self.model, "sentences": list(self.sentences)}
        if self.fallback_from:
            record |= {"fallback_from": self.fallback_from, "reason": self.reason}
        return record


def _terms(text: str) -> list[str]:
    plain = _DIACRITICS.sub("", for_model(text))
    words = _ARABIC_WORD.findall(plain.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا"))
    return [w for w in words if w not in _STOP and len(w) > 1]


def extractive(candidates: Sequence[Candidate], *, sentences: int) -> Summary:
    """The ``sentences`` most central candidates, in article order. Centrality of sentence i is
    sum_j cos(v_i, v_j) over j != i with v the normalized TF-IDF vectors; since the vectors have
    norm 1 (or are empty), that is v_i . (S - v_i) with S the sum of all vectors: linear in the
    number of terms of the article, not quadratic in its sentences. Ties go to the earlier one."""
    if not candidates:
        return Summary("", "extractive", None, ())
    bags = [Counter(_terms(c.source)) for c in candidates]
    df = Counter(term for bag in bags for term in bag)
    n = len(bags)
    vectors = []
    for bag in bags:
        vector = {t: c * math.log(1 + n / df[t]) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({t: v / norm for t, v in vector.items()})
    total: dict[str, float] = {}
    for vector in vectors:
        for t, v in vector.items():
            total[t] = total.get(t, 0.0) + v
    scores = [sum(v * (total[t] - v) for t, v in vector.items()) for vector in vectors]
    chosen = sorted(heapq.nsmallest(sentences, range(n), key=lambda i: (-scores[i], i)))
    picked = tuple({"text": candidates[i].target, "paragraph_ids": [candidates[i].paragraph_id],
                    "sentence_ids": [candidates[i].sentence_id]} for i in chosen)
    return Summary(" ".join(p["text"] for p in picked), "extractive", None, picked)


Count = Callable[[Sequence[str]], list[int]]


def _join_cost(sep: str, count: Count, special: int) -> int:
    """Tokens one ``sep`` adds between two parts, measured once, plus ``JOIN_MARGIN`` for the
    changed tokenization where two parts meet."""
    joined, alone = count([f"a{sep}a", "a"])
    return max(0, joined - 2 * alone + special) + JOIN_MARGIN


def _pack(items: Sequence[tuple[str, int]], *, join: int, special: int, limit: int) -> list[list[str]]:
    """Greedy groups of ``items`` (text, tokens without the special ones) whose estimated size
    (sum of the parts + ``join`` per joiner + special tokens) is within ``limit``."""
    groups: list[list[str]] = []
    size = special
    for text, tokens in items:
        cost = tokens + join
        if groups and groups[-1] and size + cost <= limit:
            groups[-1].append(text)
            size += cost
        else:
            groups.append([text])
            size = special + tokens
    return groups


def _verify(groups: list[list[str]], sep: str, count: Count, limit: int) -> list[tuple[str, int]]:
    """Each group joined with ``sep`` and counted with the real tokenizer; a group over the limit
    (the estimate was off) is halved until every part fits. Single parts over the limit are
    returned as they are, for the caller to split further."""
    joined = [sep.join(group) for group in groups]
    out: list[tuple[str, int]] = []
    for group, text, tokens in zip(groups, joined, count(joined) if joined else []):
        if tokens <= limit or len(group) == 1:
            out.append((text, tokens))
        else:
            middle = len(group) // 2
            out += _verify([group[:middle], group[middle:]], sep, count, limit)
    return out


def _split_chars(text: str, count: Count, limit: int) -> list[tuple[str, int]]:
    """A single word longer than the limit, halved at characters until each piece fits."""
    tokens = count([text])[0]
    if tokens <= limit or len(text) <= 1:
        return [(text, tokens)]
    middle = len(text) // 2
    return _split_chars(text[:middle], count, limit) + _split_chars(text[middle:], count, limit)


def _split_words(unit: str, count: Count, *, special: int, limit: int) -> list[tuple[str, int]]:
    """A unit longer than the limit as pieces that fit: words grouped, each word counted once."""
    words = unit.split()
    items = list(zip(words, (n - special for n in count(words))))
    groups = _pack(items, join=_join_cost(" ", count, special), special=special, limit=limit)
    pieces = []
    for text, tokens in _verify(groups, " ", count, limit):
        pieces += [(text, tokens)] if tokens <= limit else _split_chars(text, count, limit)
    return pieces


def _chunks(units: Sequence[str], count: Count, limit: int) -> list[tuple[str, int]]:
    """``units`` joined with newlines into chunks of at most ``limit`` tokens: (chunk, its token
    count). Each unit is counted once and counts are added (plus the measured cost of a joiner and
    a margin); every chunk is then counted once with the real tokenizer and split again if the
    estimate was short. An over-long unit is split at words (a word longer than the limit, at
    characters). Linear in the length of the text."""
    special = count([""])[0]
    items: list[tuple[str, int]] = []
    for unit, tokens in zip(units, count(list(units))):
        if tokens <= limit:
            items.append((unit, tokens - special))
        else:
            items += [(text, n - special) for text, n in _split_words(unit, count, special=special, limit=limit)]
    groups = _pack(items, join=_join_cost("\n", count, special), special=special, limit=limit)
    return _verify(groups, "\n", count, limit)


def fall_back(fallback: Callable[[], Summary] | None, reason: str, *, what: str = "abstractive summary",
              hint: str = "use --summary extractive (or a summarizer whose summaries are shorter than their input)"
              ) -> Summary:
    """``fallback()`` (the extractive summary) marked as standing in for the abstractive one;
    ``SummaryError`` when there is none."""
    if fallback is None:
        raise SummaryError(f"{what} stopped: {reason}", hint)
    log.debug("%s stopped (%s): extractive summary instead", what, reason)
    return replace(fallback(), fallback_from="abstractive", reason=reason)


SummaryPlan = Generator[list[str], list[str], Summary]  # yields each round's chunks, receives their summaries


def abstractive(paragraphs: Sequence[tuple[str, str]], summarizer: Backend, *, model: str,
                max_input_tokens: int, fallback: Callable[[], Summary] | None = None) -> Summary:
    """One article's abstractive summary (see :func:`abstractive_plan`; :func:`run_plans` batches
    the summaries of several articles together)."""
    plan = abstractive_plan(paragraphs, count=summarizer.count_tokens, model=model,
                            limit=min(max_input_tokens, summarizer.max_input_tokens), fallback=fallback)
    [summary] = run_plans([plan], summarizer)
    if isinstance(summary, Exception):
        raise summary
    return summary


class Stop(Exception):
    """A round's replies cannot go on: the reason (the article falls back to its extractive summary)."""


def shrinking_rounds(units: list[U], *, pack: Callable[[list[U]], tuple[list[str], int]],
                     read: Callable[[list[str]], R], condense: Callable[[R], list[U]],
                     size: Callable[[list[U]], int], fail: Callable[[str], Summary]
                     ) -> Generator[list[str], list[str], R | Summary]:
    """The round loop of every hierarchical summary: each round, ``pack(units)`` gives the chunks
    to send (each fits the model) and their size in tokens; the replies, ``read``, end the loop
    when there was one chunk; else ``condense`` gives the next round's units, which must be smaller
    (``size``) than the chunks, in at most ``MAX_ROUNDS`` rounds. A generator driven by
    ``run_plans``; returns what ``read`` made of the last replies, or ``fail(reason)`` (``read``
    and ``condense`` raise ``Stop`` to stop)."""
    for round_number in range(1, MAX_ROUNDS + 1):
        chunks, before = pack(units)
        replies = yield chunks
        try:
            result = read(replies)
            if len(chunks) == 1:
                return result
            shorter = condense(result)
        except Stop as stop:
            return fail(f"round {round_number}: {stop}")
        after = size(shorter)
        if after >= before:
            return fail(f"round {round_number}: the {len(chunks)} chunk summaries ({after} tokens) "
                        f"are not shorter than their input ({before} tokens)")
        units = shorter
    return fail(f"the text still needed {len(chunks)} chunks after {MAX_ROUNDS} rounds")


def abstractive_plan(paragraphs: Sequence[tuple[str, str]], *, count: Count, limit: int, model: str,
                     fallback: Callable[[], Summary] | None = None) -> SummaryPlan:
    """``paragraphs``: (paragraph id, English text) of the body, in article order. A generator:
    it yields the chunks of each round (each fits ``limit`` tokens) and is sent their summaries.

    Every round must shrink the text (its chunk summaries have fewer tokens than the chunks) and
    there are at most ``MAX_ROUNDS`` (``shrinking_rounds``); otherwise the result is
    ``fallback()`` (the article's extractive summary) marked ``fallback_from="abstractive"`` with
    the ``reason``; without a ``fallback``, ``SummaryError``."""
    texts = [t for _, t in paragraphs if t.strip()]
    if not texts and paragraphs and fallback is not None:  # every body sentence came back empty (refused, failed)
        return fall_back(fallback, "the body has no English to summarize (every sentence's translation is empty)")
    if not texts:
        return Summary("", "abstractive", model, ())

    def pack(units: list[str]) -> tuple[list[str], int]:
        chunks = _chunks(units, count, limit)
        return [text for text, _ in chunks], sum(tokens for _, tokens in chunks)

    def condense(summaries: list[str]) -> list[str]:
        units = [s for s in summaries if s.strip()]
        if not units:
            raise Stop("the summarizer returned empty summaries")
        return units

    summaries = yield from shrinking_rounds(texts, pack=pack, read=lambda replies: replies, condense=condense,
                                            size=lambda units: sum(count(units)),
                                            fail=lambda reason: fall_back(fallback, reason))
    if isinstance(summaries, Summary):
        return summaries
    text = " ".join(" ".join(summaries).split())
    parts = [s for s in _EN_SENTENCE.split(text) if s.strip()]
    vocabulary = _vocabulary(paragraphs)
    return Summary(text, "abstractive", model,
                   tuple({"text": s, "paragraph_ids": list(_attribute(s, vocabulary))} for s in parts))


def run_plans(plans: Sequence[SummaryPlan], summarizer: Backend) -> list[Summary | Exception]:
    """Drive several articles' summary plans together (``wrappers.stream``): the chunks of every
    article go to ``summarizer`` together (length-sorted, token-budget batches when it is a
    BatchingBackend), and an article whose chunk summaries are all back starts its next round at
    once, while the others' chunks still decode. A chunk the model failed on (an output with
    ``error``) or a plan that raises gives that article an exception; the others go on."""
    results: list[Summary | Exception | None] = [None] * len(plans)

    def advance(index: int, sent: list[str] | None) -> list[str] | None:
        """The article's next chunks; None when its plan ended (the result is kept)."""
        try:
            return plans[index].send(sent) if sent is not None else next(plans[index])
        except StopIteration as stop:
            results[index] = stop.value
        except Exception as exc:  # noqa: BLE001 - one article's summary failing fails that article only
            results[index] = exc
        return None

    def follow(index: int, outputs: list) -> list[str] | None:
        failed = next((o.error for o in outputs if o.error), None)
        if failed:
            results[index] = SummaryError(f"the summarizer failed on this article ({failed})",
                                          "use --summary extractive for it, or run again with --debug")
            return None
        return advance(index, [o.text for o in outputs])

    first = {index: chunks for index in range(len(plans)) if (chunks := advance(index, None)) is not None}
    stream(summarizer, first, follow)
    return results  # type: ignore[return-value]


def _vocabulary(paragraphs: Sequence[tuple[str, str]]) -> list[tuple[str, set[str]]]:
    return [(pid, {w.lower() for w in re.findall(r"\w+", text)}) for pid, text in paragraphs]


def attribute(sentence: str, paragraphs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The paragraph(s) whose English shares the most words with a summary sentence."""
    return _attribute(sentence, _vocabulary(paragraphs))


def _attribute(sentence: str, vocabulary: list[tuple[str, set[str]]]) -> tuple[str, ...]:
    words = {w.lower() for w in re.findall(r"\w+", sentence) if len(w) > 2}
    if not words:
        return ()
    overlap = [(len(words & paragraph), pid) for pid, paragraph in vocabulary]
    best = max((o for o, _ in overlap), default=0)
    return tuple(pid for o, pid in overlap if o == best and o > 0)[:2]

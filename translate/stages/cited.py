"""LLM summaries whose sentences cite the paragraphs they draw on.

The body paragraphs (English) are sent with their ids (``[p3] ...``) through the summarizer
backend's one method, ``translate([passages])``: an LLM backend in the ``summary`` role wraps the
passages in its summary prompt (N sentences, each ending with the ids it draws on) and returns the
cleaned reply. Each sentence's citations are checked against the article: unknown ids are dropped
and listed in ``unknown_citations``; ``paragraph_ids`` are the known ones, in article order; a
sentence citing nothing is marked ``uncited``.

An article longer than the summarizer's input budget (its context window less the prompt and the
reply budget, counted with its tokenizer or conservatively) is never truncated: it is cut at
paragraph boundaries (an over-long paragraph at sentences, then words, each piece keeping its id)
into chunks that fit; each chunk is summarized with citations, and the chunk sentences, each
labelled with the ids it cited (or its chunk's ids when it cited none), are summarized again, until
one chunk remains. Citations of a later round are ids of the article, so they need no mapping back.

Like ``summarize.abstractive_plan``, :func:`cited_plan` is a generator driven by
``summarize.run_plans``, so the chunks of several articles go to the server in one call (and run
concurrently); a request the server rejects fails that article (``SummaryError``), and a summary
that cannot be made (no sentences, no shrinking) falls back to the extractive one, recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from ..backends.base import Backend
from ..backends.llm.replies import parse_cited
from .summarize import Stop, Summary, SummaryPlan, fall_back, run_plans, shrinking_rounds

Count = Callable[[Sequence[str]], list[int]]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class _Unit:
    """A passage of the summary input and the article paragraphs it stands for."""

    ids: tuple[str, ...]
    text: str

    def render(self) -> str:
        return f"[{', '.join(self.ids)}] {self.text}"


def _pieces(unit: _Unit, count: Callable[[str], int], limit: int) -> list[_Unit]:
    """``unit`` cut at sentence ends, then at words, into pieces that fit ``limit`` (same ids)."""
    if count(unit.render()) <= limit:
        return [unit]
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(unit.text):
        parts += [sentence] if count(_Unit(unit.ids, sentence).render()) <= limit else sentence.split()
    pieces: list[_Unit] = []
    current = ""
    for part in parts:
        trial = f"{current} {part}".strip()
        if current and count(_Unit(unit.ids, trial).render()) > limit:
            pieces.append(_Unit(unit.ids, current))
            trial = part
        current = trial
    pieces.append(_Unit(unit.ids, current))
    return pieces


def _chunks(units: Sequence[_Unit], count: Callable[[str], int], limit: int) -> list[list[_Unit]]:
    chunks: list[list[_Unit]] = []
    for unit in units:
        for piece in _pieces(unit, count, limit):
            if chunks and count(_render(chunks[-1] + [piece])) <= limit:
                chunks[-1].append(piece)
            else:
                chunks.append([piece])
    return chunks


def _render(units: Sequence[_Unit]) -> str:
    return "\n\n".join(unit.render() for unit in units)


def cited_summary(paragraphs: Sequence[tuple[str, str]], backend: Backend, *, sentences: int,
                  model: str | None = None, fallback: Callable[[], Summary] | None = None) -> Summary:
    """One article's cited summary (see :func:`cited_plan`) with ``backend``, an LLM backend in the
    ``summary`` role asking for ``sentences`` sentences."""
    plan = cited_plan(paragraphs, count=backend.count_tokens, limit=backend.max_input_tokens, sentences=sentences,
                      model=model, fallback=fallback)
    [summary] = run_plans([plan], backend)
    if isinstance(summary, Exception):
        raise summary
    return summary


def cited_plan(paragraphs: Sequence[tuple[str, str]], *, count: Count, limit: int, sentences: int,
               model: str | None = None, fallback: Callable[[], Summary] | None = None) -> SummaryPlan:
    """``paragraphs``: (paragraph id, English text) of the body, in article order. A generator like
    ``summarize.abstractive_plan`` (driven by ``summarize.run_plans``): it yields each round's chunks
    (passages with their ids, each chunk within ``limit`` tokens) and is sent the replies. At most
    ``sentences`` sentences are kept. The rounds are ``summarize.shrinking_rounds`` (the loop both
    kinds of summary share): a round that gives no sentences, does not shrink the text, or more than
    ``MAX_ROUNDS`` rounds: ``fallback()`` marked ``fallback_from="abstractive"``, or ``SummaryError``
    without one."""
    body = [(pid, " ".join(text.split())) for pid, text in paragraphs if text.strip()]
    if not body:
        return Summary("", "abstractive", model, ())
    order = {pid: i for i, (pid, _) in enumerate(paragraphs)}

    def one(text: str) -> int:
        return count([text])[0]

    def pack(units: list[_Unit]) -> tuple[list[str], int]:
        chunks = _chunks(units, one, limit)
        packed.append(chunks)
        return [_render(chunk) for chunk in chunks], sum(count([u.render() for u in units]))

    def read(replies: list[str]) -> list:
        parsed = [parse_cited(reply, known=order) for reply in replies]
        if not any(parsed):
            raise Stop("the summarizer gave no sentences")
        return parsed

    def condense(parsed: list) -> list[_Unit]:
        shorter = []
        for chunk, cited in zip(packed[-1], parsed, strict=True):
            fallback_ids = tuple(dict.fromkeys(i for unit in chunk for i in unit.ids))
            shorter += [_Unit(s.ids or fallback_ids, s.text) for s in cited]
        return shorter

    packed: list[list[list[_Unit]]] = []  # each round's chunks (condense maps replies back to them)
    parsed = yield from shrinking_rounds([_Unit((pid,), text) for pid, text in body], pack=pack, read=read,
                                         condense=condense, size=lambda units: sum(count([u.render() for u in units])),
                                         fail=lambda reason: _fall_back(fallback, reason))
    if isinstance(parsed, Summary):
        return parsed
    records = []
    for sentence in parsed[0][:sentences]:
        record: dict = {"text": sentence.text, "paragraph_ids": sorted(sentence.ids, key=order.__getitem__)}
        if sentence.unknown:
            record["unknown_citations"] = list(sentence.unknown)
        if not sentence.ids:
            record["uncited"] = True
        records.append(record)
    return Summary(" ".join(r["text"] for r in records), "abstractive", model, tuple(records))


def _fall_back(fallback: Callable[[], Summary] | None, reason: str) -> Summary:
    return fall_back(fallback, reason, what="cited summary",
                     hint="use --summary extractive, or check the summarizer's prompt and replies (--debug)")

"""English summaries of one article.

Input is the article's body only: titles, date lines, headings, metadata, site chrome and the
opening dateline are never summary input.

* ``extractive`` (no model): the most central source sentences — those sharing the most content
  words with the rest of the article, by TF-IDF cosine similarity — are chosen, then given in
  article order with their aligned English translations and the id of the paragraph each came from.
* ``abstractive``: the profile's summarizer over the English translation. Input longer than the
  model's limit is cut at paragraph (then sentence) boundaries into chunks that fit, each chunk is
  summarized, and the joined chunk summaries are summarized again until they fit: nothing is cut.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from ..backends.base import Backend
from ..text.normalize import for_model

_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0660-\u0669\w]+")
_DIACRITICS = re.compile(r"[\u064b-\u0652\u0670]")
_STOP = set("""في من على إلى الى عن مع أن ان إن هذا هذه ذلك التي الذي الذين كما قد كان كانت لم لن ما لا
و أو او ثم بعد قبل بين حيث خلال عند كل أي أيضا أيضاً وقد وكان وفي وهو هو هي هم تم يتم""".split())
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

    def as_record(self) -> dict:
        return {"text": self.text, "method": self.method, "model": self.model, "sentences": list(self.sentences)}


def _terms(text: str) -> list[str]:
    words = _ARABIC_WORD.findall(_DIACRITICS.sub("", for_model(text)).replace("أ", "ا").replace("إ", "ا").replace("آ", "ا"))
    return [w for w in words if w not in _STOP and len(w) > 1]


def extractive(candidates: Sequence[Candidate], *, sentences: int) -> Summary:
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
    scores = []
    for i, vi in enumerate(vectors):
        centrality = sum(sum(v * vj.get(t, 0.0) for t, v in vi.items()) for j, vj in enumerate(vectors) if j != i)
        scores.append(centrality)
    chosen = sorted(sorted(range(n), key=lambda i: (-scores[i], i))[:sentences])
    picked = tuple({"text": candidates[i].target, "paragraph_ids": [candidates[i].paragraph_id],
                    "sentence_ids": [candidates[i].sentence_id]} for i in chosen)
    return Summary(" ".join(p["text"] for p in picked), "extractive", None, picked)


def _chunks(units: Sequence[str], count, limit: int) -> list[str]:
    """Join ``units`` into chunks that each fit ``limit`` tokens; an over-long unit is split at words."""
    chunks: list[str] = []
    for unit in units:
        pieces = [unit]
        if count(unit) > limit:
            words, pieces, current = unit.split(), [], ""
            for word in words:
                trial = f"{current} {word}".strip()
                if current and count(trial) > limit:
                    pieces.append(current)
                    trial = word
                current = trial
            pieces.append(current)
        for piece in pieces:
            if chunks and count(f"{chunks[-1]}\n{piece}") <= limit:
                chunks[-1] = f"{chunks[-1]}\n{piece}"
            else:
                chunks.append(piece)
    return chunks


def abstractive(paragraphs: Sequence[tuple[str, str]], summarizer: Backend, *, model: str,
                max_input_tokens: int) -> Summary:
    """``paragraphs``: (paragraph id, English text) of the body, in article order."""
    texts = [t for _, t in paragraphs if t.strip()]
    if not texts:
        return Summary("", "abstractive", model, ())
    limit = min(max_input_tokens, summarizer.max_input_tokens)

    def count(text: str) -> int:
        return summarizer.count_tokens([text])[0]

    units = texts
    for _ in range(8):  # each round shrinks the text; 8 rounds cover any article
        chunks = _chunks(units, count, limit)
        summaries = [o.text for o in summarizer.translate(chunks)]
        if len(chunks) == 1:
            break
        units = summaries
    text = " ".join(" ".join(summaries).split())
    parts = [s for s in _EN_SENTENCE.split(text) if s.strip()]
    return Summary(text, "abstractive", model,
                   tuple({"text": s, "paragraph_ids": list(attribute(s, paragraphs))} for s in parts))


def attribute(sentence: str, paragraphs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The paragraph(s) whose English shares the most words with a summary sentence."""
    words = {w.lower() for w in re.findall(r"\w+", sentence) if len(w) > 2}
    if not words:
        return ()
    overlap = [(len(words & {w.lower() for w in re.findall(r"\w+", text)}), pid) for pid, text in paragraphs]
    best = max((o for o, _ in overlap), default=0)
    return tuple(pid for o, pid in overlap if o == best and o > 0)[:2]

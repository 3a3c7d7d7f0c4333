"""From a segmented document to model inputs (within the token budget) and back to an aligned record.

A *segment* is what the model translates: a sentence, or a piece of an over-long sentence cut at
clause (then word) boundaries. Segments are spans of the source, so sentence and paragraph
translations are reassembled by joining their segments' translations in order.

Site furniture (``chrome`` blocks) gets no model input either: it is carried over untranslated.
A sentence with a human translation (an imported review correction, keyed by ``human_key`` of its
source) gets no model input: it is never machine-translated again, and its record carries the
reviewer's text with ``origin: "human"``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Collection, Mapping, Sequence

from ..backends.base import Output
from ..record import Human, human_key
from ..text.normalize import for_model
from ..text.segment import Document
from ..text.sentences import Span, split_to_budget
from .flags import Glossary, flag_sentence

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")


@dataclass(frozen=True)
class Segment:
    block: int
    sentence: int
    span: Span
    source: str  # original characters (stripped)
    model_input: str | None  # None: nothing to translate (no Arabic, or a human translation)
    human: bool = False  # the sentence has a human translation: the model never sees it


def plan(doc: Document, *, count: Callable[[Sequence[str]], list[int]], budget: int,
         human: Mapping[str, Human] | Collection[str] = ()) -> list[Segment]:
    """Every sentence of ``doc`` as one or more segments whose model input fits ``budget`` tokens;
    a sentence whose ``human_key`` is in ``human`` is one segment with no model input."""
    markdown = doc.format in ("md", "html")

    def model_input(span: Span) -> str:
        return for_model(doc.text[span[0]:span[1]], markdown=markdown)

    sentences = [(b, s, sent) for b, block in enumerate(doc.blocks) for s, sent in enumerate(block.sentences)]
    reviewed = [bool(human) and human_key(sent.text) in human for _, _, sent in sentences]
    inputs = [model_input(sent.span) for _, _, sent in sentences]
    # site furniture (chrome: breadcrumbs, share bars, related-story lists) is carried over as it is:
    # translating it costs model time and fills the reviewer's list with what is not the article
    furniture = [doc.blocks[b].kind == "chrome" for b, _, _ in sentences]
    translatable = [bool(_ARABIC.search(text)) and not done and not chrome
                    for text, done, chrome in zip(inputs, reviewed, furniture)]
    lengths = iter(count([text for text, ok in zip(inputs, translatable) if ok]))
    segments: list[Segment] = []
    for (b, s, sent), _text, ok, done in zip(sentences, inputs, translatable, reviewed):
        if done:
            segments.append(Segment(b, s, sent.span, sent.text, None, human=True))
            continue
        if not ok:
            segments.append(Segment(b, s, sent.span, sent.text, None))
            continue
        spans = [sent.span]
        if next(lengths) > budget:
            spans = split_to_budget(doc.text, sent.span, lambda t: count([for_model(t, markdown=markdown)])[0], budget)
        for span in spans:
            piece = model_input(span)
            segments.append(Segment(b, s, span, doc.text[span[0]:span[1]].strip(),
                                    piece if piece and _ARABIC.search(piece) else None))
    return segments


def _join(parts: Sequence[str]) -> str:
    return " ".join(p for p in parts if p)


def assemble(doc: Document, segments: Sequence[Segment] = (), outputs: Mapping[str, Output] | None = None,
             glossary: Glossary | None = None, *, human: Mapping[str, Human] | None = None,
             low_confidence: float | None = None,
             suggest: Callable[[str], list[dict]] | None = None) -> list[dict]:
    """The ``paragraphs`` list of the canonical record; without ``outputs``, the structure only.

    ``human``: human translations by ``human_key`` (give ``plan`` the same mapping): those sentences
    get the reviewer's text, ``origin: "human"``, ``reviewer`` and ``reviewed`` (time); their flags
    are computed on that text. Machine translations get the model's ``confidence`` (the flag
    ``low_confidence`` below the profile's threshold) and, from ``suggest``, the reviewed
    translations of similar sentences (``suggestions``)."""
    human = human or {}
    by_sentence: dict[tuple[int, int], list[Segment]] = {}
    for seg in segments:
        by_sentence.setdefault((seg.block, seg.sentence), []).append(seg)
    paragraphs = []
    for b, block in enumerate(doc.blocks):
        pid = f"p{b + 1}"
        paragraph = {"id": pid, "kind": block.kind, **({"role": block.role} if block.role else {}),
                     "span": list(block.span), "source": block.text}
        sentences = []
        for s, sent in enumerate(block.sentences):
            record = {"id": f"{pid}.s{s + 1}", "span": list(sent.span), "source": sent.text}
            if sent.dateline:
                record["dateline"] = True
            if outputs is not None:
                reviewed = human.get(human_key(sent.text)) if human else None
                if reviewed is not None:
                    record.update({"target": reviewed.text, "origin": "human", "reviewer": reviewed.reviewer,
                                   "reviewed": reviewed.time})
                elif any(seg.human for seg in by_sentence[(b, s)]):
                    raise ValueError(f"{pid}.s{s + 1} was planned as human but no human translation was given "
                                     "(pass the same mapping to plan and assemble)")
                else:
                    record.update(_translation(by_sentence[(b, s)], outputs))
                    found = suggest(sent.text) if suggest and not record.get("copied") else []
                    if found:
                        record["suggestions"] = found
                # text carried over as it is (no Arabic, or site furniture) has no translation to judge
                record["flags"] = [] if record.get("copied") else flag_sentence(
                    sent.text, record["target"], hit_limit=record.get("hit_limit", False),
                    notes=record.get("notes", ()), glossary=glossary, confidence=record.get("confidence"),
                    low_confidence=low_confidence)
            sentences.append(record)
        if outputs is not None:
            paragraph["target"] = _join(x["target"] for x in sentences)
        paragraph["sentences"] = sentences
        paragraphs.append(paragraph)
    return paragraphs


def _translation(parts: Sequence[Segment], outputs: Mapping[str, Output]) -> dict:
    targets = [outputs[p.model_input].text if p.model_input else p.source for p in parts]
    record: dict = {"target": _join(targets)}
    if all(p.model_input is None for p in parts):
        record["copied"] = True  # no Arabic: carried over untranslated
    if any(p.model_input and outputs[p.model_input].hit_limit for p in parts):
        record["hit_limit"] = True
    scored = [outputs[p.model_input] for p in parts if p.model_input]
    if scored and all(o.logprob is not None for o in scored) and sum(o.tokens for o in scored):
        mean = sum(o.logprob for o in scored) / sum(o.tokens for o in scored)  # token-weighted over the pieces
        record["confidence"] = round(math.exp(mean), 4)
        record["logprob"] = round(mean, 4)
    notes = sorted({note for p in parts if p.model_input for note in outputs[p.model_input].notes})
    if notes:
        record["notes"] = notes  # what the backend reported, e.g. an LLM's per-sentence retry or refusal
    if len(parts) > 1:
        record["segments"] = [{"span": list(p.span), "source": p.source, "target": t} for p, t in zip(parts, targets)]
    return record

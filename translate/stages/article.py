"""One article through the pipeline, around translation and summarizing (which the runners do for
a window of articles at once): ``prepare`` (read, segment, plan segments), ``plan_summary`` (the
article's summary, or the plan that makes it) and ``build_record`` (the canonical record, whose
schema ``translate.record`` owns, and its counts). Its views are ``outputs``' business."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from .. import __version__
from ..backends.base import Backend, Context, Output
from ..backends.stack import Stack
from ..config import Profile
from ..errors import TooLargeError
from ..reading.files import MIN_ARABIC_LETTERS, read_document
from ..record import SCHEMA, Human, confidence_summary, flagged_count, human_key, title_target
from ..text.segment import Document, segment
from .align import Segment, plan
from .cited import cited_plan
from .flags import Glossary
from .summarize import Candidate, Summary, SummaryPlan, abstractive_plan, extractive


@dataclass
class Prepared:
    key: str
    doc: Document
    segments: list[Segment]
    budget: int
    timings: dict = field(default_factory=dict)
    contexts: dict = field(default_factory=dict)  # model input -> backends.base.Context
    human: dict = field(default_factory=dict)  # sentence key -> record.Human (reviewed translations)
    suggestions: dict = field(default_factory=dict)  # sentence text -> reviewed translations of similar ones

    @property
    def inputs(self) -> list[str]:
        return [s.model_input for s in self.segments if s.model_input]


def prepare(path: Path, *, key: str, translator, budget: int, explicit: bool = False, max_characters: int = 0,
            min_arabic_letters: int = MIN_ARABIC_LETTERS,
            human_lookup: Callable[[list[str]], Mapping[str, Human]] | None = None,
            suggest: Callable[[str], list[dict]] | None = None, patterns=None) -> Prepared:
    """Read, segment and plan one article. ``max_characters`` (0: no limit): a longer article is
    refused with a clear error, never cut; ``min_arabic_letters``: one with fewer Arabic letters is
    refused as not Arabic (``reading.files.check_arabic``). ``human_lookup``: reviewers'
    translations by sentence key (the translation memory's); those sentences are never sent to the
    model. ``suggest``: reviewed translations of sentences similar to one
    (``suggest.SuggestionIndex``). ``patterns``: the profile's patterns for a source's furniture
    (``InputOptions.patterns()``)."""
    started = time.perf_counter()
    _check_size(path, max_characters)
    raw = read_document(path, explicit=explicit, min_arabic_letters=min_arabic_letters)
    if max_characters and len(raw.text) > max_characters:
        raise _too_large(f"{len(raw.text):,} characters", max_characters)
    doc = segment(raw, patterns=patterns)
    human = human_lookup([human_key(s.text) for b in doc.blocks for s in b.sentences]) if human_lookup else {}
    segments = plan(doc, count=translator.count_tokens, budget=budget, human=human)
    suggestions = {}
    if suggest is not None:
        for block in doc.blocks:
            for sentence in block.sentences:
                if human_key(sentence.text) not in human and (found := suggest(sentence.text)):
                    suggestions[sentence.text] = found
    return Prepared(key, doc, segments, budget, {"segment_s": time.perf_counter() - started},
                    contexts=contexts(doc, segments), human=dict(human), suggestions=suggestions)


# Bytes a character can take at most: 4 in UTF-8 (UTF-16/32 likewise); a web page's markup around
# its text is allowed 4 times more. A file over that is refused before it is read.
_BYTES_PER_CHARACTER = {".html": 16, ".htm": 16}


def _check_size(path: Path, max_characters: int) -> None:
    if not max_characters:
        return
    try:
        size = path.stat().st_size
    except OSError:
        return  # reading it reports the reason
    if size > max_characters * _BYTES_PER_CHARACTER.get(path.suffix.lower(), 4):  # refused without reading it
        factor = _BYTES_PER_CHARACTER.get(path.suffix.lower(), 4)
        raise _too_large(f"{size:,} bytes (over {size // factor:,} characters)", max_characters)


def _too_large(found: str, limit: int) -> TooLargeError:
    return TooLargeError(f"is too large to process: {found}, more than the profile's limit of {limit:,} characters",
                         "split the file into articles, or raise input.max_characters in models.yaml")


def contexts(doc: Document, segments: list[Segment]) -> dict[str, Context]:
    """Each model input's paragraph, the article's title and the paragraph before (for backends
    that translate in context; sequence-to-sequence models ignore it)."""
    by_block: dict[int, list[str]] = {}
    for seg in segments:
        if seg.model_input:
            by_block.setdefault(seg.block, []).append(seg.model_input)
    found: dict[str, Context] = {}
    for block, inputs in by_block.items():
        previous = doc.blocks[block - 1].text if block > 0 else None
        paragraph = Context(paragraph=tuple(inputs), title=doc.title, previous=previous)
        for text in inputs:
            found.setdefault(text, paragraph)
    return found


def plan_summary(doc: Document, paragraphs: list[dict], profile: Profile,
                 summarizer: Callable[[], Stack]) -> Summary | SummaryPlan:
    """The article's summary (``none``, ``extractive``), or for ``abstractive`` the plan that makes
    it (run with ``summarize.run_plans``, together with other articles' plans). ``summarizer``: the
    summary model's stack, loaded only when an abstractive summary needs it."""
    method = profile.summary.method
    body = [p for p, block in zip(paragraphs, doc.blocks) if block.kind == "body"]
    if method == "none":
        return Summary("", "none", None, ())
    candidates = [Candidate(p["id"], s["id"], s["source"], s["target"]) for p in body for s in p["sentences"]
                  if not s.get("dateline") and not s.get("copied")]

    def extractive_summary() -> Summary:
        return extractive(candidates, sentences=profile.summary.sentences)

    if method == "extractive":
        return extractive_summary()
    english = [(p["id"], " ".join(s["target"] for s in p["sentences"] if not s.get("dateline"))) for p in body]
    stack = summarizer()
    if profile.summary.llm is not None:  # an instruction LLM: sentences that cite their paragraphs
        return cited_plan(english, count=stack.top.count_tokens, sentences=profile.summary.sentences,
                          limit=stack.budget, model=profile.summary.model, fallback=extractive_summary)
    return abstractive_plan(english, count=stack.top.count_tokens, model=profile.summary.model, limit=stack.budget,
                            fallback=extractive_summary)


def _summary_provenance(summary: Summary, summarizer: Callable[[], Stack]) -> dict:
    if summary.method == "abstractive":
        return summarizer().model.provenance()
    if summary.fallback_from:
        return {"method": summary.method, "fallback_from": summary.fallback_from, "reason": summary.reason,
                "summarizer": summarizer().model.provenance()}
    return {"method": summary.method}


def signature(profile: Profile, translation: dict) -> str:
    """One line saying what produced an output, in the spirit of sacrebleu's signatures."""
    gen = profile.translation.generation
    revision = translation.get("resolved_revision") or translation.get("revision") or "local"
    parts = [f"translate:{__version__}", f"mt:{translation['model']}@{revision}", f"backend:{translation['backend']}"]
    family = translation.get("family") or {}
    if family:
        tags = "/".join(str(family[k]) for k in ("source_lang", "target_lang") if family.get(k))
        parts.append(f"family:{family['name']}" + (f"({tags})" if tags else ""))
    if translation.get("compute_type"):
        parts.append(f"compute:{translation['compute_type']}")
    parts += [f"device:{translation['device']}", f"beams:{gen.num_beams}",
              f"budget:{profile.translation.max_input_tokens}", f"summary:{profile.summary.method}"]
    if profile.summary.method == "abstractive":
        parts.append(f"sum:{profile.summary.model}")
    return "|".join(parts)


def build_record(prepared: Prepared, outputs: Mapping[str, Output], paragraphs: list[dict], summary: Summary, *,
                 profile: Profile, translator: Backend, summarizer: Callable[[], Stack], glossary: Glossary | None,
                 settings_hash: str) -> tuple[dict, dict]:
    """The canonical record and its counts and timings, from the aligned paragraphs and the summary.
    ``translator``: the translation model (its provenance); ``summarizer``: the summary stack."""
    doc, segments = prepared.doc, prepared.segments
    translation = translator.provenance()
    record = {
        "schema": SCHEMA,
        "source": {"path": prepared.key, "sha256": doc.sha256, "encoding": doc.encoding, "format": doc.format,
                   "characters": len(doc.text), "line_wrap": doc.line_wrap.as_record() if doc.line_wrap else None},
        "source_lang": "ar", "target_lang": "en",
        "title": doc.title, "title_target": title_target(paragraphs),
        "date": doc.date,
        "time": doc.time,  # when the date line has one, with its offset as written
        "date_hijri": doc.date_hijri,  # a Hijri date as written, beside the Gregorian one
        "summary": summary.as_record(),
        "confidence": confidence_summary(paragraphs),
        "paragraphs": paragraphs,
        "provenance": {
            "signature": signature(profile, translation),
            "tool": {"name": "translate", "version": __version__},
            "profile": profile.name,
            "settings_hash": settings_hash,
            "translation": translation,
            "summary": _summary_provenance(summary, summarizer),
            "token_budget": prepared.budget,
            "glossary": glossary.path if glossary else None,
            "low_confidence": profile.translation.low_confidence,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        },
    }
    inputs = prepared.inputs
    counts = {
        "paragraphs": len(paragraphs),
        "body_paragraphs": sum(p["kind"] == "body" for p in paragraphs),
        "sentences": sum(len(p["sentences"]) for p in paragraphs),
        "segments": len(segments),
        "split_sentences": sum(1 for p in paragraphs for s in p["sentences"] if "segments" in s),
        "source_characters": len(doc.text),
        "target_tokens": sum(outputs[i].tokens for i in inputs),
        "flagged_sentences": flagged_count(record),
    }
    return record, {"counts": counts, "timings": {k: round(v, 3) for k, v in prepared.timings.items()}}

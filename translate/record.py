"""The article record: the one model of what an article became, asked by every writer, the review
commands and the runners instead of each re-deriving it.

The record is JSON on disk (schema ``translate.article/1``); in memory it stays the same plain
dict (readers of ``/1`` files need no conversion), described here by ``TypedDict``s, with the
small vocabulary every reader needs:

* a sentence's **origin** — ``machine`` (the model's), ``human`` (an imported review correction,
  which wins over the model on every later run), ``copied`` (no Arabic: carried over untranslated)
  — and whether it is **flagged** (a quality flag, ``FLAGS``) or **to review** (flagged and not
  reviewed);
* a paragraph's **label** (its kind and metadata role, for tables and for people);
* the **review counts** of a record (what ``review status`` and the indexes show);
* the **human key** of a sentence: the normalized Arabic a reviewer's translation is stored under,
  so it applies to that sentence in every article;
* ``Human``: a reviewer's translation as the translation memory holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, TypedDict

from .text.normalize import for_model

SCHEMA = "translate.article/1"

# Quality flags, in the order they are raised (stages.flags computes them).
FLAGS = {
    "untranslated": "Arabic script left in the English",
    "number_mismatch": "a number in the source is missing from the English",
    "length_ratio": "English implausibly short or long for the source",
    "repetition": "repetition loop in the English",
    "empty": "no English for Arabic text",
    "hit_limit": "hit the generation length limit (possibly cut off)",
    "glossary": "glossary term not rendered as specified",
    "refusal": "the model (an instruction LLM) refused to translate",
    "suspicious_output": "the English has markup, links, code or instructions that the source does not have",
    "low_confidence": "the model was unsure of this translation (confidence below the profile's threshold)",
}

# What a sentence's confidence is: the model's own probability of its output, per token.
CONFIDENCE_MEASURE = ("geometric-mean token probability of the model's output (exp of the mean token "
                      "log-probability; the model's own certainty, not a guarantee of correctness)")

ORIGINS = ("machine", "human", "copied")

# What people read for a paragraph kind (the record keeps the kind itself).
KIND_NAMES = {"title": "title", "date": "date line", "heading": "heading", "body": "", "meta": "metadata",
              "chrome": "site furniture"}


class SentenceRecord(TypedDict, total=False):
    id: str  # p3.s1
    span: list[int]  # [start, end) in the decoded source text
    source: str
    target: str
    flags: list[str]
    origin: str  # "human" when a reviewer's translation (absent otherwise)
    reviewer: str | None
    reviewed: str  # when the human translation was imported (ISO 8601)
    copied: bool  # no Arabic: carried over untranslated
    dateline: bool  # the opening dateline of the article's first body paragraph
    hit_limit: bool
    confidence: float  # machine translations: the model's geometric-mean token probability, 0-1
    logprob: float  # ... and its mean token log-probability (what confidence is exp of)
    suggestions: list[dict]  # reviewed translations of similar sentences: source, target, similarity, reviewer
    notes: list[str]  # what the backend reported (an LLM's retry or refusal)
    segments: list[dict]  # the pieces of a sentence split to fit the model: span, source, target


class ParagraphRecord(TypedDict, total=False):
    id: str  # p3
    kind: str  # title, date, heading, body, meta, chrome
    role: str  # the metadata role (source, photo, byline...)
    span: list[int]
    source: str
    target: str
    sentences: list[SentenceRecord]


class ArticleRecord(TypedDict, total=False):
    schema: str
    source: dict  # path, sha256, encoding, format, characters, line_wrap
    source_lang: str
    target_lang: str
    title: str | None
    title_target: str | None
    date: str | None  # ISO date of the article (from its header's date line, or dateline)
    time: str | None  # the date line's time, with its offset when written (19:06:41+00:00)
    date_hijri: str | None  # a Hijri date as written beside the Gregorian one
    confidence: dict  # the model's: measure, sentences, min, mean
    duplicates_of: list[dict]  # republications of the same story: article, similarity
    summary: dict  # text, method, model, sentences[, fallback_from, reason]
    paragraphs: list[ParagraphRecord]
    provenance: dict


@dataclass(frozen=True)
class Human:
    """A reviewer's translation of one sentence."""

    text: str
    reviewer: str | None
    time: str  # ISO 8601, UTC, when it was imported
    file: str  # the corrections file it came from
    source: str = ""  # the Arabic sentence as it was corrected
    replaced: str | None = None  # the translation it replaced (machine or an earlier human one)


def human_key(source: str) -> str:
    """The key of a sentence's human translation: its normalized Arabic (what the model would see)."""
    return for_model(source)


# ---------------------------------------------------------------- sentences


def sentences(record: ArticleRecord) -> Iterator[tuple[ParagraphRecord, SentenceRecord]]:
    """(paragraph, sentence) of every sentence of the record, in article order."""
    for paragraph in record["paragraphs"]:
        for sentence in paragraph["sentences"]:
            yield paragraph, sentence


def origin(sentence: SentenceRecord) -> str:
    """``human``, ``copied`` (no Arabic: carried over) or ``machine``."""
    if sentence.get("origin") == "human":
        return "human"
    return "copied" if sentence.get("copied") else "machine"


def is_human(sentence: SentenceRecord) -> bool:
    return origin(sentence) == "human"


def is_copied(sentence: SentenceRecord) -> bool:
    return origin(sentence) == "copied"


def is_final(sentence: SentenceRecord) -> bool:
    """Needs no review: a human translation, or text carried over as it is."""
    return origin(sentence) != "machine"


def flags(sentence: SentenceRecord) -> list[str]:
    return list(sentence.get("flags", []))


def is_flagged(sentence: SentenceRecord) -> bool:
    return bool(sentence.get("flags"))


def confidence(sentence: SentenceRecord) -> float | None:
    """The model's confidence in a machine translation (0-1), None for human and copied text and
    for backends that cannot say."""
    value = sentence.get("confidence")
    return value if isinstance(value, (int, float)) and origin(sentence) == "machine" else None


def confidence_summary(record_paragraphs: list[ParagraphRecord]) -> dict:
    """The article's confidence: the measure, its minimum and mean over machine sentences."""
    values = [c for p in record_paragraphs for s in p["sentences"] if (c := confidence(s)) is not None]
    return {"measure": CONFIDENCE_MEASURE, "sentences": len(values),
            "min": round(min(values), 4) if values else None,
            "mean": round(sum(values) / len(values), 4) if values else None}


def flag_reason(flag: str) -> str:
    """What a flag means, for people (an unknown flag stands for itself)."""
    return FLAGS.get(flag, flag)


def reviewed_by(sentence: SentenceRecord) -> str:
    """``human translation by NAME (TIME)`` for a human translation, else ``""``."""
    if not is_human(sentence):
        return ""
    return (f"human translation by {sentence.get('reviewer') or 'a reviewer'} "
            f"({sentence.get('reviewed') or 'time unknown'})")


def reviewable(record: ArticleRecord) -> list[tuple[ParagraphRecord, SentenceRecord]]:
    """The sentences a reviewer can act on: every one but text carried over as it is."""
    return [(p, s) for p, s in sentences(record) if not is_copied(s)]


def translated_pairs(record: ArticleRecord) -> list[tuple[str, str, str]]:
    """(sentence id, Arabic, English) of every translated sentence (machine or human, non-empty)."""
    return [(s["id"], s["source"], s["target"]) for _, s in sentences(record) if not is_copied(s) and s.get("target")]


# ---------------------------------------------------------------- paragraphs


def label(paragraph: ParagraphRecord) -> str:
    """``kind`` or ``kind/role``: the paragraph's label in tables and data (``meta/photo``)."""
    return paragraph["kind"] + (f"/{paragraph['role']}" if paragraph.get("role") else "")


def label_for_people(paragraph: ParagraphRecord) -> str:
    """The label as a reader sees it: ``metadata: photo``, ``date line``; ``""`` for body text."""
    name = KIND_NAMES.get(paragraph["kind"], paragraph["kind"])
    role = paragraph.get("role")
    return f"{name}: {role}" if name and role else (name or role or "")


def title_target(paragraphs: list[ParagraphRecord]) -> str | None:
    return next((p.get("target") for p in paragraphs if p["kind"] == "title"), None)


def all_copied(paragraph: ParagraphRecord) -> bool:
    return all(is_copied(s) for s in paragraph["sentences"])


# ---------------------------------------------------------------- review counts

COUNT_NAMES = ("sentences", "reviewed", "flagged", "to_review", "pending", "low_confidence")


def review_counts(record: ArticleRecord, human: Mapping[str, Human] | None = None) -> dict[str, int]:
    """``sentences``, ``reviewed``, ``flagged``, ``to_review``, ``pending``, ``low_confidence`` (not
    reviewed) of one record, counted
    over the sentences a reviewer can act on. ``human``: reviewers' translations from the memory by
    ``human_key`` (none: the record alone); ``pending`` are those not in the record yet (the next
    batch puts them there). ``to_review`` is the reviewer's to-do list: flagged and not reviewed."""
    counts = dict.fromkeys(COUNT_NAMES, 0)
    for _, s in sentences(record):
        in_memory = (human or {}).get(human_key(s["source"]))
        if is_copied(s) and not in_memory:
            continue
        in_record = is_human(s)
        reviewed = in_record or in_memory is not None
        counts["sentences"] += 1
        counts["reviewed"] += reviewed
        counts["pending"] += in_memory is not None and not (in_record and s.get("target") == in_memory.text)
        counts["flagged"] += is_flagged(s)
        counts["to_review"] += is_flagged(s) and not reviewed
        counts["low_confidence"] += "low_confidence" in flags(s) and not reviewed
    return counts


def flagged_count(record: ArticleRecord) -> int:
    return sum(1 for _, s in sentences(record) if is_flagged(s))

"""``translate review status OUT``: what is left to review, per article and in total.

Counted over the sentences a reviewer can act on (sentences with no Arabic, carried over as they
are, are left out): ``reviewed`` have a human translation — in the article's record, or imported
into the translation memory since (``pending``: the next ``translate batch`` puts them in the
outputs); ``flagged`` have a quality flag; ``to_review`` are flagged and not reviewed, the
reviewer's to-do list.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping

from ..memory import Human, TranslationMemory, human_key
from .importing import Batch


@dataclass(frozen=True)
class ArticleStatus:
    article: str
    sentences: int = 0
    reviewed: int = 0
    flagged: int = 0
    to_review: int = 0
    pending: int = 0


@dataclass(frozen=True)
class StatusReport:
    articles: tuple[ArticleStatus, ...]

    @property
    def total(self) -> ArticleStatus:
        sums = {f.name: sum(getattr(a, f.name) for a in self.articles) for f in fields(ArticleStatus) if f.name != "article"}
        return ArticleStatus("total", **sums)


def review_counts(record: dict, human: Mapping[str, Human] | None = None) -> dict[str, int]:
    """``sentences``, ``reviewed``, ``flagged``, ``to_review``, ``pending`` of one article record;
    ``human``: human translations from the memory by ``human_key`` (none: the record alone). The
    integrator's manifest ``to_review`` is ``review_counts(record)["to_review"]``."""
    counts = dict.fromkeys(("sentences", "reviewed", "flagged", "to_review", "pending"), 0)
    for paragraph in record["paragraphs"]:
        for s in paragraph["sentences"]:
            in_memory = (human or {}).get(human_key(s["source"]))
            if s.get("copied") and not in_memory:
                continue
            in_record = s.get("origin") == "human"
            pending = in_memory is not None and not (in_record and s.get("target") == in_memory.text)
            reviewed = in_record or in_memory is not None
            counts["sentences"] += 1
            counts["reviewed"] += reviewed
            counts["pending"] += pending
            counts["flagged"] += bool(s.get("flags"))
            counts["to_review"] += bool(s.get("flags")) and not reviewed
    return counts


def review_status(out: Path, *, memory_path: Path | None = None) -> StatusReport:
    """Counts for every finished article of ``out``; the human translations imported since the
    last batch are read from ``memory_path`` (default: OUT/translation-memory.sqlite, if present)."""
    from ..runners.common import MEMORY_FILE

    batch = Batch(out)
    memory_path = memory_path or out / MEMORY_FILE
    human: dict[str, Human] = {}
    if memory_path.is_file():
        memory = TranslationMemory(memory_path)
        try:
            human = memory.human_lookup(human_key(s["source"]) for sentences in batch.sentences.values()
                                        for s in sentences.values())
        finally:
            memory.close()
    return StatusReport(tuple(ArticleStatus(key, **review_counts(record, human))
                              for key, record in sorted(batch.records.items())))


def render_status(report: StatusReport) -> str:
    """The status as an aligned text table, articles in name order, then the total."""
    header = ("article", "sentences", "reviewed", "flagged", "to review", "pending")
    rows = [(a.article, a.sentences, a.reviewed, a.flagged, a.to_review, a.pending)
            for a in (*report.articles, report.total)]
    width = max(len(header[0]), *(len(r[0]) for r in rows))

    def line(row: tuple) -> str:
        return f"{row[0]:<{width}}  " + "  ".join(f"{v:>{len(h)}}" for v, h in zip(row[1:], header[1:]))

    rule = "-" * len(line(header))
    out = [line(header), rule, *(line(r) for r in rows[:-1]), rule, line(rows[-1])]
    if report.total.pending:
        out.append(f"{report.total.pending} imported correction(s) are not in the outputs yet: run `translate batch` again")
    return "\n".join(out) + "\n"

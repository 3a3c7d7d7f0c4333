"""``translate review status OUT``: what is left to review, per article and in total.

Counted over the sentences a reviewer can act on (sentences with no Arabic, carried over as they
are, are left out): ``reviewed`` have a human translation — in the article's record, or imported
into the translation memory since (``pending``: the next ``translate batch`` puts them in the
outputs); ``flagged`` have a quality flag; ``to_review`` are flagged and not reviewed, the
reviewer's to-do list; ``unsure`` (``low_confidence``) are those flagged because the model was unsure
of its translation. Articles are listed by risk: most to review first.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from ..memory import MEMORY_FILE, TranslationMemory
from ..record import Human, human_key, review_counts
from .importing import Batch


@dataclass(frozen=True)
class ArticleStatus:
    article: str
    sentences: int = 0
    reviewed: int = 0
    flagged: int = 0
    to_review: int = 0
    pending: int = 0
    low_confidence: int = 0  # flagged low_confidence and not reviewed

    @property
    def risk(self) -> tuple:
        """Most to do first: flagged and not reviewed, then unsure."""
        return (-self.to_review, -self.low_confidence, self.article)


@dataclass(frozen=True)
class StatusReport:
    articles: tuple[ArticleStatus, ...]

    @property
    def total(self) -> ArticleStatus:
        sums = {f.name: sum(getattr(a, f.name) for a in self.articles)
                for f in fields(ArticleStatus) if f.name != "article"}
        return ArticleStatus("total", **sums)


def review_status(out: Path, *, memory_path: Path | None = None) -> StatusReport:
    """Counts for every finished article of ``out``; the human translations imported since the
    last batch are read from ``memory_path`` (default: OUT/translation-memory.sqlite, if present)."""
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
    articles = [ArticleStatus(key, **review_counts(record, human)) for key, record in batch.records.items()]
    return StatusReport(tuple(sorted(articles, key=lambda a: a.risk)))


def render_status(report: StatusReport) -> str:
    """The status as an aligned text table, the articles with most to review first, then the total."""
    header = ("article", "sentences", "reviewed", "flagged", "to review", "unsure", "pending")
    rows = [(a.article, a.sentences, a.reviewed, a.flagged, a.to_review, a.low_confidence, a.pending)
            for a in (*report.articles, report.total)]
    width = max(len(header[0]), *(len(r[0]) for r in rows))

    def line(row: tuple) -> str:
        return f"{row[0]:<{width}}  " + "  ".join(f"{v:>{len(h)}}" for v, h in zip(row[1:], header[1:]))

    rule = "-" * len(line(header))
    out = [line(header), rule, *(line(r) for r in rows[:-1]), rule, line(rows[-1])]
    if report.total.pending:
        out.append(f"{report.total.pending} imported correction(s) are not in the outputs yet: "
                   "run `translate batch` again")
    return "\n".join(out) + "\n"

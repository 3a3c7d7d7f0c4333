"""BLEU and chrF++ with sacrebleu's Python API: the same numbers and signatures as
``sacrebleu REF -i HYP -m bleu chrf --chrf-word-order 2`` on the files written one sentence per line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Scores:
    """Corpus scores (0-100, full precision) and sacrebleu's signatures, e.g.
    ``nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0``."""

    bleu: float
    chrf: float  # chrF++: chrF with word_order=2
    bleu_signature: str
    chrf_signature: str
    sentences: int


def score(hypotheses: Sequence[str], references: Sequence[str]) -> Scores:
    """Score ``hypotheses`` against one reference each (same order, same length).

    Raises ``ValueError`` when the lengths differ or there is nothing to score: that is a caller's
    bug, not a user's (``load_references`` already refuses empty reference sets)."""
    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    if not hypotheses:
        raise ValueError("nothing to score: no hypotheses")
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf = BLEU(), CHRF(word_order=2)
    bleu_score = bleu.corpus_score(hypotheses, [references])
    chrf_score = chrf.corpus_score(hypotheses, [references])
    return Scores(bleu=bleu_score.score, chrf=chrf_score.score, bleu_signature=str(bleu.get_signature()),
                  chrf_signature=str(chrf.get_signature()), sentences=len(hypotheses))

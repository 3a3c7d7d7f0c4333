"""How well the model's confidence predicts quality on the user's references, and the threshold
to set: per sentence, the confidence (``record.confidence``: the geometric-mean token probability)
against sentence-level chrF++ (sacrebleu), as Pearson and Spearman correlation, and the
confidence under which a chosen share of the sentences fall (``translation.low_confidence``).
Plain Python: a few hundred sentences need no statistics package."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

FLAGGED_SHARE = 0.10  # the share of sentences the suggested threshold flags


@dataclass(frozen=True)
class Calibration:
    sentences: int  # sentences with a confidence
    pearson: float | None
    spearman: float | None
    threshold: float | None  # low_confidence that flags ``share`` of the sentences
    share: float = FLAGGED_SHARE


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    if n < 3:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx, syy = sum((a - mx) ** 2 for a in x), sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else None


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def calibrate(confidences: Sequence[float | None], hypotheses: Sequence[str], references: Sequence[str], *,
              share: float = FLAGGED_SHARE) -> Calibration:
    """Correlations of confidence with sentence chrF++ over the sentences that have a confidence,
    and the threshold under which ``share`` of them fall."""
    from sacrebleu.metrics import CHRF

    chrf = CHRF(word_order=2)
    kept = [(c, h, r) for c, h, r in zip(confidences, hypotheses, references) if c is not None]
    if not kept:
        return Calibration(0, None, None, None, share)
    scores = [chrf.sentence_score(h, [r]).score for _, h, r in kept]
    values = [c for c, _, _ in kept]
    ordered = sorted(values)
    cut = ordered[min(len(ordered) - 1, int(share * len(ordered)))]
    return Calibration(len(kept), pearson(values, scores), pearson(ranks(values), ranks(scores)), round(cut, 4), share)

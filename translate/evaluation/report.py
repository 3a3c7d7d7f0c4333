"""``translate eval`` results: one row per profile, as a Markdown table and as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from .calibration import Calibration
from .references import References
from .scoring import Scores

SCHEMA = "translate.eval/1"


@dataclass(frozen=True)
class EvalResult:
    """One profile's run over the references: quality (``scores``) and speed."""

    profile: str
    model: str  # Hub id or folder of the translation model
    backend: str  # ctranslate2 | transformers
    scores: Scores
    seconds: float  # wall time of translating the sources (model loading excluded)
    target_tokens: int  # tokens the model generated, in its own tokenizer
    sentences: int
    hypotheses: tuple[str, ...] = field(default=(), repr=False)  # the translations, in reference order
    calibration: Calibration | None = None  # the model's confidence against sentence chrF++

    @property
    def tokens_per_second(self) -> float | None:
        """Target tokens per second, or None when no time was measured."""
        return self.target_tokens / self.seconds if self.seconds > 0 else None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(results: Sequence[EvalResult]) -> str:
    """A Markdown table (rows in the order given), then sacrebleu's signatures."""
    lines = ["| profile | model | backend | BLEU | chrF++ | target tok/s | seconds | sentences |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in results:
        speed = f"{r.tokens_per_second:.1f}" if r.tokens_per_second is not None else "-"
        lines.append(f"| {_cell(r.profile)} | {_cell(r.model)} | {_cell(r.backend)} | {r.scores.bleu:.1f} | "
                     f"{r.scores.chrf:.1f} | {speed} | {r.seconds:.2f} | {r.sentences} |")
    if any(r.calibration is not None for r in results):
        lines.append("")
    for r in results:
        c = r.calibration
        if c is None:
            continue
        if not c.sentences:
            lines.append(f"confidence ({r.profile}): the backend gives none")
            continue
        corr = ", ".join(f"{name} {value:.2f}" for name, value in (("Pearson", c.pearson), ("Spearman", c.spearman))
                         if value is not None) or "too few sentences"
        lines.append(f"confidence ({r.profile}) vs sentence chrF++: {corr}; low_confidence: {c.threshold} flags the "
                     f"least confident {c.share:.0%} of {c.sentences} sentences")
    lines.append("")
    for metric, attribute in (("BLEU", "bleu_signature"), ("chrF++", "chrf_signature")):
        signatures = {getattr(r.scores, attribute) for r in results}
        if len(signatures) == 1:
            lines.append(f"{metric} signature: {signatures.pop()}")
        else:
            lines.extend(f"{metric} signature ({r.profile}): {getattr(r.scores, attribute)}" for r in results)
    return "\n".join(lines) + "\n"


def as_json(results: Sequence[EvalResult], references: References) -> dict:
    """Everything in the table at full precision, plus where the references came from."""
    return {
        "schema": SCHEMA,
        "references": {"origin": references.origin, "sentences": len(references.sources)},
        "results": [{
            "profile": r.profile, "model": r.model, "backend": r.backend,
            "bleu": r.scores.bleu, "chrf": r.scores.chrf,
            "bleu_signature": r.scores.bleu_signature, "chrf_signature": r.scores.chrf_signature,
            "seconds": r.seconds, "target_tokens": r.target_tokens, "sentences": r.sentences,
            "tokens_per_second": r.tokens_per_second,
            **({} if r.calibration is None else {"confidence": {
                "sentences": r.calibration.sentences, "pearson_chrf": r.calibration.pearson,
                "spearman_chrf": r.calibration.spearman, "low_confidence_threshold": r.calibration.threshold,
                "flagged_share": r.calibration.share}}),
        } for r in results],
    }

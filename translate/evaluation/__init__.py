"""``translate eval``: read reference translations, score hypotheses with sacrebleu (BLEU, chrF++)
and report quality beside speed. Cheap to import: sacrebleu and lxml load when used."""

from .references import References, arabic_share, load_references
from .report import EvalResult, as_json, render_table
from .scoring import Scores, score

__all__ = ["References", "load_references", "arabic_share", "Scores", "score", "EvalResult", "render_table",
           "as_json"]

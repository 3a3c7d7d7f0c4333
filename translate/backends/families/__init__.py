"""Model families: how a model must be told to translate Arabic into English (or, for a
summarizer, to summarize), detected from the model folder and never guessed.

Each family module looks at a :class:`ModelInfo` (config ``model_type``, tokenizer class,
vocabulary) and returns the :class:`Tagging` to apply, or ``None`` when the model is not of its
family. A model whose languages are known and exclude Arabic source or English target, or whose
family is unknown and may need tags, is refused with :class:`~translate.errors.ModelRefusedError`
(exit code 2) before any article is read. Profiles override the detection with ``source_lang``,
``target_lang`` and ``prefix``.
"""

from __future__ import annotations

from . import m2m100, marian, mbart, nllb, plain, t5
from .base import ModelInfo, Overrides, Tagging, refusal

__all__ = ["ModelInfo", "Overrides", "Tagging", "detect"]
_FAMILIES = (nllb, m2m100, mbart, marian, t5, plain)  # nllb before m2m100: the same model_type


def detect(info: ModelInfo, *, role: str, overrides: Overrides = Overrides()) -> Tagging:  # noqa: B008 - frozen
    """The tagging for ``info`` in ``role`` ("translation" or "summary"), with the profile's overrides."""
    for family in _FAMILIES:
        tagging = family.detect(info, role=role, overrides=overrides)
        if tagging is not None:
            return tagging
    if overrides.source_lang or overrides.target_lang:
        raise refusal(info, role, f"its family ({info.model_type}) has no language tokens this tool knows how to "
                      "set, so source_lang / target_lang cannot be applied",
                      f"remove them and set `{role}.prefix` to what the model expects before the text")
    if overrides.prefix is not None:
        return Tagging(family=info.model_type or "unknown", prefix=overrides.prefix, detected_by="profile")
    raise refusal(info, role, f"its family cannot be determined (model_type {info.model_type!r}, tokenizer "
                  f"{info.tokenizer_class}), and such a model may need language tags or a task prefix",
                  f"set `{role}.prefix` in models.yaml to what the model expects before the text (\"\" if "
                  "nothing), or choose a model of a supported family (README \"Choosing a model\")")

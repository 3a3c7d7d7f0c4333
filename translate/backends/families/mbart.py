"""mBART-50 (``facebook/mbart-large-50-*``, also mBART-cc25): the tokenizer adds ``ar_AR`` once
``src_lang`` is set; generation must start with ``en_XX`` (the many-to-one model too)."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging, pick

CODE = r"[a-z]{2}_[A-Z]{2}"


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type != "mbart":
        return None
    source = pick(info, role, wanted=overrides.source_lang, candidates=("ar_AR",), side="source", fmt="{}",
                  code=CODE, setting="source_lang")
    target = pick(info, role, wanted=overrides.target_lang, candidates=("en_XX",), side="target", fmt="{}",
                  code=CODE, setting="target_lang")
    return Tagging(family="mbart50", source_lang=source, target_lang=target, src_lang=source,
                   prefix=overrides.prefix or "", target_token=target)

"""mBART-50 (``facebook/mbart-large-50-*``, also mBART-cc25): the tokenizer adds ``ar_AR`` once
``src_lang`` is set; generation must start with ``en_XX`` (the many-to-one model too)."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging, language_tagged

CODE = r"[a-z]{2}_[A-Z]{2}"


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type != "mbart":
        return None
    return language_tagged(info, role, overrides, family="mbart50", sources=("ar_AR",), targets=("en_XX",),
                           fmt="{}", code=CODE)

"""M2M-100 (``facebook/m2m100_*``): the tokenizer adds ``__ar__`` before the text once ``src_lang``
is set; generation must start with ``__en__``."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging, language_tagged

CODE = r"[a-z]{2,3}"


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type != "m2m_100":
        return None
    return language_tagged(info, role, overrides, family="m2m100", sources=("ar",), targets=("en",),
                           fmt="__{}__", code=CODE)

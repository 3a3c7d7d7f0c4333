"""M2M-100 (``facebook/m2m100_*``): the tokenizer adds ``__ar__`` before the text once ``src_lang``
is set; generation must start with ``__en__``."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging, pick

CODE = r"[a-z]{2,3}"


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type != "m2m_100":
        return None
    source = pick(info, role, wanted=overrides.source_lang, candidates=("ar",), side="source", fmt="__{}__",
                  code=CODE, setting="source_lang")
    target = pick(info, role, wanted=overrides.target_lang, candidates=("en",), side="target", fmt="__{}__",
                  code=CODE, setting="target_lang")
    return Tagging(family="m2m100", source_lang=source, target_lang=target, src_lang=source,
                   prefix=overrides.prefix or "", target_token=f"__{target}__")

"""NLLB-200 (``facebook/nllb-200-*``): model_type m2m_100 with an NLLB tokenizer. The tokenizer
puts the source code (``arb_Arab``) before the text once ``src_lang`` is set (its default is
``eng_Latn``, which would tag Arabic as English); generation must start with ``eng_Latn``."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging, pick

CODE = r"[a-z]{3}_[A-Z][a-z]{3}"
ARABIC = ("arb_Arab", "ary_Arab", "arz_Arab", "apc_Arab", "acm_Arab", "ajp_Arab", "aeb_Arab", "ars_Arab", "acq_Arab")


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type != "m2m_100" or "Nllb" not in info.tokenizer_class:
        return None
    source = pick(info, role, wanted=overrides.source_lang, candidates=ARABIC, side="source", fmt="{}", code=CODE,
                  setting="source_lang")
    target = pick(info, role, wanted=overrides.target_lang, candidates=("eng_Latn",), side="target", fmt="{}",
                  code=CODE, setting="target_lang")
    return Tagging(family="nllb", source_lang=source, target_lang=target, src_lang=source,
                   prefix=overrides.prefix or "", target_token=target)

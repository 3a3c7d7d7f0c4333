"""NLLB-200 (``facebook/nllb-200-*``): model_type m2m_100 with an NLLB tokenizer. The tokenizer
puts the source code (``arb_Arab``) before the text once ``src_lang`` is set (its default is
``eng_Latn``, which would tag Arabic as English); generation must start with ``eng_Latn``."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging, language_tagged

CODE = r"[a-z]{3}_[A-Z][a-z]{3}"
ARABIC = ("arb_Arab", "ary_Arab", "arz_Arab", "apc_Arab", "acm_Arab", "ajp_Arab", "aeb_Arab", "ars_Arab", "acq_Arab")


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type != "m2m_100" or "Nllb" not in info.tokenizer_class:
        return None
    return language_tagged(info, role, overrides, family="nllb", sources=ARABIC, targets=("eng_Latn",),
                           fmt="{}", code=CODE)

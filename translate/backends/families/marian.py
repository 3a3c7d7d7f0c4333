"""OPUS-MT / MarianMT. Single-pair models (``opus-mt-ar-en``) need no tags, but their tokenizer
says the pair (``source_lang``/``target_lang``), and a pair without Arabic source or English target
is refused. Multi-target models (vocabulary with ``>>eng<<``-style tokens) need the target token
before the text."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging, pick, refusal

CODE = r"[a-z]{2,3}(?:_[A-Za-z]+)?"
# ISO 639-1/3 codes and OPUS-MT group codes whose source side can include Arabic / target English.
ARABIC_SOURCES = {"ar", "ara", "arb", "ary", "arz", "apc", "afa", "sem", "mul"}
ENGLISH_TARGETS = {"en", "eng", "gem", "gmw", "ine", "mul"}


def _langs(value: object) -> set[str]:
    """``"ar"``, ``"ar+he"`` or ``"fr_es"`` style pair names -> codes (lower case)."""
    if not isinstance(value, str) or not value.strip():
        return set()
    return {part.strip().lower() for part in value.replace("+", "_").replace(",", "_").split("_") if part.strip()}


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type != "marian":
        return None
    sources = _langs(info.tokenizer_config.get("source_lang"))
    targets = _langs(info.tokenizer_config.get("target_lang"))
    if sources and not sources & ARABIC_SOURCES and overrides.source_lang is None:
        raise refusal(info, role, f"it translates from {'/'.join(sorted(sources))}, not Arabic "
                      "(its tokenizer_config.json source_lang)", "choose an OPUS-MT model whose source is Arabic "
                      "(e.g. Helsinki-NLP/opus-mt-ar-en), or set `translation.source_lang` if the folder is mislabeled")
    multi = any(t.startswith(">>") and t.endswith("<<") for t in info.vocab)
    if multi:
        target = pick(info, role, wanted=overrides.target_lang, candidates=("eng", "en"), side="target",
                      fmt=">>{}<<", code=CODE, setting="target_lang")
        return Tagging(family="marian-multi", source_lang=overrides.source_lang, target_lang=target,
                       prefix=f">>{target}<< " + (overrides.prefix or ""))
    if targets and not targets & ENGLISH_TARGETS and overrides.target_lang is None:
        raise refusal(info, role, f"it translates into {'/'.join(sorted(targets))}, not English "
                      "(its tokenizer_config.json target_lang)", "choose an OPUS-MT model whose target is English "
                      "(e.g. Helsinki-NLP/opus-mt-ar-en)")
    return Tagging(family="marian", source_lang=overrides.source_lang or next(iter(sorted(sources)), None),
                   target_lang=overrides.target_lang or next(iter(sorted(targets)), None),
                   prefix=overrides.prefix or "")

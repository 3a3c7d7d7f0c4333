"""T5-style models: MADLAD-400 translation (a ``<2en>`` token before the text says the target) and
T5 / Flan-T5 summarizers (a task prefix, ``summarize: ``, from the config's
``task_specific_params`` when it has one)."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging, pick, refusal

T5_TYPES = ("t5", "mt5", "umt5", "longt5")
CODE = r"[a-z]{2,3}(?:[_-][A-Za-z]+)?"


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type not in T5_TYPES:
        return None
    if role == "summary":
        configured = (info.config.get("task_specific_params") or {}).get("summarization", {}).get("prefix")
        prefix = overrides.prefix if overrides.prefix is not None else configured or "summarize: "
        return Tagging(family=info.model_type, prefix=prefix,
                       detected_by="profile" if overrides.prefix is not None else
                       "config task_specific_params" if configured else "T5 convention")
    if any(token.startswith("<2") and token.endswith(">") for token in info.vocab):
        if overrides.source_lang is not None:
            raise refusal(info, role, "MADLAD-style models detect the source language themselves: source_lang "
                          "cannot be set", "remove source_lang from the profile")
        target = pick(info, role, wanted=overrides.target_lang, candidates=("en",), side="target", fmt="<2{}>",
                      code=CODE, setting="target_lang")
        prefix = f"<2{target}> " + (overrides.prefix or "")
        return Tagging(family="madlad", target_lang=target, prefix=prefix)
    if overrides.prefix is not None:
        return Tagging(family=info.model_type, prefix=overrides.prefix, detected_by="profile")
    raise refusal(info, role, "it is a T5 model without MADLAD-style <2xx> target tokens, so how to ask it for "
                  "Arabic->English is unknown", f"set `{role}.prefix` to the instruction it was trained with "
                  "(e.g. \"translate Arabic to English: \"), or use a MADLAD-400 model")

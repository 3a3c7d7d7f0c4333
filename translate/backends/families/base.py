"""What a family module sees (``ModelInfo``) and returns (``Tagging``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import ModelRefusedError


@dataclass(frozen=True)
class ModelInfo:
    """What detection looks at, read from the model folder."""

    model: str  # the Hub id or folder, for messages
    model_type: str | None
    tokenizer_class: str
    vocab: frozenset[str]
    config: dict = field(default_factory=dict, hash=False, compare=False)
    tokenizer_config: dict = field(default_factory=dict, hash=False, compare=False)

    def has(self, token: str) -> bool:
        return token in self.vocab


@dataclass(frozen=True)
class Overrides:
    """The profile's ``source_lang``, ``target_lang`` and ``prefix`` (None: detect)."""

    source_lang: str | None = None
    target_lang: str | None = None
    prefix: str | None = None


@dataclass(frozen=True)
class Tagging:
    """How inputs and outputs are tagged for one model.

    * ``src_lang``: set on the tokenizer, which then adds the source language token (NLLB, M2M-100,
      mBART-50);
    * ``prefix``: text put before every input (``>>eng<< ``, ``<2en> ``, ``summarize: ``);
    * ``target_token``: the token generation must start with (Transformers ``forced_bos_token_id``,
      CTranslate2 ``target_prefix``; removed from the output).
    """

    family: str
    source_lang: str | None = None
    target_lang: str | None = None
    src_lang: str | None = None
    prefix: str = ""
    target_token: str | None = None
    detected_by: str = "model folder"

    def record(self) -> dict:
        """For provenance and the translation memory's key."""
        return {"name": self.family, "source_lang": self.source_lang, "target_lang": self.target_lang,
                "prefix": self.prefix, "target_token": self.target_token, "detected_by": self.detected_by}


def refusal(info: ModelInfo, role: str, reason: str, hint: str) -> ModelRefusedError:
    return ModelRefusedError(f"{role} model {info.model!r} is refused: {reason}", hint)


def pick(info: ModelInfo, role: str, *, wanted: str | None, candidates: tuple[str, ...], side: str,
         fmt: str, code: str, setting: str) -> str:
    """The language code to use on one side: the profile's (which must exist in the model), or the
    first of ``candidates`` the model has; otherwise a refusal naming the codes the model has.
    ``fmt``: how a code appears as a token (``"__{}__"``); ``code``: a regex of the family's codes."""
    if wanted is not None:
        if info.has(fmt.format(wanted)):
            return wanted
        raise refusal(info, role, f"{setting} {wanted!r} is not one of its language codes ({fmt.format(wanted)} is "
                      "not in its vocabulary)",
                      f"set `{role}.{setting}` to one of: {', '.join(known(info, fmt, code))}")
    for candidate in candidates:
        if info.has(fmt.format(candidate)):
            return candidate
    have = known(info, fmt, code)
    language = "Arabic" if side == "source" else "English"
    listed = ", ".join(have[:15]) + (" ..." if len(have) > 15 else "")
    raise refusal(info, role, f"it has no {side} language token for {language} (looked for "
                  f"{', '.join(fmt.format(c) for c in candidates)}; "
                  f"its {len(have)} language codes: {listed or 'none'})",
                  f"choose a model that translates Arabic into English, or set `{role}.{setting}` if it writes "
                  f"{language} with another code")


def known(info: ModelInfo, fmt: str, code: str) -> list[str]:
    """The language codes in the vocabulary, for messages."""
    pattern = re.compile(re.escape(fmt).replace(r"\{\}", f"({code})") + "$")
    return sorted(m.group(1) for t in info.vocab if (m := pattern.match(t)))


def language_tagged(info: ModelInfo, role: str, overrides: Overrides, *, family: str, sources: tuple[str, ...],
                    targets: tuple[str, ...], fmt: str, code: str) -> Tagging:
    """The tagging of families whose tokenizer adds the source language token once ``src_lang`` is
    set and whose generation must start with the target language token (NLLB, M2M-100, mBART-50)."""
    source = pick(info, role, wanted=overrides.source_lang, candidates=sources, side="source", fmt=fmt, code=code,
                  setting="source_lang")
    target = pick(info, role, wanted=overrides.target_lang, candidates=targets, side="target", fmt=fmt, code=code,
                  setting="target_lang")
    return Tagging(family=family, source_lang=source, target_lang=target, src_lang=source,
                   prefix=overrides.prefix or "", target_token=fmt.format(target))

"""What every sequence-to-sequence backend shares: the model's own tokenizer and config, the
family's tagging (``backends.families``), and generation limits clamped to the model's own."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, replace
from pathlib import Path
from typing import Sequence

from .base import Contexts, Output
from .families import ModelInfo, Overrides, detect
from .hub import load_tokenizer_and_config, resolve_device, resolve_model, resolved_revision

log = logging.getLogger("translate")


class Seq2SeqBackend:
    """What every backend shares: the model's own tokenizer and config, loaded from ``folder``; the
    family's tags applied to every input (``encode``) and the forced first target token
    (``tagging.target_token``); generation settings clamped to the model's limits."""

    name = "?"
    groups_paragraphs = False  # segments are translated on their own: length-sorted batches suit it

    def __init__(self, options, folder: Path, role: str) -> None:
        self.options = options
        self.folder = folder
        self.role = role
        self.device = resolve_device(options.device, self.name)
        self.tokenizer, self.config = self._tokenizer_and_config()
        self.tagging = detect(model_info(options.model, folder, self.tokenizer, self.config), role=role,
                              overrides=Overrides(*options.languages, options.prefix))
        if self.tagging.src_lang:
            self.tokenizer.src_lang = self.tagging.src_lang
        self.target_token_id = (self.tokenizer.convert_tokens_to_ids(self.tagging.target_token)
                                if self.tagging.target_token else None)
        self.generation, self.clamps = clamp_generation(options.generation, self._decoder_positions())
        if options.max_input_tokens > self.max_input_tokens:
            self.clamps["max_input_tokens"] = {"requested": options.max_input_tokens, "used": self.max_input_tokens,
                                               "limit": "the model's input length"}
        for key, clamp in self.clamps.items():
            log.warning("%s model %s: %s %d is more than the model allows; using %d (%s)", role, options.model, key,
                        clamp["requested"], clamp["used"], clamp["limit"])
        self.loaded = False
        self.calls = 0  # inputs translated by the model

    def _tokenizer_and_config(self):
        """transformers' tokenizer and config of the model (``ct2`` reads a snapshot of them instead)."""
        return load_tokenizer_and_config(self.folder, role=self.role, model=self.options.model)

    @classmethod
    def load(cls, options, *, role: str):
        return cls(options, resolve_model(options.model, options.revision, role), role)

    def _decoder_positions(self) -> int | None:
        """How many target positions the model has (None: relative positions, no table)."""
        if getattr(self.config, "relative_attention_num_buckets", None):
            return None
        positions = getattr(self.config, "max_position_embeddings", None)
        return positions if isinstance(positions, int) and positions > 0 else None

    @property
    def max_input_tokens(self) -> int:
        limits = [getattr(self.config, "max_position_embeddings", None),
                  getattr(self.tokenizer, "model_max_length", None)]
        return min((x for x in limits if isinstance(x, int) and 0 < x < 1_000_000), default=1024)

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each input as the model receives them: tags and special tokens included."""
        prefix = self.tagging.prefix
        encoded = self.tokenizer([prefix + text for text in texts], add_special_tokens=True, truncation=False,
                                 verbose=False)
        return [list(ids) for ids in encoded["input_ids"]]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.encode(texts)] if texts else []

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        """One output per input, in order; inputs longer than the model accepts are refused, never cut.
        ``context`` is not used: a sequence-to-sequence model translates each segment on its own."""
        if not batch:
            return []
        return self._generate(self._checked(batch))

    def _checked(self, batch: Sequence[str]) -> list[list[int]]:
        """``batch`` encoded, refused when an input is too long; counted in ``calls``."""
        encoded = self.encode(batch)
        longest = max(len(ids) for ids in encoded)
        if longest > self.max_input_tokens:
            raise ValueError(f"input of {longest} tokens exceeds the model limit {self.max_input_tokens}; "
                             "inputs must be split before they reach the backend")
        self.calls += len(batch)
        return encoded

    def _generate(self, encoded: list[list[int]]) -> list[Output]:
        raise NotImplementedError

    def _decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True).strip()

    def settings(self) -> dict:
        """What determines the outputs (the translation memory's key)."""
        return {"model": self.options.model, "revision": self.options.revision,
                "resolved_revision": resolved_revision(self.folder), "backend": self.name,
                "family": self.tagging.record(), "generation": asdict(self.generation)}

    def provenance(self) -> dict:
        from .. import __version__
        from .light import transformers_version

        return {**self.settings(), "architecture": (self.config.architectures or [self.config.model_type])[0],
                "device": self.device, "loaded": self.loaded, "clamped": self.clamps or None,
                "versions": {"translate": __version__, "transformers": transformers_version()}}


def clamp_generation(generation, positions: int | None):
    """(generation settings within ``positions`` target positions, what was clamped). The decoder
    start token takes one position, so at most ``positions - 1`` tokens can be generated."""
    if positions is None or generation.max_new_tokens <= positions - 1:
        return generation, {}
    used = max(positions - 1, 1)
    clamps = {"max_new_tokens": {"requested": generation.max_new_tokens, "used": used,
                                 "limit": f"max_position_embeddings {positions}"}}
    return replace(generation, max_new_tokens=used, min_new_tokens=min(generation.min_new_tokens, used)), clamps


def model_info(model: str, folder: Path, tokenizer, config) -> ModelInfo:
    """What family detection looks at: the config, the tokenizer's class, config and vocabulary."""
    tokenizer_config = {"source_lang": getattr(tokenizer, "source_lang", None),
                        "target_lang": getattr(tokenizer, "target_lang", None)}
    path = folder / "tokenizer_config.json"
    if path.is_file():
        try:
            tokenizer_config = {**json.loads(path.read_text(encoding="utf-8")), **{k: v for k, v in
                                                                                  tokenizer_config.items() if v}}
        except (OSError, ValueError) as exc:
            log.debug("unreadable %s (%s)", path, exc)
    vocab = (frozenset(tokenizer.get_vocab()) | frozenset(tokenizer.all_special_tokens)
             | frozenset(getattr(tokenizer, "lang_token_to_id", None) or ()))  # M2M-100 keeps them apart
    return ModelInfo(model=model, model_type=getattr(config, "model_type", None),
                     tokenizer_class=getattr(tokenizer, "class_name", None) or type(tokenizer).__name__, vocab=vocab,
                     config=config.to_dict(),
                     tokenizer_config=tokenizer_config)

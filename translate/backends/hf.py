"""Hugging Face Transformers backend: ``AutoTokenizer`` + ``AutoModelForSeq2SeqLM``.

Any seq2seq model works (MarianMT, BART, T5, NLLB...). Models come from a local folder or a Hub id
(with optional revision); a Hub model is looked up in the local cache first and downloaded only
when the Hub is reachable. When it is not available the user gets one message saying what was
tried and how to fix it.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import asdict
from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

from ..errors import ModelUnavailableError
from .base import Output

log = logging.getLogger("translate")


def hub_reachable(timeout: float = 3.0) -> bool:
    """A quick TCP check, so an offline machine fails in seconds, not after minutes of retries."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    url = urlparse(constants.ENDPOINT)
    try:
        with socket.create_connection((url.hostname, url.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def is_local(model: str) -> bool:
    return model.startswith((".", "/", "~")) or Path(model).expanduser().is_dir()


def is_cached(model: str, revision: str | None) -> bool:
    """True when the model can be loaded without network (local folder or Hugging Face cache)."""
    if is_local(model):
        return (Path(model).expanduser() / "config.json").is_file()
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model, "config.json", revision=revision)
    return isinstance(found, str)


def _fix_hint(model: str, role: str) -> str:
    key = "translation" if role == "translation" else "summary"
    extra = " (or use --summary extractive, which needs no summarizer)" if role == "summary" else ""
    return (f"on a machine with internet access run `translate models download` (then copy the Hugging Face "
            f"cache, ~/.cache/huggingface, here), or set `{key}.model` in models.yaml to a local folder "
            f"holding the model{extra}")


def _load_pretrained(model: str, revision: str | None, role: str):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    def attempt(**kwargs):
        tokenizer = AutoTokenizer.from_pretrained(model, revision=revision, **kwargs)
        network = AutoModelForSeq2SeqLM.from_pretrained(model, revision=revision, **kwargs)
        return tokenizer, network

    where = f"{role} model {model!r}" + (f" (revision {revision})" if revision else "")
    if is_local(model):
        if not (Path(model).expanduser() / "config.json").is_file():
            raise ModelUnavailableError(f"{where}: the folder does not exist or holds no config.json",
                                        "point models.yaml at a folder saved with save_pretrained(), or use a Hub id")
        try:
            return attempt()
        except (OSError, ValueError, KeyError) as exc:
            raise ModelUnavailableError(f"{where}: the folder could not be loaded ({exc})",
                                        "re-save the model with save_pretrained(), or use a Hub id") from exc
    try:
        return attempt(local_files_only=True)
    except (OSError, ValueError):
        log.debug("%s is not in the local cache", where)
    if not hub_reachable():
        raise ModelUnavailableError(
            f"{where} is not available: it is not in the local Hugging Face cache and the Hub "
            f"(huggingface.co) cannot be reached from here", _fix_hint(model, role))
    log.info("downloading %s from the Hugging Face Hub (first use; cached afterwards)", where)
    try:
        return attempt()
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"{where} could not be downloaded ({exc})",
                                    "check the model id and revision in models.yaml") from exc


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailableError("device 'cuda' was requested but no CUDA GPU is available to torch",
                                    "set device: cpu (or auto) in models.yaml")
    return device


class TransformersBackend:
    """Runs ``generate`` on one batch at a time; batching and caching are wrappers' business."""

    def __init__(self, options, tokenizer, model, device: str, role: str) -> None:
        self.options = options
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        self.role = role

    @classmethod
    def load(cls, options, *, role: str) -> "TransformersBackend":
        device = resolve_device(options.device)
        tokenizer, model = _load_pretrained(options.model, options.revision, role)
        model.eval()
        if device == "cuda":
            model = model.half()
        model.to(device)
        return cls(options, tokenizer, model, device, role)

    @property
    def max_input_tokens(self) -> int:
        limits = [getattr(self.model.config, "max_position_embeddings", None),
                  getattr(self.tokenizer, "model_max_length", None)]
        return min(x for x in limits if isinstance(x, int) and 0 < x < 1_000_000)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def translate(self, batch: Sequence[str]) -> list[Output]:
        import torch

        if not batch:
            return []
        longest = max(self.count_tokens(batch))
        if longest > self.max_input_tokens:
            raise ValueError(f"input of {longest} tokens exceeds the model limit {self.max_input_tokens}; "
                             "inputs must be split before they reach the backend")
        gen = self.options.generation
        kwargs = {"num_beams": gen.num_beams, "max_new_tokens": gen.max_new_tokens,
                  "length_penalty": gen.length_penalty}
        if gen.min_new_tokens:
            kwargs["min_new_tokens"] = gen.min_new_tokens
        if gen.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = gen.no_repeat_ngram_size
        encoded = self.tokenizer(list(batch), return_tensors="pt", padding=True, truncation=False).to(self.device)
        with torch.inference_mode():
            sequences = self.model.generate(**encoded, **kwargs)
        eos, pad = self.model.generation_config.eos_token_id, self.tokenizer.pad_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos])
        outputs = []
        for row in sequences.tolist():
            generated = row[1:]  # drop the decoder start token
            end = next((i for i, t in enumerate(generated) if t in eos_ids), None)
            produced = len(generated) if end is None else end + 1  # tokens generated, the end token included
            while end is None and produced and generated[produced - 1] == pad:
                produced -= 1
            text = self.tokenizer.decode(row, skip_special_tokens=True).strip()
            # a model with forced_eos_token_id ends with EOS even when cut off: judge by the length
            outputs.append(Output(text=text, tokens=produced, hit_limit=produced >= gen.max_new_tokens))
        return outputs

    def provenance(self) -> dict:
        import torch
        import transformers

        from .. import __version__

        return {
            "model": self.options.model,
            "revision": self.options.revision,
            "resolved_revision": getattr(self.model.config, "_commit_hash", None),
            "architecture": type(self.model).__name__,
            "backend": "transformers",
            "device": self.device,
            "dtype": str(next(self.model.parameters()).dtype).replace("torch.", ""),
            "generation": asdict(self.options.generation),
            "versions": {"translate": __version__, "transformers": transformers.__version__,
                         "torch": torch.__version__},
            "threads": torch.get_num_threads() if self.device == "cpu" else None,
        }

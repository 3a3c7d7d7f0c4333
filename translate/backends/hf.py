"""Finding models (local folder or Hugging Face Hub) and the Transformers backend.

Any seq2seq model works (MarianMT, BART, T5, NLLB...) through ``AutoTokenizer`` /
``AutoModelForSeq2SeqLM``. A Hub model is looked up in the local cache first and downloaded only
when the Hub is reachable; when it is not available the user gets one message saying what was
tried and how to fix it. Tokenizer and config load eagerly (cheap); the weights load on the first
``translate`` call, so a run answered entirely from the translation memory never loads them.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import asdict
from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

from ..errors import ModelUnavailableError
from .base import Contexts, Output

log = logging.getLogger("translate")
SKIP_FILES = ["*.h5", "*.msgpack", "*.ot", "*.onnx", "tf_*", "flax_*", "rust_*", "*.tflite"]


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

    return isinstance(try_to_load_from_cache(model, "config.json", revision=revision), str)


def _fix_hint(role: str) -> str:
    key = "translation" if role == "translation" else "summary"
    extra = " (or use --summary extractive, which needs no summarizer)" if role == "summary" else ""
    return (f"on a machine with internet access run `translate models download` (then copy the Hugging Face "
            f"cache, ~/.cache/huggingface, here), or set `{key}.model` in models.yaml to a local folder "
            f"holding the model{extra}")


def resolve_model(model: str, revision: str | None, role: str) -> Path:
    """The local folder holding ``model``: the folder itself, or its Hugging Face cache snapshot
    (downloaded first when missing and the Hub is reachable)."""
    from huggingface_hub import snapshot_download

    where = f"{role} model {model!r}" + (f" (revision {revision})" if revision else "")
    if is_local(model):
        folder = Path(model).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelUnavailableError(f"{where}: the folder does not exist or holds no config.json",
                                        "point models.yaml at a folder saved with save_pretrained(), or use a Hub id")
        return folder
    try:
        return Path(snapshot_download(model, revision=revision, local_files_only=True, ignore_patterns=SKIP_FILES))
    except (OSError, ValueError) as exc:  # huggingface_hub's LocalEntryNotFoundError is an OSError
        log.debug("%s is not in the local cache (%s)", where, exc)
    if not hub_reachable():
        raise ModelUnavailableError(
            f"{where} is not available: it is not in the local Hugging Face cache and the Hub "
            f"(huggingface.co) cannot be reached from here", _fix_hint(role))
    log.info("downloading %s from the Hugging Face Hub (first use; cached afterwards)", where)
    try:
        return Path(snapshot_download(model, revision=revision, ignore_patterns=SKIP_FILES))
    except (OSError, ValueError) as exc:
        raise ModelUnavailableError(f"{where} could not be downloaded ({exc})",
                                    "check the model id and revision in models.yaml") from exc


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailableError("device 'cuda' was requested but no CUDA GPU is available",
                                    "set device: cpu (or auto) in models.yaml")
    return device


class Seq2SeqBackend:
    """What every backend shares: the model's own tokenizer and config, loaded from ``folder``."""

    name = "?"

    def __init__(self, options, folder: Path, role: str) -> None:
        from transformers import AutoConfig, AutoTokenizer

        self.options = options
        self.folder = folder
        self.role = role
        where = f"{role} model {options.model!r}"
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder)
            self.config = AutoConfig.from_pretrained(folder)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelUnavailableError(f"{where}: {folder} could not be loaded ({exc})",
                                        "re-save the model with save_pretrained(), or use a Hub id") from exc
        self.device = resolve_device(options.device)
        self.loaded = False
        self.calls = 0  # inputs translated by the model

    @classmethod
    def load(cls, options, *, role: str):
        return cls(options, resolve_model(options.model, options.revision, role), role)

    @property
    def max_input_tokens(self) -> int:
        limits = [getattr(self.config, "max_position_embeddings", None), getattr(self.tokenizer, "model_max_length", None)]
        return min(x for x in limits if isinstance(x, int) and 0 < x < 1_000_000)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        """One output per input, in order; inputs longer than the model accepts are refused, never cut.
        ``context`` is not used: a sequence-to-sequence model translates each segment on its own."""
        if not batch:
            return []
        longest = max(self.count_tokens(batch))
        if longest > self.max_input_tokens:
            raise ValueError(f"input of {longest} tokens exceeds the model limit {self.max_input_tokens}; "
                             "inputs must be split before they reach the backend")
        self.calls += len(batch)
        return self._generate(batch)

    def _generate(self, batch: Sequence[str]) -> list[Output]:
        raise NotImplementedError

    @property
    def resolved_revision(self) -> str | None:
        """The commit of a Hub snapshot (its folder name), or None for a local folder."""
        parts = self.folder.resolve().parts
        return parts[-1] if len(parts) > 2 and parts[-2] == "snapshots" else None

    def settings(self) -> dict:
        """What determines the outputs (the translation memory's key)."""
        return {"model": self.options.model, "revision": self.options.revision,
                "resolved_revision": self.resolved_revision, "backend": self.name,
                "generation": asdict(self.options.generation)}

    def provenance(self) -> dict:
        import transformers

        from .. import __version__

        return {**self.settings(), "architecture": (self.config.architectures or [self.config.model_type])[0],
                "device": self.device, "loaded": self.loaded,
                "versions": {"translate": __version__, "transformers": transformers.__version__}}


class TransformersBackend(Seq2SeqBackend):
    """Runs ``generate`` on one batch at a time; batching and caching are wrappers' business."""

    name = "transformers"

    def _model(self):
        if not self.loaded:
            import torch
            from transformers import AutoModelForSeq2SeqLM

            log.debug("loading %s weights from %s", self.role, self.folder)
            model = AutoModelForSeq2SeqLM.from_pretrained(self.folder)
            model.eval()
            self.network = (model.half() if self.device == "cuda" else model).to(self.device)
            self.threads = torch.get_num_threads()
            self.loaded = True
        return self.network

    def _generate(self, batch: Sequence[str]) -> list[Output]:
        import torch

        model = self._model()
        gen = self.options.generation
        kwargs = {"num_beams": gen.num_beams, "max_new_tokens": gen.max_new_tokens, "length_penalty": gen.length_penalty}
        if gen.min_new_tokens:
            kwargs["min_new_tokens"] = gen.min_new_tokens
        if gen.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = gen.no_repeat_ngram_size
        encoded = self.tokenizer(list(batch), return_tensors="pt", padding=True, truncation=False).to(self.device)
        with torch.inference_mode():
            sequences = model.generate(**encoded, **kwargs)
        eos = model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos])
        outputs = []
        for row in sequences.tolist():
            generated = row[1:]  # drop the decoder start token
            end = next((i for i, t in enumerate(generated) if t in eos_ids), None)
            produced = len(generated) if end is None else end + 1  # tokens generated, the end token included
            while end is None and produced and generated[produced - 1] == self.tokenizer.pad_token_id:
                produced -= 1
            text = self.tokenizer.decode(row, skip_special_tokens=True).strip()
            # a model with forced_eos_token_id ends with EOS even when cut off: judge by the length
            outputs.append(Output(text=text, tokens=produced, hit_limit=produced >= gen.max_new_tokens))
        return outputs

    def provenance(self) -> dict:
        record = super().provenance()
        if self.loaded:
            import torch

            record["dtype"] = str(next(self.network.parameters()).dtype).replace("torch.", "")
            record["threads"] = self.threads if self.device == "cpu" else None
            record["versions"]["torch"] = torch.__version__
        return record

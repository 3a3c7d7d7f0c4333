"""Finding models: a local folder, or a Hugging Face Hub id looked up in the local cache first and
downloaded only when the Hub is reachable. When a model is not available the user gets one message
saying what was tried and how to fix it."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path
from typing import Callable, TypeVar
from urllib.parse import urlparse

from ..errors import ModelUnavailableError

log = logging.getLogger("translate")
T = TypeVar("T")
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


def cached_snapshot(model: str, revision: str | None) -> Path | None:
    """The Hugging Face cache's snapshot of ``model`` at ``revision`` (a branch, tag or commit),
    read from the cache's documented layout (``models--ORG--NAME/refs/REV`` -> ``snapshots/COMMIT``)
    without importing huggingface_hub's client (~0.1 s of start-up); None when it is not there in
    that simple form (``snapshot_download`` then looks)."""
    from huggingface_hub import constants  # light: no HTTP client

    repo = Path(constants.HF_HUB_CACHE) / f"models--{model.replace('/', '--')}"
    rev = revision or "main"
    if re.fullmatch(r"[0-9a-f]{40}", rev):
        commit = rev
    else:
        try:
            commit = (repo / "refs" / rev).read_text(encoding="utf-8").strip()
        except OSError:
            return None
    snapshot = repo / "snapshots" / commit
    return snapshot if commit and (snapshot / "config.json").is_file() else None


def resolve_model(model: str, revision: str | None, role: str) -> Path:
    """The local folder holding ``model``: the folder itself, or its Hugging Face cache snapshot
    (downloaded first when missing and the Hub is reachable)."""
    where = f"{role} model {model!r}" + (f" (revision {revision})" if revision else "")
    if is_local(model):
        folder = Path(model).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelUnavailableError(f"{where}: the folder does not exist or holds no config.json",
                                        "point models.yaml at a folder saved with save_pretrained(), or use a Hub id")
        return folder
    found = cached_snapshot(model, revision)
    if found is not None:
        return found
    from huggingface_hub import snapshot_download

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


def resolve_device(device: str, backend: str = "transformers") -> str:
    """``auto`` -> ``cuda`` when the backend's engine sees a CUDA GPU, else ``cpu``. CTranslate2 is
    asked itself, so its path never imports torch (~1.3 s of start-up)."""
    if device == "cpu":
        return device
    if backend == "ctranslate2":
        import ctranslate2

        available = ctranslate2.get_cuda_device_count() > 0
    else:
        import torch

        available = torch.cuda.is_available()
    if device == "auto":
        return "cuda" if available else "cpu"
    if device == "cuda" and not available:
        raise ModelUnavailableError("device 'cuda' was requested but no CUDA GPU is available",
                                    "set device: cpu (or auto) in models.yaml")
    return device


def load_tokenizer_and_config(folder: Path, *, role: str, model: str):
    """(tokenizer, config) of the model in ``folder``, for every local backend alike: a folder that
    cannot be read is a ``ModelUnavailableError`` (exit 2 before any article), never a traceback."""
    from transformers import AutoConfig, AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(folder), AutoConfig.from_pretrained(folder)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelUnavailableError(f"{role} model {model!r}: {folder} could not be loaded ({exc})",
                                    "re-save the model with save_pretrained(), or use a Hub id") from exc


def load_weights(load: Callable[[Path], T], folder: Path, *, role: str, model: str) -> T:
    """``load(folder)`` (a ``from_pretrained``), any failure turned into ``ModelUnavailableError``:
    broken or missing weights stop the run with one message, for every local backend alike, rather
    than failing segment after segment."""
    log.debug("loading %s weights from %s", role, folder)
    try:
        return load(folder)
    except Exception as exc:  # noqa: BLE001 - any failure to load stops the run with one message
        raise ModelUnavailableError(f"{role} model {model!r}: the weights in {folder} could not be loaded "
                                    f"({type(exc).__name__}: {exc})",
                                    "re-download the model (translate models download) or re-save it with "
                                    "save_pretrained()") from exc


def resolved_revision(folder: Path) -> str | None:
    """The commit of a Hub snapshot (its folder name), or None for a local folder."""
    parts = folder.resolve().parts
    return parts[-1] if len(parts) > 2 and parts[-2] == "snapshots" else None

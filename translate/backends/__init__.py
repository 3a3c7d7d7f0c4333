"""Model backends: one interface (translate a batch of texts), behaviour added by wrapping."""

from __future__ import annotations

import logging

from ..errors import ModelUnavailableError
from .base import Backend, Output
from .wrappers import BatchingBackend, IsolatingBackend, RunCacheBackend

__all__ = ["Backend", "Output", "BatchingBackend", "IsolatingBackend", "RunCacheBackend", "load_backend"]
log = logging.getLogger("translate")
# Architectures CTranslate2's Transformers converter handles (the seq2seq ones).
CT2_MODEL_TYPES = {"marian", "bart", "mbart", "t5", "mt5", "m2m_100", "nllb-moe", "pegasus"}


def load_backend(options, *, role: str) -> Backend:
    """The backend named by ``options.backend``; ``auto`` takes CTranslate2 (faster) when it is
    installed, supports the model's architecture, and converts and loads it; Transformers otherwise
    (with a warning when conversion or loading failed)."""
    if options.backend == "openai" or options.llm is not None:
        from .llm import load_llm_backend

        return load_llm_backend(options, options.llm, role=role)
    from .hf import TransformersBackend
    from .hub import resolve_model

    folder = resolve_model(options.model, options.revision, role)
    backend = options.backend
    if backend == "auto":
        backend = "transformers"
        try:
            import ctranslate2  # noqa: F401
        except ImportError:
            log.info("ctranslate2 is not installed: using the transformers backend")
        else:
            import json

            model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
            backend = "ctranslate2" if model_type in CT2_MODEL_TYPES else "transformers"
    if backend == "ctranslate2":
        from .ct2 import CTranslate2Backend

        engine = CTranslate2Backend(options, folder, role)
        if options.backend != "auto":
            return engine
        try:
            engine.load()  # converted once per model and machine; loaded now, so a failure can fall back
        except ModelUnavailableError as exc:
            log.warning("%s model %s: %s; using the transformers backend instead", role, options.model, exc.reason)
            return TransformersBackend(options, folder, role)
        return engine
    return TransformersBackend(options, folder, role)

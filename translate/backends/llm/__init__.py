"""Instruction (decoder-only) LLMs as translator and summarizer: behind any OpenAI-compatible server
(``openai``) or loaded here as a causal LM (``causal``), sharing prompts (``prompts``), reply parsing
(``replies``) and the per-sentence retry (``engine``); configured by the ``llm:`` section
(``settings``). ``redact(text, secrets)`` (``redaction``) takes API keys and credential headers out
of any text shown or stored."""

from __future__ import annotations

from .redaction import redact
from .settings import LLMSettings, parse_llm

__all__ = ["LLMSettings", "load_llm_backend", "parse_llm", "redact"]


def load_llm_backend(options, llm: LLMSettings | None = None, *, role: str):
    """``options.backend == "openai"`` (or an ``llm.base_url``): the server backend (which refuses a
    missing ``base_url``); otherwise the local causal LM backend on ``options.model``."""
    llm = llm or LLMSettings()
    if getattr(options, "backend", None) == "openai" or llm.base_url:
        from .openai import OpenAIBackend

        return OpenAIBackend(options, llm, role=role)
    from .causal import CausalLMBackend

    return CausalLMBackend(options, llm, role=role)

"""Instruction (decoder-only) LLMs as translator and summarizer: behind any OpenAI-compatible server
(``openai``) or loaded here as a causal LM (``causal``), sharing prompts (``prompts``), reply parsing
(``replies``) and the per-sentence retry (``engine``); configured by the ``llm:`` section
(``settings``)."""

from __future__ import annotations

from .settings import LLMSettings, parse_llm

__all__ = ["LLMSettings", "parse_llm", "load_llm_backend"]


def load_llm_backend(options, llm: LLMSettings, *, role: str):
    """The server backend when ``llm.base_url`` is set (``backend: openai``), else the local causal
    LM backend (``backend: transformers`` with an ``llm:`` section)."""
    if llm.base_url:
        from .openai import OpenAIBackend

        return OpenAIBackend(options, llm, role=role)
    from .causal import CausalLMBackend

    return CausalLMBackend(options, llm, role=role)

"""The one place that builds a backend stack: a model (``load_backend``) and the wrappers every
caller wants around it, in the one order that works, with the input budget computed once.

    RunCacheBackend          each distinct text once per run (translation only)
      BatchingBackend        length-sorted batches sized for the device (not for an LLM, which
                             groups a paragraph's segments and bounds its own requests)
        IsolatingBackend     a failing batch bisected down to the inputs that fail
          StoringBackend     every output handed on as the model returns it (an LLM backend
                             hands on each reply itself, as it arrives)
            the model        CTranslate2, Transformers, a local causal LM or an OpenAI-compatible server

Used by the batch (both engines), ``translate eval`` and ``translate models check``; the
translation memory is not a layer here: the run core looks it up and stores into it around the
stack, on whichever machine the stack runs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Sequence

from .base import Backend, Output
from .devices import budgets
from .wrappers import BatchingBackend, IsolatingBackend, RunCacheBackend, StoringBackend

Loader = Callable[..., Backend]
Store = Callable[[Sequence[tuple[str, Output]]], None]


@dataclass(frozen=True)
class Stack:
    """One model role as callers use it: ``top`` to call, ``model`` for what the model itself did
    (``calls``, ``device``, ``provenance()``), ``budget``: the longest input planned for it."""

    model: Backend
    top: Backend
    budget: int

    @property
    def calls(self) -> int:
        return self.model.calls


def input_budget(options, model: Backend) -> int:
    """The token budget of one input: the profile's ``max_input_tokens``, within the model's limit."""
    return min(options.max_input_tokens, model.max_input_tokens)


def batched(inner: Backend, options, *, role: str, device: str,
            on_batch: Callable[[int], None] | None = None) -> BatchingBackend:
    """``inner`` in length-sorted batches sized for ``device`` (``backends.devices``): at most
    ``batch_tokens`` padded tokens, and segments x beams <= ``max_hypotheses`` (the output-vocabulary
    scores of every hypothesis are held at once, so this bounds memory when short segments abound)."""
    found = budgets(options, device=device, role=role)
    return BatchingBackend(inner, batch_tokens=found.batch_tokens, on_batch=on_batch,
                           max_items=max(1, found.max_hypotheses // options.generation.num_beams))


def build_stack(options, *, role: str, loader: Loader | None = None, isolate: bool = True, cache: bool = False,
                on_batch: Callable[[int], None] | None = None, store: Store | None = None) -> Stack:
    """Load ``options``' model for ``role`` and wrap it. ``isolate``: contain failures per input
    (the batch; ``eval`` wants a failure to stop it); ``cache``: the per-run cache of distinct
    texts; ``on_batch``: called with the number of inputs done, for progress; ``store``: handed
    every new output as soon as the model has it."""
    if loader is None:
        from . import load_backend

        loader = load_backend
    model = loader(options, role=role)
    top: Backend = model
    if store is not None and hasattr(model, "on_output"):  # a backend that hands on replies as they arrive
        model.on_output = lambda text, output: store([(text, output)])
    elif store is not None:
        top = StoringBackend(model, store)
    top = IsolatingBackend(top) if isolate else top
    if model.groups_paragraphs:
        model.on_progress = on_batch
    else:
        top = batched(top, options, role=role, device=model.device, on_batch=on_batch)
    if cache:
        top = RunCacheBackend(top)
    return Stack(model, top, input_budget(options, model))


def counting_backend(options, *, loader: Loader | None = None) -> Backend:
    """The translation model's tokenizer and limits only (no weights, no GPU): for planning
    segments where no model runs (Ray's reading tasks). CTranslate2 and Transformers count with the
    same tokenizer; a CTranslate2 backend named explicitly loads no weights until it translates,
    and reads the tokenizer snapshot of a converted model (no torch, ``backends.light``)."""
    if loader is None:
        from . import load_backend

        loader = load_backend
    light = dataclasses.replace(options, device="cpu")
    if options.backend in ("auto", "ctranslate2") and options.llm is None:
        try:
            import ctranslate2  # noqa: F401
        except ImportError:
            light = dataclasses.replace(light, backend="transformers")
        else:
            light = dataclasses.replace(light, backend="ctranslate2")
    return loader(light, role="translation")

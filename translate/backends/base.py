"""The backend interface every model runner implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Protocol, Sequence


@dataclass(frozen=True)
class Output:
    """One generated text. ``hit_limit``: generation stopped at ``max_new_tokens`` (maybe cut).
    ``notes``: what a backend wants recorded about this output (e.g. ``retried``, ``refusal``).
    ``error``: the model failed on this input (see ``IsolatingBackend``); ``text`` is then empty."""

    text: str
    tokens: int
    hit_limit: bool = False
    notes: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Context:
    """Where a segment stands in its article, for backends that translate in context (LLMs);
    sequence-to-sequence backends ignore it. ``paragraph``: the model inputs of the segment's
    paragraph, in order (the segment is one of them)."""

    paragraph: tuple[str, ...]
    title: Optional[str] = None
    previous: Optional[str] = None  # the previous paragraph's text (source side)


Contexts = Mapping[str, Context]  # model input -> its context


class Backend(Protocol):
    """A sequence-to-sequence model: a batch of input texts in, one output per input, same order."""

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Input length of each text in the model's own tokens (special tokens included)."""
        ...

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model accepts."""
        ...

    def provenance(self) -> dict:
        """What produced the outputs: model id, revision, backend, settings, versions."""
        ...

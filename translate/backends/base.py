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
    # the model's log-probability of its own output: the sum over the ``tokens`` generated tokens
    # (natural log; None when the backend cannot say, e.g. a server without logprobs). Its mean,
    # ``logprob / tokens``, is the sentence's confidence (``record.confidence``).
    logprob: float | None = None


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
    """A model: a batch of input texts in, one output per input, same order. What callers use:

    * ``translate`` (the one main method; summarizers summarize through it);
    * ``count_tokens`` and ``max_input_tokens``: inputs are planned to fit before they are sent;
    * ``settings()`` (what determines the outputs: the translation memory's key) and
      ``provenance()`` (that, plus how it ran: recorded in every output);
    * ``device``: where it runs (``cpu``, ``cuda``, ``server``): batch sizes are chosen for it;
    * ``groups_paragraphs``: it translates a paragraph's segments together and bounds its own
      requests (an instruction LLM): it gets whole windows, not length-sorted batches;
    * ``calls``: inputs the model itself translated (not answered from a cache).
    """

    device: str
    groups_paragraphs: bool
    calls: int

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Input length of each text in the model's own tokens (special tokens included)."""
        ...

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model accepts."""
        ...

    def settings(self) -> dict:
        """What determines the outputs: model, revision, backend, tags, generation settings."""
        ...

    def provenance(self) -> dict:
        """What produced the outputs: the settings, plus device, versions, clamps."""
        ...

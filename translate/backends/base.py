"""The backend interface every model runner implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Output:
    """One generated text. ``hit_limit``: generation stopped at ``max_new_tokens`` (maybe cut)."""

    text: str
    tokens: int
    hit_limit: bool = False


class Backend(Protocol):
    """A sequence-to-sequence model: a batch of input texts in, one output per input, same order."""

    def translate(self, batch: Sequence[str]) -> list[Output]: ...

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

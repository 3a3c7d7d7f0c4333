"""Behaviour added around any backend: length-sorted token-budget batching, a per-run cache, and
fault isolation (a failing batch is bisected down to the inputs that fail). ``stack`` puts them
together."""

from __future__ import annotations

import logging
from typing import Callable, Sequence

from ..errors import UsageError
from .base import Backend, Contexts, Output

class Wrapper:
    """A backend around another: everything but ``translate`` is the inner backend's."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner

    @property
    def device(self) -> str:
        return self.inner.device

    @property
    def groups_paragraphs(self) -> bool:
        return self.inner.groups_paragraphs

    @property
    def calls(self) -> int:
        return self.inner.calls

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    @property
    def max_input_tokens(self) -> int:
        return self.inner.max_input_tokens

    def provenance(self) -> dict:
        return self.inner.provenance()

    def settings(self) -> dict:
        return self.inner.settings()


log = logging.getLogger("translate")


class StoringBackend(Wrapper):
    """Hand every output the model returned without error to ``store`` the moment the model returns
    it (one call per batch), so a run stopped mid-window keeps every finished batch (the run core
    stores them in the translation memory)."""

    def __init__(self, inner: Backend, store: Callable[[Sequence[tuple[str, Output]]], None]) -> None:
        super().__init__(inner)
        self.store = store

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        outputs = self.inner.translate(batch, context=context)
        good = [(text, output) for text, output in zip(batch, outputs, strict=True) if output.error is None]
        if good:
            self.store(good)
        return outputs


class IsolatingBackend(Wrapper):
    """When the inner backend raises on a batch, split it in halves and retry each, down to single
    inputs: the inputs that fail on their own get an ``Output`` with ``error`` set, every other
    input is translated. A ``UsageError`` (the model cannot be used at all) is not isolated: it
    stops the run. Costs nothing while nothing fails."""

    def __init__(self, inner: Backend) -> None:
        super().__init__(inner)
        self.failures = 0  # inputs that failed on their own

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        if not batch:
            return []
        try:
            return self.inner.translate(batch, context=context)
        except UsageError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of a model on some input is contained
            if len(batch) == 1:
                self.failures += 1
                reason = f"{type(exc).__name__}: {exc}"
                log.debug("the model failed on one segment (%s)", reason, exc_info=True)
                return [Output(text="", tokens=0, error=reason)]
            log.debug("a batch of %d segments failed (%s: %s); retrying in halves", len(batch), type(exc).__name__, exc)
        half = len(batch) // 2
        return self.translate(batch[:half], context=context) + self.translate(batch[half:], context=context)


class BatchingBackend(Wrapper):
    """Sort inputs by length, cut into batches of at most ``batch_tokens`` padded tokens, restore order.

    Sorting keeps padding (wasted compute) small; the result list is always in input order.
    """

    def __init__(self, inner: Backend, *, batch_tokens: int, max_items: int = 0, on_batch=None) -> None:
        super().__init__(inner)
        self.batch_tokens = batch_tokens
        self.max_items = max_items  # at most this many inputs per batch (0: no limit)
        self.on_batch = on_batch  # called with the number of inputs done, for progress

    def batches(self, lengths: Sequence[int]) -> list[list[int]]:
        order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
        batches: list[list[int]] = []
        for index in order:
            fits = not self.max_items or len(batches[-1]) < self.max_items if batches else False
            if fits and lengths[batches[-1][0]] * (len(batches[-1]) + 1) <= self.batch_tokens:
                batches[-1].append(index)  # the first item of a batch is its longest
            else:
                batches.append([index])
        return batches

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        results: list[Output | None] = [None] * len(batch)
        for indices in self.batches(self.inner.count_tokens(batch)):
            outputs = self.inner.translate([batch[i] for i in indices], context=context)
            for i, output in zip(indices, outputs, strict=True):
                results[i] = output
            if self.on_batch:
                self.on_batch(len(indices))
        return results  # type: ignore[return-value]


class RunCacheBackend(Wrapper):
    """Translate each distinct text once per run; repeats are answered from this cache. At most
    ``limit`` texts are kept (the oldest are forgotten first), so memory stays flat however large
    the folder: repeats across runs are the translation memory's business."""

    def __init__(self, inner: Backend, *, limit: int = 20_000) -> None:
        super().__init__(inner)
        self.cache: dict[str, Output] = {}
        self.limit = limit

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        todo = list(dict.fromkeys(text for text in batch if text not in self.cache))
        fresh = dict(zip(todo, self.inner.translate(todo, context=context), strict=True)) if todo else {}
        results = [fresh[text] if text in fresh else self.cache[text] for text in batch]
        self.cache.update(fresh)
        for old in list(self.cache)[:max(0, len(self.cache) - self.limit)]:
            del self.cache[old]
        return results

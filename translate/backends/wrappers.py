"""Behaviour added around any backend: length-sorted token-budget batching (batches decoded in
parallel by a backend that can), a per-run cache, and fault isolation (a failing batch is bisected
down to the inputs that fail). ``stack`` puts them together.

Parallel batches are a capability: a backend whose ``parallel_batches`` is above 1 has a
``submit(batch)`` that starts decoding and returns at once with a ``Pending`` whose ``result()``
waits for the outputs (CTranslate2 with ``inter_threads``). The wrappers between the batching and
the model pass it on only where they keep their behaviour: ``IsolatingBackend`` and
``StoringBackend`` do their work in ``result()``, which ``BatchingBackend`` calls in the caller's
thread, batch after batch in its own order — so what is stored, when, and which failures are
bisected are exactly as with one batch at a time. Any other wrapper reports 1 (one batch at a
time), so nothing that does not know about it sees concurrent batches.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from typing import Callable, Hashable, Mapping, Protocol, Sequence

from ..errors import UsageError
from .base import Backend, Contexts, Output


class Pending(Protocol):
    """A batch being decoded: ``result()`` waits for its outputs (or raises the model's error)."""

    def result(self) -> list[Output]: ...


class Deferred:
    """A ``Pending`` made of a function run by ``result()`` (once; later calls give the same list)."""

    def __init__(self, finish: Callable[[], list[Output]]) -> None:
        self.finish = finish
        self.outputs: list[Output] | None = None

    def result(self) -> list[Output]:
        if self.outputs is None:
            self.outputs = self.finish()
        return self.outputs


def parallel_batches(backend) -> int:
    """How many batches ``backend`` decodes at once: its ``parallel_batches`` when its class has a
    ``submit`` method, else 1 (a wrapper that delegates by ``__getattr__`` but changes only
    ``translate`` must see every batch)."""
    return getattr(backend, "parallel_batches", 1) if callable(getattr(type(backend), "submit", None)) else 1


def _raise(exc: BaseException):
    raise exc


Follow = Callable[[Hashable, list[Output]], Sequence[str] | None]


def stream(backend: Backend, first: Mapping[Hashable, Sequence[str]], follow: Follow) -> None:
    """Requests whose next texts depend on their outputs (the rounds of a hierarchical summary):
    ``first`` maps each request to its first texts; ``follow(key, outputs)`` is called with a
    request's outputs (in its order) as soon as all of them are back, and returns the request's next
    texts (``None`` or empty: it is done). A ``BatchingBackend`` starts a request's next texts while
    other requests are still decoding (``BatchingBackend.stream``); any other backend gets the texts
    of every waiting request in one call per round."""
    if callable(getattr(type(backend), "stream", None)):
        backend.stream(first, follow)
        return
    waiting = {key: list(texts) for key, texts in first.items() if texts}
    while waiting:
        current, waiting = waiting, {}
        outputs = iter(backend.translate([text for texts in current.values() for text in texts]))
        for key, texts in current.items():
            following = follow(key, [next(outputs) for _ in texts])
            if following:
                waiting[key] = list(following)


class Wrapper:
    """A backend around another: everything but ``translate`` is the inner backend's. A wrapper
    decodes one batch at a time (``parallel_batches`` 1) unless it implements ``submit``."""

    parallel_batches = 1

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

    @property
    def parallel_batches(self) -> int:
        return parallel_batches(self.inner)

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        return self._stored(batch, self.inner.translate(batch, context=context))

    def submit(self, batch: Sequence[str], *, context: Contexts | None = None) -> Pending:
        """The outputs are stored when ``result()`` returns them, in the caller's thread."""
        pending = self.inner.submit(batch, context=context)
        return Deferred(lambda: self._stored(batch, pending.result()))

    def _stored(self, batch: Sequence[str], outputs: list[Output]) -> list[Output]:
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

    @property
    def parallel_batches(self) -> int:
        return parallel_batches(self.inner)

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        if not batch:
            return []
        try:
            return self.inner.translate(batch, context=context)
        except UsageError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of a model on some input is contained
            return self._failed(batch, exc, context)

    def submit(self, batch: Sequence[str], *, context: Contexts | None = None) -> Pending:
        """The batch is started now; a failure (when starting it or in ``result()``) is bisected
        in ``result()``, one half after the other, as ``translate`` does."""
        if not batch:
            return Deferred(list)
        try:
            pending = self.inner.submit(batch, context=context)
        except UsageError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of a model on some input is contained
            return Deferred(functools.partial(self._failed, batch, exc, context))  # exc: unbound after the block

        def finish() -> list[Output]:
            try:
                return pending.result()
            except UsageError:
                raise
            except Exception as exc:  # noqa: BLE001 - as in translate
                return self._failed(batch, exc, context)

        return Deferred(finish)

    def _failed(self, batch: Sequence[str], exc: Exception, context: Contexts | None) -> list[Output]:
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

    Sorting keeps padding (wasted compute) small; the result list is always in input order. When
    the inner backend decodes N batches at once (``parallel_batches``), up to 2N batches are in
    flight (a worker that finishes finds the next one waiting), longest first, and their results
    are taken in order; a call that would make fewer than N batches is cut into N smaller ones, so
    that no core waits while there is work (one article, a summary round of a few articles).
    """

    def __init__(self, inner: Backend, *, batch_tokens: int, max_items: int = 0, on_batch=None) -> None:
        super().__init__(inner)
        self.batch_tokens = batch_tokens
        self.max_items = max_items  # at most this many inputs per batch (0: no limit)
        self.on_batch = on_batch  # called with the number of inputs done, for progress

    def batches(self, lengths: Sequence[int], parts: int = 1) -> list[list[int]]:
        """Indices of ``lengths`` in batches, longest first. When the budget makes fewer than
        ``parts`` batches (one article, a summary round of a few chunks), the budget is lowered to
        the smallest that still makes at most ``parts``: one batch per worker, as even as the
        lengths allow (3 chunks on 2 workers: 2 + 1, not 1 + 1 and then 1 alone)."""
        batches = self._cut(lengths, self.batch_tokens)
        if parts > 1 and len(batches) < min(parts, len(lengths)):
            low, high = max(lengths), self.batch_tokens  # cutting at ``high`` makes fewer than parts
            while low < high:  # the smallest budget whose greedy cut has at most ``parts`` batches
                middle = (low + high) // 2
                low, high = (low, middle) if len(self._cut(lengths, middle)) <= parts else (middle + 1, high)
            batches = self._cut(lengths, low)
        return batches

    def _cut(self, lengths: Sequence[int], budget: int) -> list[list[int]]:
        order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
        batches: list[list[int]] = []
        for index in order:
            fits = not self.max_items or len(batches[-1]) < self.max_items if batches else False
            if fits and lengths[batches[-1][0]] * (len(batches[-1]) + 1) <= budget:
                batches[-1].append(index)  # the first item of a batch is its longest
            else:
                batches.append([index])
        return batches

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        results: list[Output | None] = [None] * len(batch)
        width = parallel_batches(self.inner)
        cut = self.batches(self.inner.count_tokens(batch), parts=width) if batch else []
        ahead = 2 * width if width > 1 and len(cut) > 1 else 0  # batches in flight

        def start(k: int) -> Pending:
            """Submit batch k; an error raised now is raised when its turn comes, after the batches
            before it are taken (and stored), as when batches run one after another."""
            try:
                return self.inner.submit([batch[i] for i in cut[k]], context=context)
            except Exception as exc:  # noqa: BLE001 - raised again in order, below
                return Deferred(functools.partial(_raise, exc))

        started: list[Pending | None] = [start(k) for k in range(min(ahead, len(cut)))]
        for k, indices in enumerate(cut):
            if ahead:
                outputs = started[k].result()  # type: ignore[union-attr]
                started[k] = None
                if k + ahead < len(cut):  # one is done: start the next
                    started.append(start(k + ahead))
            else:
                outputs = self.inner.translate([batch[i] for i in indices], context=context)
            for i, output in zip(indices, outputs, strict=True):
                results[i] = output
            if self.on_batch:
                self.on_batch(len(indices))
        return results  # type: ignore[return-value]

    def stream(self, first: Mapping[Hashable, Sequence[str]], follow: Follow) -> None:
        """``wrappers.stream`` without rounds: the texts waiting (of every request) are cut into
        length-sorted batches as ``translate`` cuts them, up to 2N in flight when the inner backend
        decodes N at once (one otherwise); batches are taken in order, and a request whose outputs
        are all back gets its next texts into the waiting pool at once, to go out with the next
        batches — so one article's second round decodes while another's first is still running,
        and no core waits for the slowest article of a round."""
        width = parallel_batches(self.inner)
        ahead = 2 * width if width > 1 else 1
        pool: list[tuple[Hashable, int, str, int]] = []  # (request, position, text, tokens) waiting
        slots: dict[Hashable, list[Output | None]] = {}
        left: dict[Hashable, int] = {}  # outputs each request still waits for
        flight: deque[tuple[Pending, list[tuple[Hashable, int]]]] = deque()

        def add(key: Hashable, texts: Sequence[str] | None) -> None:
            if texts:
                slots[key], left[key] = [None] * len(texts), len(texts)
                pool.extend(zip([key] * len(texts), range(len(texts)), texts, self.inner.count_tokens(list(texts))))

        def start(members: list[tuple[Hashable, int, str, int]]) -> Pending:
            texts = [text for _, _, text, _ in members]
            try:
                return self.inner.submit(texts) if width > 1 else Deferred(lambda: self.inner.translate(texts))
            except Exception as exc:  # noqa: BLE001 - raised when its turn comes, as in translate
                return Deferred(functools.partial(_raise, exc))

        for key, texts in first.items():
            add(key, texts)
        while pool or flight:
            if pool and len(flight) < ahead:
                cut = self.batches([tokens for *_, tokens in pool], parts=ahead - len(flight))[:ahead - len(flight)]
                for indices in cut:
                    members = [pool[i] for i in indices]
                    flight.append((start(members), [(key, position) for key, position, _, _ in members]))
                taken = {i for indices in cut for i in indices}
                pool = [entry for i, entry in enumerate(pool) if i not in taken]
                continue
            pending, members = flight.popleft()
            done = []
            for (key, position), output in zip(members, pending.result(), strict=True):
                slots[key][position] = output
                left[key] -= 1
                if not left[key]:
                    done.append(key)
            if self.on_batch:
                self.on_batch(len(members))
            for key in done:
                add(key, follow(key, slots.pop(key)))  # type: ignore[arg-type]


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

"""How the server backend paces its requests: a gate that bounds the requests in flight and halves
the bound when the server says it is overloaded (growing back as answers come), the batch's stop
signal and sleeps, and retry reports at most once a minute (not one line per request per retry)."""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

log = logging.getLogger("translate")
REPORT_EVERY_S = 60.0  # at most one retry warning per minute


class Stopped(Exception):
    """The batch stopped (the server is down or misconfigured): this request is not sent."""


@dataclass(eq=False)
class Ticket:
    generation: int  # the gate's generation when the request was sent
    crowded: bool = False  # another request was in flight at the same time


class Gate:
    """How many requests may be in flight: at most ``ceiling``; halved (at least 1) when the server
    says it is overloaded, once per generation (the requests sent before a halving do not halve it
    again); one more after ``4 * limit`` answers in a row."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling = self.limit = max(1, ceiling)
        self.generation = 0
        self._active: set[Ticket] = set()
        self._answers = 0
        self._cond = threading.Condition()

    def enter(self, stopped: threading.Event) -> Ticket:
        with self._cond:
            while len(self._active) >= self.limit:
                self._cond.wait(0.25)
                if stopped.is_set():
                    raise Stopped
            ticket = Ticket(self.generation)
            self._active.add(ticket)
            if len(self._active) > 1:
                for other in self._active:
                    other.crowded = True
            return ticket

    def leave(self, ticket: Ticket) -> None:
        with self._cond:
            self._active.discard(ticket)
            self._cond.notify_all()

    def answered(self) -> None:
        with self._cond:
            self._answers += 1
            if self.limit < self.ceiling and self._answers >= 4 * self.limit:
                self.limit += 1
                self._answers = 0
                self._cond.notify_all()

    def overloaded(self, ticket: Ticket) -> Optional[int]:
        """After an overload answer to ``ticket``'s request: the new limit when it was lowered, or the
        limit now when an earlier answer lowered it already since the request was sent; ``None`` when
        it cannot go lower (the failure then counts as a retry)."""
        with self._cond:
            self._answers = 0
            if ticket.generation != self.generation:
                return self.limit
            if self.limit <= 1:
                return None
            self.limit = max(1, self.limit // 2)
            self.generation += 1
            return self.limit


@dataclass
class Batch:
    """One ``_execute`` call: whether it stopped, and its failed attempts (for the report)."""

    stopped: threading.Event = field(default_factory=threading.Event)
    failures: int = 0
    last: str = ""

    def sleep(self, seconds: float) -> None:
        if self.stopped.wait(seconds):
            raise Stopped


class RetryReport:
    """Failed attempts in one warning per minute at most (with how many were not shown), the others at
    debug level, and one line per batch that had several: never one line per request per retry."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._lock = threading.Lock()
        self._last = -math.inf
        self._held = 0

    def failed(self, batch: Batch, problem: str, wait: float, what: str) -> None:
        with self._lock:
            batch.failures += 1
            batch.last = problem
            now = time.monotonic()
            if now - self._last >= REPORT_EVERY_S:
                held = f"; {self._held} more failure(s) not shown since the last report" if self._held else ""
                log.warning("LLM server at %s: a request failed (%s); %s in %.1f s%s", self.address, problem, what,
                            wait, held)
                self._last, self._held = now, 0
            else:
                self._held += 1
                log.debug("LLM server at %s: a request failed (%s); %s in %.1f s", self.address, problem, what, wait)

    def batch_done(self, batch: Batch) -> None:
        if batch.failures > 1:
            log.info("LLM server at %s: %d failed attempt(s) retried in this batch (last: %s)", self.address,
                     batch.failures, batch.last)

"""A progress sink for the benchmarks: when the run started and when each article finished."""

from __future__ import annotations

import time
from typing import Callable


class FinishTimes:
    """Implements the runners' Progress protocol; ``on_finish(count)`` is called after each article."""

    def __init__(self, on_finish: Callable[[int], None] | None = None) -> None:
        self.started = 0.0
        self.times: list[float] = []  # perf_counter() at each finish, in order
        self.at: dict[str, float] = {}  # article -> seconds since the start
        self.on_finish = on_finish

    def start(self, total_articles: int) -> None:
        self.started = time.perf_counter()

    def article(self, name: str, segments: int) -> None:
        pass

    def segments_done(self, n: int) -> None:
        pass

    def finished(self, name: str, status: str) -> None:
        now = time.perf_counter()
        self.times.append(now)
        self.at[name] = now - self.started
        if self.on_finish:
            self.on_finish(len(self.times))

"""``--engine ray``: the batch on a Ray cluster (or a local Ray instance), for folders bigger than one
machine. The same stages as the local engine, spread out:

* reading and segmentation: Ray Data tasks (``ray_workers.prepare_rows``), streamed to the driver
  in input order;
* translation, summaries and writing: a pool of model replicas (``ray_workers.ModelWorker``, Ray
  actors; each loads each model once, with one GPU when the profile's device is ``cuda``), each
  running the local engine's window code on a whole window of articles;
* the driver is the run core (``core.run_batch``): the output folder's lock, the run journal, the
  translation memory and the indexes. It cuts the stream into windows exactly as the local engine
  does, answers each window's segments from the memory (only the misses reach a model), stores
  the new translations, and records each article as its window comes back. So skip-unchanged,
  resume, fault isolation and the memory work as locally, and the records are the same.

Why actors fed by the driver rather than a single Ray Data pipeline: the memory lookup and store
sit on the driver between segmentation and translation, and a Ray Data ``map_batches`` stage
cannot call back to the driver; a new dataset per window would reload the models every window.
"""

from __future__ import annotations

import logging
import math
import pickle
import uuid
from dataclasses import dataclass, field
from typing import Iterator

from ..errors import UsageError
from ..memory import memory_key
from ..stages.article import Prepared
from .core import RunCore
from .plan import Window, Work, windows
from .ray_cluster import INSTALL_HINT, RayOptions, ReplicaPool, plan_replicas, ray_session, require_ray, uses_gpu
from .window import guarded, inputs_of

__all__ = ["RayEngine", "RayOptions", "plan_replicas"]
log = logging.getLogger("translate")


@dataclass(frozen=True)
class RayEngine:
    """``address``: an existing cluster (``auto``, ``ray://host:10001``), or None for a local
    instance started (and shut down) by the run. Raises ``UsageError`` (with the install command)
    when Ray is not installed."""

    address: str | None = None
    options: RayOptions = field(default_factory=RayOptions)
    name: str = "ray"

    def require(self) -> None:
        require_ray()

    def run(self, core: RunCore, todo: list[Work]) -> None:
        with ray_session(self.address, self.options, core.profile, debug=core.run.debug) as (workers, cpus):
            driver = _Driver(core, workers=workers, cpus=cpus, options=self.options)
            try:
                driver.start()  # a model that cannot be used stops the run here, before any article is read
                core.start(len(todo))
                driver.process(todo)
            finally:
                driver.stop()


class _Driver:
    """The driver's part: windows of prepared articles to replicas, the memory around them, and
    what comes back recorded by the core."""

    def __init__(self, core: RunCore, *, workers: int, cpus: int, options: RayOptions) -> None:
        self.core = core
        self.workers, self.cpus, self.options = workers, cpus, options
        self.level = logging.getLogger("translate").getEffectiveLevel()
        self.pool: ReplicaPool | None = None
        self.key = ""  # the translation memory's key for the replicas' model and settings

    def start(self) -> None:
        """The replicas, each checking its models (in parallel); the first one's log is replayed."""
        import ray

        from .ray_workers import ModelWorker

        core = self.core
        actor = ray.remote(num_cpus=self.cpus, num_gpus=1 if uses_gpu(core.profile) else 0,
                           max_restarts=2)(ModelWorker)
        actors = [actor.remote(job=core.job, loader=core.loader, cpus=self.cpus, level=self.level)
                  for _ in range(self.workers)]
        self.pool = ReplicaPool(actors)
        try:
            checks = ray.get([a.check.remote() for a in actors])
        except ray.exceptions.RayError as exc:
            raise UsageError(f"the model replicas could not start on the Ray cluster ({type(exc).__name__}: {exc})",
                             f"every node needs the same Python packages as here ({INSTALL_HINT}); "
                             "run with --debug for the workers' logs") from exc
        replay(checks[0].events, core)
        for check in checks:
            if check.error is not None:
                raise check.error.rebuild()
        self.key = memory_key(checks[0].settings)
        log.info("Ray: %d model replica(s), %d CPU(s) each", self.workers, self.cpus)

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.kill()

    def process(self, todo: list[Work]) -> None:
        """The local engine's loop, the articles prepared by Ray Data (in the same order)."""
        core = self.core
        stream = self._prepared(todo)

        def prepared(work: Work) -> Prepared | None:
            item = next(stream)
            if item.key != work.key:
                raise RuntimeError(f"Ray Data returned {item.key!r} where {work.key!r} was expected")
            replay(item.events, core)
            if item.error is not None:
                error = item.error.rebuild()
                guarded([work.key], lambda: _raise(error), sink=core.recorder, debug=core.run.debug)
                return None
            return item.prepared

        for window in windows(todo, prepared, limit=core.run.window_segments, on_article=core.progress.article):
            self._submit(window)
        self.pool.drain()

    def _prepared(self, todo: list[Work]) -> Iterator:
        import ray
        from ray.data import DataContext

        from .ray_workers import prepare_rows

        context = DataContext.get_current()
        saved = context.execution_options.preserve_order, context.enable_progress_bars
        context.execution_options.preserve_order = True  # windows as the local engine cuts them
        context.enable_progress_bars = False
        per_task = max(1, self.options.articles_per_task)
        rows = [{"path": str(work.path), "key": work.key} for work in todo]
        human = self.core.memory.human_all()  # read once; each worker indexes it once for this run
        version = f"{uuid.uuid4().hex}:{len(human)}"
        try:  # a dataset keeps the context it was made in
            dataset = ray.data.from_items(rows, override_num_blocks=max(1, math.ceil(len(rows) / per_task)))
            dataset = dataset.map_batches(prepare_rows, batch_size=per_task, num_cpus=1, fn_kwargs={
                "job": self.core.job, "human": human, "human_version": version,
                "loader": self.core.loader,
                "level": self.level})
        finally:
            context.execution_options.preserve_order, context.enable_progress_bars = saved
        for row in dataset.iter_rows():
            yield pickle.loads(row["payload"])

    def _submit(self, window: Window) -> None:
        if not window:
            return
        while len(self.pool) > self.workers:  # one window waiting per busy replica at most: bounded memory
            self.pool.wait_one()
        known = self.core.memory.lookup(self.key, inputs_of(window))
        self.pool.submit((window, known), lambda result, error: self._done(window, result, error))

    def _done(self, window: Window, result, error: BaseException | None) -> None:
        core = self.core
        if error is not None:
            guarded([p.key for p, _ in window], lambda: _raise(error), sink=core.recorder, debug=core.run.debug)
            return
        core.memory.store(self.key, result.fresh)
        core.report.translation_calls += result.calls
        if result.segments:
            core.progress.segments_done(result.segments)
        replay(result.events, core)
        if result.error is not None:
            raise result.error.rebuild()


def _raise(exc: BaseException) -> None:
    raise exc


def replay(events: list, core: RunCore) -> None:
    """What a worker logged and what its articles became, in its order."""
    for event in events:
        if event[0] == "log":
            log.log(event[1], "%s", event[2])
        elif event[0] == "failed":
            core.recorder.failed(*event[1:])
        elif event[0] == "done":
            core.recorder.done(*event[1:])

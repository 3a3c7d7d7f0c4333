"""``--engine ray``: the batch on a Ray cluster (or a local Ray instance), for folders bigger than one
machine. The same stages as the local engine, spread out:

* reading and segmentation: Ray Data tasks (``ray_workers.prepare_rows``), streamed to the driver
  in input order;
* translation, summaries and writing: a pool of model replicas (``ray_workers.ModelWorker``, Ray
  actors; each loads each model once, with one GPU when the profile's device is ``cuda``), each
  running the local engine's window code on a whole window of articles;
* the driver holds the output folder's lock, the run journal, the translation memory and the
  indexes: it skips unchanged articles, cuts the stream into windows exactly as the local engine
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
from pathlib import Path
from typing import Callable, Iterator

from ..config import Profile
from ..errors import UsageError
from ..memory import TranslationMemory
from ..stages.article import Prepared
from .common import BatchReport, LogProgress, Progress, RunOptions
from .journal import Journal
from .local import RunState, _raise, plan_run, windows, write_indexes
from .lock import folder_lock
from .ray_cluster import RayOptions, ReplicaPool, plan_replicas, ray_session, require_ray, uses_gpu

__all__ = ["RayOptions", "plan_replicas", "run_batch_ray"]
log = logging.getLogger("translate")


def run_batch_ray(*, profile: Profile, run: RunOptions, address: str | None, progress: Progress | None = None,
                  options: RayOptions | None = None, loader: Callable | None = None) -> BatchReport:
    """``run_batch`` on Ray: the same outputs, journal, memory and report. ``address``: an existing
    cluster (``auto``, ``ray://host:10001``), or None for a local instance started (and shut down)
    here. ``loader``: builds a backend from options (default ``backends.load_backend``), on the
    workers. Raises ``UsageError`` (with the install command) when Ray is not installed."""
    require_ray()
    from ..backends import load_backend

    with folder_lock(run.out, wait=run.wait):
        journal = Journal(run.out)
        try:
            return _run_locked(profile, run, progress or LogProgress(), journal, address=address,
                               options=options or RayOptions(), loader=loader or load_backend)
        finally:
            journal.close()


def _run_locked(profile: Profile, run: RunOptions, progress: Progress, journal: Journal, *, address: str | None,
                options: RayOptions, loader: Callable) -> BatchReport:
    plan = plan_run(profile, run, journal, engine="ray")
    report, todo, settings, memory_path = plan.report, plan.todo, plan.settings, plan.memory_path
    state = RunState(profile, run, None, journal, progress, report, plan.fingerprint, plan.glossary)
    if not todo:  # nothing to do: no Ray at all
        progress.start(0)
        write_indexes(run.out, journal, settings)
        return report
    memory = TranslationMemory(memory_path) if run.memory or memory_path.exists() else None
    try:
        with ray_session(address, options, profile, debug=run.debug) as (workers, cpus):
            driver = _Driver(state, memory, workers=workers, cpus=cpus, options=options, loader=loader)
            try:
                driver.start()  # a model that cannot be used stops the run here, before any article is read
                progress.start(len(todo))
                try:
                    driver.process(todo)
                except BaseException:  # an interrupt or a run-stopping error: list what was finished, then stop
                    write_indexes(run.out, journal, settings, quiet=True)
                    raise
                else:
                    write_indexes(run.out, journal, settings)
            finally:
                driver.stop()
    finally:
        if memory is not None:
            memory.close()
    return report


class _Driver:
    """The driver's part: windows of prepared articles to replicas, the memory around them, and
    what comes back recorded in the journal."""

    def __init__(self, state: RunState, memory: TranslationMemory | None, *, workers: int, cpus: int, options: RayOptions,
                 loader: Callable) -> None:
        self.state, self.memory = state, memory
        self.workers, self.cpus, self.options, self.loader = workers, cpus, options, loader
        self.level = logging.getLogger("translate").getEffectiveLevel()
        self.pool: ReplicaPool | None = None
        self.memory_key: str | None = None

    def start(self) -> None:
        """The replicas, each checking its models (in parallel); the first one's log is replayed."""
        import ray

        from .ray_workers import ModelWorker

        state = self.state
        actor = ray.remote(num_cpus=self.cpus, num_gpus=1 if uses_gpu(state.profile) else 0,
                           max_restarts=2)(ModelWorker)
        actors = [actor.remote(profile=state.profile, run=state.run, fingerprint=state.fingerprint,
                               glossary=state.glossary, loader=self.loader, cpus=self.cpus, level=self.level)
                  for _ in range(self.workers)]
        self.pool = ReplicaPool(actors)
        try:
            checks = ray.get([a.check.remote() for a in actors])
        except ray.exceptions.RayError as exc:
            raise UsageError(f"the model replicas could not start on the Ray cluster ({type(exc).__name__}: {exc})",
                             "every node needs the same Python packages as here (pip install \"translate[ray]\"); "
                             "run with --debug for the workers' logs") from exc
        replay(checks[0]["events"], state)
        for check in checks:
            if check["error"] is not None:
                raise check["error"].rebuild()
        self.memory_key = checks[0]["memory_key"]
        log.info("Ray: %d model replica(s), %d CPU(s) each", self.workers, self.cpus)

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.kill()

    def process(self, todo: list[tuple[Path, str, Path]]) -> None:
        """``local._process``, the articles prepared by Ray Data (in the same order)."""
        state = self.state
        stream = self._prepared(todo)

        def prepared(path: Path, key: str) -> Prepared | None:
            item = next(stream)
            if item.key != key:
                raise RuntimeError(f"Ray Data returned {item.key!r} where {key!r} was expected")
            replay(item.events, state)
            if item.error is not None:
                state.guarded([key], lambda: _raise(item.error.rebuild()))
                return None
            return item.prepared

        for window in windows(state, todo, prepared):
            self._submit(window)
        self.pool.drain()

    def _prepared(self, todo: list[tuple[Path, str, Path]]) -> Iterator:
        import ray
        from ray.data import DataContext

        from .ray_workers import prepare_rows

        context = DataContext.get_current()
        saved = context.execution_options.preserve_order, context.enable_progress_bars
        context.execution_options.preserve_order = True  # windows as the local engine cuts them
        context.enable_progress_bars = False
        per_task = max(1, self.options.articles_per_task)
        rows = [{"path": str(path), "key": key} for path, key, _ in todo]
        try:  # a dataset keeps the context it was made in
            dataset = ray.data.from_items(rows, override_num_blocks=max(1, math.ceil(len(rows) / per_task)))
            dataset = dataset.map_batches(prepare_rows, batch_size=per_task, num_cpus=1, fn_kwargs={
                "profile": self.state.profile, "input_path": str(self.state.run.input), "human": self._human(),
                "loader": self.loader, "level": self.level})
        finally:
            context.execution_options.preserve_order, context.enable_progress_bars = saved
        for row in dataset.iter_rows():
            yield pickle.loads(row["payload"])

    def _human(self) -> dict:
        """Every reviewer translation in the memory (sent to the reading tasks: prepare uses them)."""
        if self.memory is None:
            return {}
        return self.memory.human_all()

    def _submit(self, window: list) -> None:
        if not window:
            return
        while len(self.pool) > self.workers:  # one window waiting per busy replica at most: bounded memory
            self.pool.wait_one()
        known = {}
        if self.memory is not None and self.state.run.memory:
            inputs = list(dict.fromkeys(text for prepared, _ in window for text in prepared.inputs))
            known = self.memory.lookup(self.memory_key, inputs)
        self.pool.submit((window, known), lambda result, error: self._done(window, result, error))

    def _done(self, window: list, result: dict | None, error: BaseException | None) -> None:
        state = self.state
        if error is not None:
            state.guarded([p.key for p, _ in window], lambda: _raise(error))
            return
        if result["fresh"] and self.memory is not None:
            self.memory.store(self.memory_key, result["fresh"])
        state.report.translation_calls += result["calls"]
        state.report.memory_hits += result["hits"]
        if result["segments"]:
            state.progress.segments_done(result["segments"])
        replay(result["events"], state)
        state.report.done.extend(result["done"])
        state.report.failed.update(result["failed"])
        if result["error"] is not None:
            raise result["error"].rebuild()


def replay(events: list, state: RunState) -> None:
    """What a worker logged and recorded, in its order: log lines, journal entries, progress."""
    for event in events:
        if event[0] == "log":
            log.log(event[1], "%s", event[2])
        elif event[0] == "record":
            state.journal.record(event[1], event[2])
        elif event[0] == "finished":
            state.progress.finished(event[1], event[2])

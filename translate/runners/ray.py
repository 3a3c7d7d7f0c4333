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

import contextlib
import importlib.util
import logging
import math
import os
import pickle
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .. import __version__
from ..config import Profile, settings_record
from ..errors import UsageError
from ..memory import TranslationMemory
from ..reading.files import discover, sha256_file
from ..stages.flags import load_glossary
from .common import MEMORY_FILE, BatchReport, LogProgress, Progress, RunOptions, output_names, settings_hash
from .journal import Journal
from .local import _now, _raise, _Run, _write_indexes, display
from .lock import folder_lock

log = logging.getLogger("translate")
INSTALL_HINT = 'pip install "translate[ray]" (Ray is an optional extra), or use --engine local'


@dataclass(frozen=True)
class RayOptions:
    """How the run uses Ray. 0 means: chosen from the cluster (see ``plan_replicas``)."""

    workers: int = 0  # model replicas
    cpus_per_worker: int = 0  # CPUs (and model threads) per replica
    num_cpus: int = 0  # CPUs of the local Ray instance started without an address (0: this machine's)
    articles_per_task: int = 4  # articles read and segmented per Ray Data task
    ship_code: bool = True  # on a cluster, send this package to the workers (runtime_env py_modules)
    object_store_mb: int = 512  # object store of a local instance


def require_ray() -> None:
    if importlib.util.find_spec("ray") is None:
        raise UsageError("--engine ray needs Ray, which is not installed", INSTALL_HINT)


def uses_gpu(profile: Profile) -> bool:
    return profile.translation.device == "cuda" or (profile.summary.method == "abstractive"
                                                     and profile.summary.device == "cuda")


def plan_replicas(options: RayOptions, *, cpus: float, gpus: float, gpu: bool) -> tuple[int, int]:
    """(replicas, CPUs per replica). With ``device: cuda``, one replica per GPU and one CPU each;
    on CPUs, up to 4 cores per replica, leaving one core for reading and segmenting."""
    spare = max(1, int(cpus) - 1)
    per = options.cpus_per_worker or (1 if gpu else min(4, spare))
    workers = options.workers or (max(1, int(gpus)) if gpu else max(1, spare // per))
    return workers, per


@contextlib.contextmanager
def ray_session(address: str | None, options: RayOptions, profile: Profile, *, debug: bool) -> Iterator[tuple]:
    """Connect to ``address`` (``auto``, ``ray://host:10001``...) or start a local instance
    (loopback only, no dashboard, no usage stats); yields (replicas, CPUs per replica); shuts down
    what it started. An application that already called ``ray.init`` keeps its own connection."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address is None:  # Ray's own switch: a single-node instance on 127.0.0.1 (read when ray is imported)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray
    import ray.data  # configures its logger on import: quieted below

    level = logging.INFO if debug else logging.WARNING
    saved = logging.getLogger("ray.data").level
    if not debug:
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # per-dataset progress lines
    gpu = uses_gpu(profile)
    started = not ray.is_initialized()
    try:
        if started and address is None:
            cpus = options.num_cpus or os.cpu_count() or 1
            workers, per = plan_replicas(options, cpus=cpus, gpus=0, gpu=gpu)
            ray.init(num_cpus=max(cpus, workers * per + 1), include_dashboard=False, logging_level=level,
                     object_store_memory=options.object_store_mb * 2**20)
        else:
            if started:
                runtime = {"py_modules": [str(Path(__file__).resolve().parents[1])]} if options.ship_code else None
                try:
                    ray.init(address=address, logging_level=level, runtime_env=runtime)
                except (ConnectionError, ValueError, RuntimeError) as exc:
                    raise UsageError(f"cannot connect to the Ray cluster at {address} ({exc})",
                                     "check --ray-address (auto on a cluster node, ray://HEAD:10001 from outside) "
                                     "and that the cluster is up (ray status)") from exc
            resources = ray.cluster_resources()
            workers, per = plan_replicas(options, cpus=resources.get("CPU", 1), gpus=resources.get("GPU", 0),
                                         gpu=gpu)
            if workers * per + 1 > resources.get("CPU", 0):
                log.warning("%d replica(s) x %d CPU(s), and one CPU for reading, need more than the cluster's %g "
                            "CPUs: replicas wait until the cluster grows", workers, per, resources.get("CPU", 0))
        if gpu and not ray.cluster_resources().get("GPU"):
            raise UsageError("the profile runs on cuda but the Ray cluster has no GPU",
                             "add GPU nodes, or use --device cpu")
        yield workers, per
    finally:
        if started and ray.is_initialized():
            ray.shutdown()
        logging.getLogger("ray.data").setLevel(saved)


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
    files, ignored = discover(run.input, extensions=run.extensions)
    report = BatchReport(ignored=[str(p) for p in ignored])
    for path in ignored:
        log.warning("%s: skipped (extension not in %s; pass the file explicitly to try it)", display(str(path)),
                    ", ".join(run.extensions))
    glossary = load_glossary(Path(profile.output.glossary)) if profile.output.glossary else None
    fingerprint = settings_hash(profile)
    memory_path = run.memory_path or run.out / MEMORY_FILE
    settings = {"tool_version": __version__, "settings_hash": fingerprint, **settings_record(profile),
                "translation_memory": str(memory_path), "machine_translations_cached": run.memory, "started": _now(),
                "engine": "ray"}
    journal.start_run(settings)
    names = output_names(files, run.input if run.input.is_dir() else run.input.parent)
    todo = []
    for path in files:
        key, stem = names[path]
        try:
            digest = sha256_file(path)
        except OSError:
            digest = None  # reading it reports the reason
        if not run.force and digest and journal.is_current(key, digest, fingerprint, run.out):
            report.skipped.append(key)
            log.info("%s: unchanged since the last run, skipped (use --force to redo)", display(key))
        else:
            todo.append((path, key, stem))
    state = _Run(profile, run, None, journal, progress, report, fingerprint, glossary)
    if not todo:  # nothing to do: no Ray at all
        progress.start(0)
        _write_indexes(run.out, journal, settings)
        return report
    memory = TranslationMemory(memory_path) if run.memory or memory_path.exists() else None
    try:
        with ray_session(address, options, profile, debug=run.debug) as (workers, cpus):
            driver = _Driver(state, memory, workers=workers, cpus=cpus, options=options, loader=loader)
            try:
                driver.start()  # a model that cannot be used stops the run here, before any article is read
                progress.start(len(todo))
                driver.process(todo)
            except BaseException:  # an interrupt or a run-stopping error: list what was finished, then stop
                _write_indexes(run.out, journal, settings, quiet=True)
                raise
            else:
                _write_indexes(run.out, journal, settings)
            finally:
                driver.stop()
    finally:
        if memory is not None:
            memory.close()
    return report


class _Pool:
    """Windows to idle replicas, first come first served (an actor runs one call at a time)."""

    def __init__(self, actors: list) -> None:
        self.actors = list(actors)
        self.idle = list(actors)
        self.queue: deque = deque()
        self.running: dict = {}

    def __len__(self) -> int:
        return len(self.queue) + len(self.running)

    def submit(self, args: tuple, done: Callable) -> None:
        self.queue.append((args, done))
        self._start()

    def _start(self) -> None:
        while self.idle and self.queue:
            actor = self.idle.pop(0)
            args, done = self.queue.popleft()
            self.running[actor.window.remote(*args)] = (actor, done)

    def wait_one(self) -> None:
        import ray

        ready, _ = ray.wait(list(self.running), num_returns=1)
        actor, done = self.running.pop(ready[0])
        self.idle.append(actor)
        self._start()
        try:
            result = ray.get(ready[0])
        except ray.exceptions.RayError as exc:  # the replica died (out of memory, crash): its window fails
            done(None, exc)
        else:
            done(result, None)

    def drain(self) -> None:
        while self:
            self.wait_one()

    def kill(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor)


class _Driver:
    """The driver's part: windows of prepared articles to replicas, the memory around them, and
    what comes back recorded in the journal."""

    def __init__(self, state: _Run, memory: TranslationMemory | None, *, workers: int, cpus: int, options: RayOptions,
                 loader: Callable) -> None:
        self.state, self.memory = state, memory
        self.workers, self.cpus, self.options, self.loader = workers, cpus, options, loader
        self.level = logging.getLogger("translate").getEffectiveLevel()
        self.pool: _Pool | None = None
        self.memory_key: str | None = None
        self.stems: dict[str, Path] = {}

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
        self.pool = _Pool(actors)
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
        """``local._process`` with the stream of prepared articles coming from Ray Data."""
        state, limit = self.state, self.state.run.window_segments
        self.stems = {key: stem for _, key, stem in todo}
        window: list = []
        for item in self._prepared(todo):
            replay(item.events, state)
            if item.error is not None:
                state.guarded([item.key], lambda: _raise(item.error.rebuild()))
                continue
            prepared = item.prepared
            new = set(prepared.inputs) - state.seen
            state.seen = state.seen | new if len(state.seen) < 200_000 else new
            state.progress.article(prepared.key, len(new))
            if len(prepared.inputs) >= limit:
                self._submit(window)
                window = []
            window.append((prepared, self.stems[prepared.key]))
            if sum(len(p.inputs) for p, _ in window) >= limit:
                self._submit(window)
                window = []
        self._submit(window)
        self.pool.drain()

    def _prepared(self, todo: list[tuple[Path, str, Path]]) -> Iterator:
        import ray
        from ray.data import DataContext

        from .ray_workers import prepare_rows

        context = DataContext.get_current()
        context.execution_options.preserve_order = True  # windows as the local engine cuts them
        context.enable_progress_bars = False
        per_task = max(1, self.options.articles_per_task)
        rows = [{"path": str(path), "key": key} for path, key, _ in todo]
        dataset = ray.data.from_items(rows, override_num_blocks=max(1, math.ceil(len(rows) / per_task)))
        dataset = dataset.map_batches(prepare_rows, batch_size=per_task, num_cpus=1, fn_kwargs={
            "profile": self.state.profile, "input_path": str(self.state.run.input), "human": self._human(),
            "loader": self.loader, "level": self.level})
        for row in dataset.iter_rows():
            yield pickle.loads(row["payload"])

    def _human(self) -> dict:
        """Every reviewer translation in the memory (sent to the reading tasks: prepare uses them)."""
        if self.memory is None:
            return {}
        keys = [key for (key,) in self.memory.db.execute("SELECT key FROM human")]
        return self.memory.human_lookup(keys)

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


def replay(events: list, state: _Run) -> None:
    """What a worker logged and recorded, in its order: log lines, journal entries, progress."""
    for event in events:
        if event[0] == "log":
            log.log(event[1], "%s", event[2])
        elif event[0] == "record":
            state.journal.record(event[1], event[2])
        elif event[0] == "finished":
            state.progress.finished(event[1], event[2])

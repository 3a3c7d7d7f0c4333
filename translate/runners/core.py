"""The run core every engine plugs into: ``run_batch`` holds the output folder's lock and the run
journal, plans the run (``plan``), opens the translation memory, lets the engine process the
articles to do, records what each became, and writes ``manifest.json``, ``index.md`` and
``index.html`` at the end — also after an interrupt or a run-stopping error, so what was finished
is listed. Re-runs redo only what changed; a failure costs only its own article.

An engine (``local``: this process; ``ray``: a Ray cluster) gets the ``RunCore`` and decides only
where articles are prepared and where the models run; the journal, the memory's lookups and
stores, the report and the progress are the core's, whatever the engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Protocol, Sequence

from ..backends.base import Output
from ..backends.stack import Loader
from ..config import Profile
from ..errors import OutputError, UsageError
from ..memory import TranslationMemory
from ..outputs import render_index, render_index_html
from ..outputs.atomic import write_atomic
from ..outputs.escape import display_name
from ..outputs.manifest import write_manifest
from ..record import Human
from .journal import Journal
from .lock import folder_lock
from .plan import BatchReport, RunOptions, RunPlan, Work, now, plan_run
from .window import Job

log = logging.getLogger("translate")


class Progress(Protocol):
    def start(self, total_articles: int) -> None: ...
    def article(self, name: str, segments: int) -> None: ...
    def segments_done(self, n: int) -> None: ...
    def finished(self, name: str, status: str) -> None: ...


class LogProgress:
    """Plain log lines; the CLI swaps in progress bars on a terminal."""

    def start(self, total_articles: int) -> None:
        log.info("%d article(s) to process", total_articles)

    def article(self, name: str, segments: int) -> None:
        log.info("%s: %d segment(s) to translate", display_name(name), segments)

    def segments_done(self, n: int) -> None:
        pass

    def finished(self, name: str, status: str) -> None:
        log.info("%s: %s", display_name(name), status)


@dataclass
class Recorder:
    """Where every article's outcome goes (the ``window.Sink`` of the run): the journal, the
    report, the log and the progress."""

    journal: Journal
    report: BatchReport
    progress: Progress

    def failed(self, key: str, code: str, reason: str, hint: str) -> None:
        self.journal.record(key, {"status": "failed", "error": {"code": code, "reason": reason, "hint": hint},
                                  "finished": now()})
        self.report.failed[key] = f"{reason} — fix: {hint}"
        log.error("%s: %s\n  fix: %s", display_name(key), reason, hint)
        self.progress.finished(key, "failed")

    def done(self, key: str, entry: dict) -> None:
        self.journal.record(key, entry)
        self.report.done.append(key)
        self.progress.finished(key, f"done ({entry['counts']['segments']} segments)")


@dataclass
class RunMemory:
    """The translation memory as a run uses it: reviewers' translations always (they win over the
    model), machine translations unless ``reuse`` is off (``--no-cache``). Opened on first use;
    nothing is created for a run that never needs it."""

    path: Path
    reuse: bool
    hits: int = 0
    _db: TranslationMemory | None = field(default=None, repr=False)

    def _open(self) -> TranslationMemory:
        if self._db is None:
            self._db = TranslationMemory(self.path)
        return self._db

    def lookup(self, key: str, inputs: Sequence[str]) -> dict[str, Output]:
        """The stored machine translations of ``inputs`` for the model settings ``key``."""
        if not self.reuse or not inputs:
            return {}
        found = self._open().lookup(key, inputs)
        self.hits += len(found)
        return found

    def store(self, key: str, pairs: Sequence[tuple[str, Output]]) -> None:
        if self.reuse and pairs:
            self._open().store(key, pairs)

    def human_lookup(self, keys: list[str]) -> Mapping[str, Human]:
        """Reviewers' translations of these sentence keys (used even with ``--no-cache``)."""
        if self._db is None and not self.path.exists():
            return {}
        return self._open().human_lookup(keys)

    def human_all(self) -> dict[str, Human]:
        if self._db is None and not self.path.exists():
            return {}
        return self._open().human_all()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


@dataclass
class RunCore:
    """One run, as engines see it: what to process it with (``job``), where outcomes go
    (``recorder``), the memory, and how backends are loaded (``loader``)."""

    profile: Profile
    run: RunOptions
    plan: RunPlan
    job: Job
    recorder: Recorder
    memory: RunMemory
    progress: Progress
    loader: Loader | None = None
    started: bool = False  # articles are being processed (the models passed their check)

    @property
    def report(self) -> BatchReport:
        return self.plan.report

    def start(self, total_articles: int) -> None:
        """The engine's models are ready: from here on, an interrupted run still lists what it finished."""
        self.started = True
        self.progress.start(total_articles)


class Engine(Protocol):
    """Where the articles are prepared and the models run. ``require`` refuses (``UsageError``)
    before anything is touched when the engine cannot run here; ``run`` checks the models before
    any article is read, then calls ``core.start``, processes every article of ``todo`` through
    ``window.process_window`` with the core's memory around it, and counts model calls in the report."""

    name: str

    def require(self) -> None: ...

    def run(self, core: RunCore, todo: list[Work]) -> None: ...


def engine_named(name: str, *, ray_address: str | None = None, ray_workers: int = 0) -> Engine:
    """``local`` or ``ray``: for ``ray``, the cluster's address (None: a local instance started for
    the run) and the number of model replicas (0: chosen from the cluster)."""
    if name == "ray":
        from .ray import RayEngine, RayOptions

        return RayEngine(address=ray_address, options=RayOptions(workers=ray_workers))
    if name != "local":
        raise UsageError(f"--engine {name!r} is not an engine", "use --engine local or --engine ray")
    if ray_address or ray_workers:
        raise UsageError("--ray-address and --ray-workers need --engine ray", "add --engine ray, or drop them")
    from .local import LocalEngine

    return LocalEngine()


def run_batch(*, profile: Profile, run: RunOptions, progress: Progress | None = None, engine: Engine | str = "local",
              loader: Loader | None = None) -> BatchReport:
    """Process every article under ``run.input`` into ``run.out`` with ``engine`` (``local``,
    ``ray``, or an engine object such as ``RayEngine(address=...)``). Never exits; see
    ``BatchReport``. Holds the output folder's lock for the whole run (waits for, or with
    ``run.wait=False`` refuses, another run on the same folder). ``loader`` builds a backend from
    options (default ``backends.load_backend``)."""
    engine = engine_named(engine) if isinstance(engine, str) else engine
    engine.require()
    progress = progress or LogProgress()
    with folder_lock(run.out, wait=run.wait):
        journal = Journal(run.out)
        memory = RunMemory(run.memory_file, run.reuse_translations)
        try:
            plan = plan_run(profile, run, journal, engine=engine.name)
            job = Job(profile, run.out, run.input, plan.fingerprint, plan.glossary, run.debug)
            core = RunCore(profile, run, plan, job, Recorder(journal, plan.report, progress), memory, progress, loader)
            try:
                if plan.todo:
                    engine.run(core, plan.todo)
                else:
                    core.start(0)
            except BaseException:  # an interrupt or a run-stopping error: list what was finished, then stop
                if core.started:  # (a model refused before any article: nothing to list)
                    write_indexes(run.out, journal, plan.settings, quiet=True)
                raise
            write_indexes(run.out, journal, plan.settings)
            plan.report.memory_hits = memory.hits
            return plan.report
        finally:
            memory.close()
            journal.close()


def write_indexes(out: Path, journal: Journal, settings: dict, *, quiet: bool = False) -> None:
    """manifest.json, index.md and index.html from the journal. ``quiet``: a failure is logged, not
    raised, so it never hides the error that stopped the run."""
    try:
        entries = journal.entries()
        write_manifest(out, run=settings, files=entries)
        write_atomic(out / "index.md", render_index(entries, settings=settings))
        write_atomic(out / "index.html", render_index_html(entries, settings=settings))
    except OutputError as exc:
        if not quiet:
            raise
        log.error("the indexes could not be written: %s", exc)

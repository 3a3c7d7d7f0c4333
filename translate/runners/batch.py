"""``run_batch``: a folder of articles in; per article an aligned JSON record and its views out,
plus ``manifest.json``, ``index.md`` and ``index.html`` for the folder. It finds the inputs, holds
the output folder's lock and the run journal, plans the run (``plan``), checks that every model
the run needs is on this machine (all the missing ones named at once), opens the translation
memory, lets the engine process the articles to do (``core.Engine``), and writes the indexes at the
end — also after an interrupt or a run-stopping error, so what was finished is listed. Re-runs
redo only what changed; a failure costs only its own article.
"""

from __future__ import annotations

from ..backends.stack import Loader
from ..config import Profile
from ..errors import UsageError
from .core import Engine, LogProgress, Progress, Recorder, RunCore, RunMemory, write_indexes
from .journal import Journal
from .lock import folder_lock
from .outdir import check_out, remove_stale_temporaries
from .plan import BatchReport, DryRun, RunOptions, dry_run, find_inputs, plan_run
from .window import Job


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
    options (default ``backends.load_backend``). ``run.force`` redoes every article and translates
    every segment again (the memory's machine translations are not used; reviewers' are);
    ``run.limit`` (re)does at most that many articles."""
    engine = engine_named(engine) if isinstance(engine, str) else engine
    engine.require()
    check_out(run.out, run.input)
    inputs = find_inputs(run)  # before anything is created: an input of no readable file stops here
    progress = progress or LogProgress()
    with folder_lock(run.out, wait=run.wait):
        remove_stale_temporaries(run.out)
        journal = Journal(run.out)
        memory = RunMemory(run.memory_file, run.machine_translations_reused)
        try:
            plan = plan_run(profile, run, journal, engine=engine.name, inputs=inputs)
            if plan.todo:
                if loader is None:  # a test's or caller's loader may serve models that are not on disk
                    from ..catalog import require_models

                    require_models(profile)
                memory.check()
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


def plan_batch(*, profile: Profile, run: RunOptions) -> DryRun:
    """What ``run_batch`` would do with ``run`` and why (``--dry-run``), changing nothing on disk."""
    check_out(run.out, run.input)
    return dry_run(profile, run)

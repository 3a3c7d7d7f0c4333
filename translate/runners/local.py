"""The batch in this process: a folder of articles in; per article an aligned JSON record and its
views out, plus ``index.md``, ``index.html`` and ``manifest.json`` for the folder. Re-runs redo only
what changed; one run at a time per output folder; a failure costs only its own article."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .. import __version__
from ..config import Profile, settings_record
from ..errors import InputError, OutputError, UsageError
from ..outputs import render_index, render_index_html
from ..outputs.atomic import write_atomic
from ..outputs.escape import display_name as display
from ..outputs.manifest import write_manifest
from ..reading.files import discover, sha256_file
from ..stages.align import assemble
from ..stages.article import Prepared, build_record, plan_summary, prepare, render
from ..review.status import review_counts
from ..stages.summarize import Summary, run_plans
from ..stages.flags import load_glossary
from .common import MEMORY_FILE, BatchReport, LogProgress, Models, Progress, RunOptions, output_names, settings_hash
from .journal import Journal
from .lock import folder_lock

log = logging.getLogger("translate")


@dataclass
class RunState:
    """The state of one batch run, passed to the helpers below."""

    profile: Profile
    run: RunOptions
    models: Models
    journal: Journal
    progress: Progress
    report: BatchReport
    fingerprint: str
    glossary: object
    seen: set = field(default_factory=set)  # segments already queued in this run (for progress)

    def fail(self, key: str, code: str, reason: str, hint: str) -> None:
        self.journal.record(key, {"status": "failed", "error": {"code": code, "reason": reason, "hint": hint},
                                  "finished": now()})
        self.report.failed[key] = f"{reason} — fix: {hint}"
        log.error("%s: %s\n  fix: %s", display(key), reason, hint)
        self.progress.finished(key, "failed")

    def guarded(self, keys: list[str], action: Callable[[], object]) -> object:
        """Run ``action``; any error but a run-stopping one (``UsageError``: configuration, model,
        output folder; an interrupt) fails ``keys`` only, and the batch goes on."""
        try:
            return action()
        except UsageError:
            raise
        except InputError as exc:
            for key in keys:
                self.fail(key, exc.code, exc.reason, exc.hint)
        except Exception as exc:  # noqa: BLE001 - contained per article, as promised by the exit codes
            if self.run.debug:
                raise
            log.debug("unexpected error", exc_info=True)
            for key in keys:
                self.fail(key, "internal", f"internal error while processing ({type(exc).__name__}: {exc})",
                          "run again with --debug for a traceback, and report it")
        return None


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def translate_window(state: RunState, window: list[tuple[Prepared, Path]]) -> None:
    """Translate the segments of several articles together (length-sorted across articles), then
    summarize them together (every round of every article's summary in one batching call), then
    build and write each article. A segment or chunk the model fails on fails its own article only."""
    if not window:
        return
    inputs = list(dict.fromkeys(text for prepared, _ in window for text in prepared.inputs))
    context = {text: c for prepared, _ in window for text, c in prepared.contexts.items()}
    started = time.perf_counter()
    translated = state.guarded([p.key for p, _ in window],
                               lambda: state.models.translator.translate(inputs, context=context))
    if translated is None:
        return
    outputs = dict(zip(inputs, translated))
    elapsed = time.perf_counter() - started
    assembled = []
    for prepared, stem in window:
        share = len(prepared.inputs) / max(len(inputs), 1)
        prepared.timings["translate_s"] = elapsed * share  # the window's time, shared by segment count
        failed = next((seg for seg in prepared.segments if seg.model_input and outputs[seg.model_input].error), None)
        if failed is not None:
            state.fail(prepared.key, "model", f"the translation model failed on segment p{failed.block + 1}."
                       f"s{failed.sentence + 1} ({outputs[failed.model_input].error})",
                       "the other articles are done; run again with --debug for details, or try another backend "
                       "or model for this article")
            continue
        found = state.guarded([prepared.key], lambda: _assemble(state, prepared, outputs))
        if found is not None:
            assembled.append((prepared, stem, *found))
    summaries = _summarize(state, [(prepared, plan) for prepared, _, _, plan in assembled])
    for (prepared, stem, paragraphs, _), summary in zip(assembled, summaries):
        if isinstance(summary, Exception):
            state.guarded([prepared.key], lambda: _raise(summary))
            continue
        _finish_one(state, prepared, stem, outputs, paragraphs, summary)


def _raise(exc: Exception) -> None:
    raise exc


def _assemble(state: RunState, prepared: Prepared, outputs: dict) -> tuple[list[dict], object]:
    started = time.perf_counter()
    paragraphs = assemble(prepared.doc, prepared.segments, outputs, glossary=state.glossary, human=prepared.human)
    plan = plan_summary(prepared.doc, paragraphs, state.profile, state.models.summarizer)
    prepared.timings["finish_s"] = time.perf_counter() - started
    return paragraphs, plan


def _summarize(state: RunState, planned: list[tuple[Prepared, object]]) -> list[object]:
    """Each article's summary (or the exception that failed it); abstractive plans run together."""
    results: list[object] = [plan for _, plan in planned]
    waiting = [i for i, (_, plan) in enumerate(planned) if not isinstance(plan, Summary)]
    if not waiting:
        return results
    started = time.perf_counter()
    done = state.guarded([planned[i][0].key for i in waiting],
                         lambda: run_plans([planned[i][1] for i in waiting], state.models.summarizer()))
    for i, summary in zip(waiting, done or [None] * len(waiting)):
        results[i] = summary
        planned[i][0].timings["summary_s"] = (time.perf_counter() - started) / len(waiting)
    return results


def _finish_one(state: RunState, prepared: Prepared, stem: Path, outputs: dict, paragraphs: list[dict],
                summary: Summary | None) -> None:
    if summary is None:  # the whole summary call failed: already recorded
        return
    result = state.guarded([prepared.key], lambda: build_record(
        prepared, outputs, paragraphs, summary, profile=state.profile, translator=state.models.translator,
        summarizer=state.models.summarizer, glossary=state.glossary, settings_hash=state.fingerprint))
    if result is None:
        return
    record, stats = result
    if record["summary"].get("fallback_from"):
        log.warning("%s: the abstractive summary did not shrink (%s); the extractive summary is used",
                    display(prepared.key), record["summary"].get("reason"))
    names = []
    for fmt, text in render(record, state.profile.output.formats):
        name = (stem.parent / f"{stem.name}.{fmt}").as_posix()
        write_atomic(state.run.out / name, text)
        names.append(name)
    stats["timings"]["total_s"] = round(sum(stats["timings"].values()), 3)
    state.journal.record(prepared.key, {
        "status": "done", "sha256": record["source"]["sha256"], "settings_hash": state.fingerprint, "outputs": names,
        "title": record["title"], "title_target": record["title_target"], "date": record["date"],
        "summary": record["summary"]["text"], "flagged": stats["counts"]["flagged_sentences"],
        "to_review": review_counts(record)["to_review"], **stats,
        "finished": now(),
    })
    state.report.done.append(prepared.key)
    state.progress.finished(prepared.key, f"done ({stats['counts']['segments']} segments)")


def run_batch(*, profile: Profile, run: RunOptions, progress: Progress | None = None,
              models: Models | None = None) -> BatchReport:
    """Process every article under ``run.input`` into ``run.out``. Never exits; see ``BatchReport``.
    Holds the output folder's lock for the whole run (waits for, or with ``run.wait=False`` refuses,
    another run on the same folder)."""
    with folder_lock(run.out, wait=run.wait):
        journal = Journal(run.out)
        try:
            return _run_locked(profile, run, progress or LogProgress(), models, journal)
        finally:
            journal.close()


@dataclass
class RunPlan:
    """What a run has to do, worked out the same way by every engine."""

    report: BatchReport
    todo: list[tuple[Path, str, Path]]  # (input, key, output stem) of the articles to (re)do
    settings: dict  # the run's settings, as recorded in the journal and the manifest
    fingerprint: str
    glossary: object
    memory_path: Path


def plan_run(profile: Profile, run: RunOptions, journal: Journal, *, engine: str = "local") -> RunPlan:
    """Find the inputs, record the run's settings, and skip the articles that are up to date."""
    files, ignored = discover(run.input, extensions=run.extensions, follow_symlinks=run.follow_symlinks)
    report = BatchReport(ignored=[str(p) for p in ignored])
    for path in ignored:
        log.warning("%s: skipped (extension not in %s; pass the file explicitly to try it)", display(str(path)),
                    ", ".join(run.extensions))
    glossary = load_glossary(Path(profile.output.glossary)) if profile.output.glossary else None
    fingerprint = settings_hash(profile)
    memory_path = run.memory_path or run.out / MEMORY_FILE
    settings = {"tool_version": __version__, "settings_hash": fingerprint, **settings_record(profile),
                "translation_memory": str(memory_path), "machine_translations_cached": run.memory, "started": now(),
                "engine": engine}
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
    return RunPlan(report, todo, settings, fingerprint, glossary, memory_path)


def _run_locked(profile: Profile, run: RunOptions, progress: Progress, models: Models | None,
                journal: Journal) -> BatchReport:
    plan = plan_run(profile, run, journal)
    report = plan.report
    models = models or Models(profile, memory_path=plan.memory_path, machine_memory=run.memory)
    if plan.todo:  # a model that cannot be used stops the run here, before any article is read
        models.check()
    progress.start(len(plan.todo))
    models.on_batch = progress.segments_done
    state = RunState(profile, run, models, journal, progress, report, plan.fingerprint, plan.glossary)
    try:
        for window in windows(state, plan.todo, lambda path, key: state.guarded([key], lambda: _prepare(state, path,
                                                                                                          key))):
            translate_window(state, window)
    except BaseException:  # an interrupt or a run-stopping error: list what was finished, then stop
        write_indexes(run.out, journal, plan.settings, quiet=True)
        raise
    else:
        write_indexes(run.out, journal, plan.settings)
    finally:
        report.translation_calls, report.memory_hits = models.model_calls, models.memory_hits
        models.close()
    return report


def windows(state: RunState, todo: list[tuple[Path, str, Path]],
            prepare: Callable[[Path, str], Prepared | None]) -> Iterator[list[tuple[Prepared, Path]]]:
    """Prepared articles in windows of about ``window_segments`` segments (translated together); an
    article bigger than a window comes alone, after the window before it, and a big file starts
    after the window before it is finished, so small articles never wait for it. ``prepare``: the
    article, or None when it failed (recorded). Every engine cuts the same windows."""
    limit = state.run.window_segments
    window: list[tuple[Prepared, Path]] = []
    for path, key, stem in todo:
        if window and _size(path) > LARGE_FILE_BYTES:
            yield window
            window = []
        prepared = prepare(path, key)
        if prepared is None:
            continue
        new = set(prepared.inputs) - state.seen
        if len(state.seen) > 20_000:  # only for progress counts: bounded, so memory stays flat
            state.seen.clear()
        state.seen |= new  # in place: copying the set for every article made the run quadratic
        state.progress.article(key, len(new))
        if len(prepared.inputs) >= limit:
            yield window
            window = []
        window.append((prepared, stem))
        if sum(len(p.inputs) for p, _ in window) >= limit:
            yield window
            window = []
    yield window


LARGE_FILE_BYTES = 256 * 1024  # about one window of segments


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it reports the reason


def write_indexes(out: Path, journal: Journal, settings: dict, *, quiet: bool = False) -> None:
    """manifest.json, index.md and index.html from the journal (also after an interrupt or an
    error: what was finished is listed). ``quiet``: a failure is logged, not raised, so it never
    hides the error that stopped the run."""
    try:
        entries = journal.entries()
        write_manifest(out, run=settings, files=entries)
        write_atomic(out / "index.md", render_index(entries, settings=settings))
        write_atomic(out / "index.html", render_index_html(entries, settings=settings))
    except OutputError as exc:
        if not quiet:
            raise
        log.error("the indexes could not be written: %s", exc)


def _prepare(state: RunState, path: Path, key: str) -> Prepared:
    translator = state.models.translator
    budget = min(state.profile.translation.max_input_tokens, translator.max_input_tokens)
    return prepare(path, key=key, translator=translator, budget=budget, explicit=path == state.run.input,
                   max_characters=state.profile.input.max_characters, human_lookup=state.models.human_lookup)

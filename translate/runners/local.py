"""The batch: a folder of articles in; per article an aligned JSON record and a review file out,
plus ``index.md`` and ``manifest.json`` for the batch. Re-runs redo only what changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from .. import __version__
from ..stages.article import SCHEMA, Prepared, finish, prepare, render
from ..backends import Backend, BatchingBackend, MemoBackend, load_backend
from ..config import Profile, settings_record
from ..errors import InputError
from ..stages.flags import load_glossary
from ..outputs.atomic import write_atomic
from ..reading.files import FORMATS, discover, sha256_file
from ..outputs.manifest import Manifest
from ..memory import MemoryBackend, TranslationMemory
from ..outputs import render_index, render_index_html

log = logging.getLogger("translate")
MEMORY_FILE = "translation-memory.sqlite"


@dataclass(frozen=True)
class RunOptions:
    input: Path
    out: Path
    force: bool = False
    debug: bool = False  # re-raise unexpected errors instead of recording them
    extensions: tuple[str, ...] = tuple(FORMATS)
    memory: bool = True  # use the translation memory (--no-cache: False)
    memory_path: Path | None = None  # default: <out>/translation-memory.sqlite
    window_segments: int = 2000  # segments of several articles translated together (bounds memory)


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
        log.info("%s: %d segment(s) to translate", name, segments)

    def segments_done(self, n: int) -> None:
        pass

    def finished(self, name: str, status: str) -> None:
        log.info("%s: %s", name, status)


@dataclass
class BatchReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # unsupported extensions
    translation_calls: int = 0  # segments the translation model actually translated
    memory_hits: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


MAX_HYPOTHESES = 128


def max_items(options) -> int:
    """Segments per batch such that beams x segments <= 128: the output-vocabulary scores of every
    hypothesis are held at once, so this bounds memory when many short segments share a batch."""
    return max(1, MAX_HYPOTHESES // options.generation.num_beams)


class Models:
    """The backends of a run, built on first use: a run with nothing to do loads nothing, and the
    weights load only when a segment is not in the translation memory."""

    def __init__(self, profile: Profile, *, memory_path: Path | None = None,
                 loader: Callable[..., Backend] = load_backend) -> None:
        self.profile = profile
        self.loader = loader
        self.memory_path = memory_path
        self.memory: TranslationMemory | None = None
        self.on_batch: Callable[[int], None] | None = None
        self._inner = self._stack = self._memory_backend = self._summarizer = None

    @property
    def translator(self) -> MemoBackend:
        if self._stack is None:
            options = self.profile.translation
            self._inner = inner = self.loader(options, role="translation")
            if self.memory_path is not None:
                self.memory = TranslationMemory(self.memory_path)
                inner = self._memory_backend = MemoryBackend(inner, self.memory)
            batching = BatchingBackend(inner, batch_tokens=options.batch_tokens, max_items=max_items(options),
                                       on_batch=lambda n: self.on_batch and self.on_batch(n))
            self._stack = MemoBackend(batching)
        return self._stack

    def summarizer(self) -> Backend:
        if self._summarizer is None:
            options = self.profile.summary
            self._summarizer = BatchingBackend(self.loader(options, role="summary"), batch_tokens=options.batch_tokens,
                                               max_items=max_items(options))
        return self._summarizer

    @property
    def model_calls(self) -> int:
        return getattr(self._inner, "calls", 0)

    @property
    def memory_hits(self) -> int:
        return self._memory_backend.hits if self._memory_backend else 0

    def close(self) -> None:
        if self.memory is not None:
            self.memory.close()


def settings_hash(profile: Profile) -> str:
    """Fingerprint of everything that changes an article's output (not the profile's name)."""
    settings = settings_record(profile)
    settings.pop("profile")
    if profile.output.glossary:
        settings["glossary_sha256"] = sha256_file(Path(profile.output.glossary))
    if profile.summary.method != "abstractive":
        settings["summary"] = {"method": profile.summary.method, "sentences": profile.summary.sentences}
    for part in ("translation", "summary"):  # threads change speed, not output
        settings[part].pop("threads", None)
    blob = json.dumps({"schema": SCHEMA, **settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _output_names(files: list[Path], root: Path) -> dict[Path, tuple[str, Path]]:
    """(manifest key, output stem) per input; ``a.txt`` and ``a.md`` side by side keep their extension."""
    stems: dict[Path, int] = {}
    rels = {f: (f.relative_to(root) if f != root else Path(f.name)) for f in files}
    for rel in rels.values():
        stems[rel.with_suffix("")] = stems.get(rel.with_suffix(""), 0) + 1
    return {f: (rel.as_posix(), rel.with_suffix("") if stems[rel.with_suffix("")] == 1 else rel)
            for f, rel in rels.items()}


@dataclass
class _Run:
    """The state of one batch run, passed to the helpers below."""

    profile: Profile
    run: RunOptions
    models: Models
    manifest: Manifest
    progress: Progress
    report: BatchReport
    fingerprint: str
    glossary: object
    seen: set = field(default_factory=set)  # segments already queued in this run (translated once)

    def fail(self, key: str, code: str, reason: str, hint: str) -> None:
        self.manifest.record(key, {"status": "failed", "error": {"code": code, "reason": reason, "hint": hint}})
        self.report.failed[key] = f"{reason} — fix: {hint}"
        log.error("%s: %s\n  fix: %s", key, reason, hint)
        self.progress.finished(key, "failed")

    def guarded(self, keys: list[str], action: Callable[[], object]) -> object:
        """Run ``action``; an input error or an unexpected error fails ``keys`` and the batch goes on."""
        try:
            return action()
        except InputError as exc:
            for key in keys:
                self.fail(key, exc.code, exc.reason, exc.hint)
        except (RuntimeError, ValueError, KeyError, IndexError, TypeError, MemoryError) as exc:
            if self.run.debug:
                raise
            for key in keys:
                self.fail(key, "internal", f"internal error while processing ({type(exc).__name__}: {exc})",
                          "run again with --debug for a traceback, and report it")
        return None


def _translate_window(state: _Run, window: list[tuple[Prepared, Path]]) -> None:
    """Translate the segments of several articles together (length-sorted across articles), then
    finish and write each article."""
    if not window:
        return
    inputs = list(dict.fromkeys(text for prepared, _ in window for text in prepared.inputs))
    started = time.perf_counter()
    translated = state.guarded([p.key for p, _ in window], lambda: state.models.translator.translate(inputs))
    if translated is None:
        return
    outputs = dict(zip(inputs, translated))
    elapsed = time.perf_counter() - started
    for prepared, stem in window:
        share = len(prepared.inputs) / max(len(inputs), 1)
        prepared.timings["translate_s"] = elapsed * share  # the window's time, shared by segment count
        _finish_one(state, prepared, stem, outputs)


def _finish_one(state: _Run, prepared: Prepared, stem: Path, outputs: dict) -> None:
    result = state.guarded([prepared.key], lambda: finish(
        prepared, outputs, profile=state.profile, translator=state.models.translator,
        summarizer=state.models.summarizer, glossary=state.glossary, settings_hash=state.fingerprint))
    if result is None:
        return
    record, stats = result
    names = []
    for fmt, text in render(record, state.profile.output.formats):
        name = (stem.parent / f"{stem.name}.{fmt}").as_posix()
        write_atomic(state.run.out / name, text)
        names.append(name)
    stats["timings"]["total_s"] = round(sum(stats["timings"].values()), 3)
    state.manifest.record(prepared.key, {
        "status": "done", "sha256": record["source"]["sha256"], "settings_hash": state.fingerprint, "outputs": names,
        "title": record["title"], "title_target": record["title_target"], "date": record["date"],
        "summary": record["summary"]["text"], "flagged": stats["counts"]["flagged_sentences"], **stats,
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    })
    state.report.done.append(prepared.key)
    state.progress.finished(prepared.key, f"done ({stats['counts']['segments']} segments)")


def run_batch(*, profile: Profile, run: RunOptions, progress: Progress | None = None,
              models: Models | None = None) -> BatchReport:
    """Process every article under ``run.input`` into ``run.out``. Never exits; see ``BatchReport``."""
    progress = progress or LogProgress()
    files, ignored = discover(run.input, extensions=run.extensions)
    report = BatchReport(ignored=[str(p) for p in ignored])
    for path in ignored:
        log.warning("%s: skipped (extension not in %s; pass the file explicitly to try it)", path, ", ".join(run.extensions))
    glossary = load_glossary(Path(profile.output.glossary)) if profile.output.glossary else None
    fingerprint = settings_hash(profile)
    run.out.mkdir(parents=True, exist_ok=True)
    memory_path = (run.memory_path or run.out / MEMORY_FILE) if run.memory else None
    models = models or Models(profile, memory_path=memory_path)
    manifest = Manifest.load(run.out)
    manifest.run = {"tool_version": __version__, "settings_hash": fingerprint, **settings_record(profile),
                    "translation_memory": str(memory_path) if memory_path else None,
                    "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    names = _output_names(files, run.input if run.input.is_dir() else run.input.parent)
    todo = []
    for path in files:
        key, stem = names[path]
        try:
            digest = sha256_file(path)
        except OSError:
            digest = None  # reading it reports the reason
        if not run.force and digest and manifest.is_current(key, digest, fingerprint, run.out):
            report.skipped.append(key)
            log.info("%s: unchanged since the last run, skipped (use --force to redo)", key)
        else:
            todo.append((path, key, stem))
    progress.start(len(todo))
    models.on_batch = progress.segments_done
    state = _Run(profile, run, models, manifest, progress, report, fingerprint, glossary)
    try:
        window: list[tuple[Prepared, Path]] = []
        for path, key, stem in todo:
            prepared = state.guarded([key], lambda: _prepare(state, path, key))
            if prepared is not None:
                new = set(prepared.inputs) - state.seen
                state.seen |= new
                progress.article(key, len(new))
                window.append((prepared, stem))
            if sum(len(p.inputs) for p, _ in window) >= run.window_segments:
                _translate_window(state, window)
                window = []
        _translate_window(state, window)
    finally:
        write_atomic(run.out / "index.md", render_index(manifest.files, settings=manifest.run))
        write_atomic(run.out / "index.html", render_index_html(manifest.files, settings=manifest.run))
        manifest.save()
        report.translation_calls, report.memory_hits = models.model_calls, models.memory_hits
        models.close()
    return report


def _prepare(state: _Run, path: Path, key: str) -> Prepared:
    translator = state.models.translator
    budget = min(state.profile.translation.max_input_tokens, translator.max_input_tokens)
    return prepare(path, key=key, translator=translator, budget=budget, explicit=path == state.run.input)

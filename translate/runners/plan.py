"""What a run has to do, worked out the same way by every engine: the run's options, which inputs
are up to date (skipped) and which are (re)done under which output names, the settings fingerprint
that decides it, and how the articles to do are cut into windows translated together."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .. import __version__
from ..config import Profile, settings_record
from ..memory import MEMORY_FILE
from ..outputs.escape import display_name
from ..reading.files import FORMATS, discover, sha256_file
from ..record import SCHEMA
from ..stages.article import Prepared
from ..stages.flags import Glossary, load_glossary
from .journal import Journal
from .names import output_names
from .outdir import OutputFolders

log = logging.getLogger("translate")
LARGE_FILE_BYTES = 256 * 1024  # about one window of segments


@dataclass(frozen=True)
class RunOptions:
    input: Path
    out: Path
    force: bool = False
    debug: bool = False  # re-raise unexpected errors instead of recording them
    extensions: tuple[str, ...] = tuple(FORMATS)
    reuse_translations: bool = True  # machine translations from the translation memory (--no-cache: False)
    memory_path: Path | None = None  # the translation memory file (--memory); default: OUT/translation-memory.sqlite
    window_segments: int = 2000  # segments of several articles translated together (bounds memory)
    wait: bool = True  # another run holds --out: wait for it (False: refuse, --no-wait)
    follow_symlinks: bool = False  # read symbolic links that lead outside the input folder

    @property
    def memory_file(self) -> Path:
        return self.memory_path or self.out / MEMORY_FILE


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


@dataclass(frozen=True)
class Work:
    """One input to (re)do: its file, its key in the journal and manifest, its output stem."""

    path: Path
    key: str
    stem: Path


@dataclass
class RunPlan:
    report: BatchReport
    todo: list[Work]  # the articles to (re)do, in input order
    settings: dict  # the run's settings, as recorded in the journal and the manifest
    fingerprint: str
    glossary: Glossary | None


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def settings_hash(profile: Profile) -> str:
    """Fingerprint of everything that changes an article's output (not the profile's name)."""
    settings = settings_record(profile)
    settings.pop("profile")
    settings.pop("input")  # limits decide whether an article is processed, not what it becomes
    if profile.output.glossary:
        settings["glossary_sha256"] = sha256_file(Path(profile.output.glossary))
    if profile.summary.method != "abstractive":
        settings["summary"] = {"method": profile.summary.method, "sentences": profile.summary.sentences}
    for part in ("translation", "summary"):  # threads and batch sizes change speed, not output
        for key in ("threads", "batch_tokens", "max_hypotheses"):
            settings[part].pop(key, None)
    blob = json.dumps({"schema": SCHEMA, **settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def plan_run(profile: Profile, run: RunOptions, journal: Journal, *, engine: str) -> RunPlan:
    """Find the inputs, record the run's settings, and skip the articles that are up to date."""
    files, ignored = discover(run.input, extensions=run.extensions, follow_symlinks=run.follow_symlinks)
    if run.input.is_dir():  # the outputs of this or any run are never inputs (an --out inside the input)
        outputs = OutputFolders(run.out, run.input)
        files = [f for f in files if not outputs.holds(f)]
        ignored = [f for f in ignored if not outputs.holds(f)]
    report = BatchReport(ignored=[str(p) for p in ignored])
    for path in ignored:
        log.warning("%s: skipped (extension not in %s; pass the file explicitly to try it)", display_name(str(path)),
                    ", ".join(run.extensions))
    glossary = load_glossary(Path(profile.output.glossary)) if profile.output.glossary else None
    fingerprint = settings_hash(profile)
    settings = {"tool_version": __version__, "settings_hash": fingerprint, **settings_record(profile),
                "translation_memory": str(run.memory_file), "machine_translations_cached": run.reuse_translations,
                "started": now(), "engine": engine}
    journal.start_run(settings)
    names = output_names(files, run.input if run.input.is_dir() else run.input.parent)
    todo = []
    for path in files:
        key, stem = names[path].key, names[path].stem
        try:
            digest = sha256_file(path)
        except OSError:
            digest = None  # reading it reports the reason
        if not run.force and digest and journal.is_current(key, digest, fingerprint, run.out):
            report.skipped.append(key)
            log.info("%s: unchanged since the last run, skipped (use --force to redo)", display_name(key))
        else:
            todo.append(Work(path, key, stem))
    return RunPlan(report, todo, settings, fingerprint, glossary)


Window = list[tuple[Prepared, Path]]  # prepared articles and their output stems, translated together


def windows(todo: list[Work], prepare: Callable[[Work], Prepared | None], *, limit: int,
            on_article: Callable[[str, int], None]) -> Iterator[Window]:
    """Prepared articles in windows of about ``limit`` segments (translated together); an article
    bigger than a window comes alone, after the window before it, and a big file starts after the
    window before it is finished, so small articles never wait for it. ``prepare``: the article, or
    None when it failed (recorded). ``on_article``: (key, segments not seen before in this run), for
    progress. Every engine cuts the same windows."""
    seen: set[str] = set()
    window: Window = []
    for work in todo:
        if window and _size(work.path) > LARGE_FILE_BYTES:
            yield window
            window = []
        prepared = prepare(work)
        if prepared is None:
            continue
        new = set(prepared.inputs) - seen
        if len(seen) > 20_000:  # only for progress counts: bounded, so memory stays flat
            seen.clear()
        seen |= new  # in place: copying the set for every article made the run quadratic
        on_article(work.key, len(new))
        if len(prepared.inputs) >= limit:
            yield window
            window = []
        window.append((prepared, work.stem))
        if sum(len(p.inputs) for p, _ in window) >= limit:
            yield window
            window = []
    yield window


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it reports the reason

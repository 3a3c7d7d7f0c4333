"""What a run has to do, worked out the same way by every engine: the run's options, which inputs
are up to date (skipped) and which are (re)done under which output names and why, the settings
fingerprint that decides it, and how the articles to do are cut into windows translated together.

``dry_run`` works the same plan out without touching the output folder (no lock, no journal write,
no folder created): what ``--dry-run`` prints."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shlex
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Protocol

from .. import __version__
from ..config import Profile, settings_record
from ..errors import NoArticlesError
from ..memory import MEMORY_FILE
from ..outputs.escape import display_name
from ..reading.files import FORMATS, discover, sha256_file
from ..record import SCHEMA
from ..stages.article import Prepared
from ..stages.flags import Glossary, load_glossary
from .journal import JOURNAL, Journal
from .names import output_names
from .outdir import OutputFolders

log = logging.getLogger("translate")
LARGE_FILE_BYTES = 256 * 1024  # about one window of segments


@dataclass(frozen=True)
class RunOptions:
    input: Path
    out: Path
    force: bool = False  # redo every article and translate every segment again (reviewers' translations still win)
    debug: bool = False  # re-raise unexpected errors instead of recording them
    extensions: tuple[str, ...] = tuple(FORMATS)
    reuse_translations: bool = True  # machine translations from the translation memory (--no-cache: False)
    memory_path: Path | None = None  # the translation memory file (--memory); default: OUT/translation-memory.sqlite
    window_segments: int = 2000  # segments of several articles translated together (bounds memory)
    wait: bool = True  # another run holds --out: wait for it (False: refuse, --no-wait)
    follow_symlinks: bool = False  # read symbolic links that lead outside the input folder
    limit: int | None = None  # at most this many articles (re)done; the others are left for a later run
    command: tuple[str, ...] = ()  # the command that runs this batch again (recorded for `review status`)

    @property
    def memory_file(self) -> Path:
        return self.memory_path or self.out / MEMORY_FILE

    @property
    def machine_translations_reused(self) -> bool:
        """Machine translations are taken from the memory: not with --no-cache, not with --force."""
        return self.reuse_translations and not self.force


@dataclass
class BatchReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # unsupported extensions
    deferred: list[str] = field(default_factory=list)  # to do, but beyond --limit: left for a later run
    translation_calls: int = 0  # segments the translation model actually translated
    memory_hits: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


@dataclass(frozen=True)
class Work:
    """One input to (re)do: its file, its key in the journal and manifest, its output stem, and why
    it is (re)done (``new``, ``the file changed``...)."""

    path: Path
    key: str
    stem: Path
    reason: str = ""


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
    for key in ("max_characters", "min_arabic_letters"):  # decide whether an article is processed, not what it becomes
        settings["input"].pop(key)
    if profile.output.glossary:
        settings["glossary_sha256"] = sha256_file(Path(profile.output.glossary))
    if profile.summary.method != "abstractive":
        settings["summary"] = {"method": profile.summary.method, "sentences": profile.summary.sentences}
    for part in ("translation", "summary"):  # threads and batch sizes change speed, not output
        for key in ("threads", "parallel_batches", "batch_tokens", "max_hypotheses"):
            settings[part].pop(key, None)
    blob = json.dumps({"schema": SCHEMA, **settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Inputs:
    files: list[Path]  # the articles, in input order
    ignored: list[Path]  # files of formats the tool does not read


def find_inputs(run: RunOptions) -> Inputs:
    """The articles under ``run.input`` (never the outputs of this or any run). Reads nothing but
    the folder listing. A folder holding files but no article of a readable format stops here
    (``NoArticlesError``, exit 2), before the output folder is touched."""
    files, ignored = discover(run.input, extensions=run.extensions, follow_symlinks=run.follow_symlinks)
    if run.input.is_dir():  # the outputs of this or any run are never inputs (an --out inside the input)
        outputs = OutputFolders(run.out, run.input)
        files = [f for f in files if not outputs.holds(f)]
        ignored = [f for f in ignored if not outputs.holds(f)]
    if not files and ignored:
        kinds = sorted({p.suffix.lower() or "(no extension)" for p in ignored})
        raise NoArticlesError(
            f"{display_name(str(run.input))} holds no article this tool reads ({', '.join(run.extensions)}): "
            f"{len(ignored)} file(s) of other types ({', '.join(kinds)})",
            "convert the articles to text or HTML first (e.g. `pdftotext FILE.pdf`, or save a .docx as .txt "
            "or web page), or pass one file explicitly to try reading it as text")
    return Inputs(files, ignored)


# ---------------------------------------------------------------- why an article is (re)done


class Entries(Protocol):
    def entry(self, key: str) -> dict | None: ...


def redo_reason(entry: dict | None, *, digest: str | None, fingerprint: str, out: Path, force: bool) -> str | None:
    """Why an input is (re)done, or None when its outputs are up to date (the journal's
    ``is_current``, with the reason said)."""
    if force:
        return "--force"
    if entry is None:
        return "new"
    status = entry.get("status")
    if status == "failed":
        reason = (entry.get("error") or {}).get("reason") or "unknown reason"
        return f"failed last time ({' '.join(reason.split())[:120]})"
    if status == "changed":
        return "reviewers' corrections imported since the last run"
    if status != "done":
        return f"{status or 'unfinished'} last time"
    if digest is None:
        return "cannot be read now (the run reports why)"
    if entry.get("sha256") != digest:
        return "the file changed"
    if entry.get("settings_hash") != fingerprint:
        return "the settings changed (profile, models, summary, formats or glossary)"
    missing = next((name for name in entry.get("outputs", []) if not (out / name).is_file()), None)
    if missing is not None:
        return f"output missing ({display_name(missing)})"
    return None


def _classify(files: list[Path], run: RunOptions, journal: Entries, fingerprint: str) -> tuple[list[Work], list[str]]:
    """(inputs to (re)do with their reasons, up-to-date keys), in input order."""
    names = output_names(files, run.input if run.input.is_dir() else run.input.parent)
    todo, skipped = [], []
    for path in files:
        key, stem = names[path].key, names[path].stem
        try:
            digest = sha256_file(path)
        except OSError:
            digest = None  # reading it reports the reason
        reason = redo_reason(journal.entry(key), digest=digest, fingerprint=fingerprint, out=run.out, force=run.force)
        if reason is None:
            skipped.append(key)
        else:
            todo.append(Work(path, key, stem, reason))
    return todo, skipped


def _limited(todo: list[Work], limit: int | None) -> tuple[list[Work], list[Work]]:
    if limit is None or len(todo) <= limit:
        return todo, []
    return todo[:limit], todo[limit:]


def run_settings(profile: Profile, run: RunOptions, fingerprint: str, engine: str) -> dict:
    """The run's settings as the journal and ``manifest.json`` record them (``review status`` reads
    the command back)."""
    return {"tool_version": __version__, "settings_hash": fingerprint, **settings_record(profile),
            "translation_memory": str(run.memory_file), "machine_translations_cached": run.machine_translations_reused,
            "force": run.force, "started": now(), "engine": engine,
            "command": {"argv": list(run.command or default_command(profile, run)), "cwd": os.getcwd()}}


def default_command(profile: Profile, run: RunOptions) -> tuple[str, ...]:
    """The ``translate batch`` command line equivalent to ``run`` (for runs not started from the CLI)."""
    argv = ["translate", "batch", str(run.input.resolve()), "--out", str(run.out.resolve())]
    if profile.source:
        argv += ["--config", profile.source]
    argv += ["--profile", profile.name]
    if not run.reuse_translations:
        argv.append("--no-cache")
    if run.memory_path is not None:
        argv += ["--memory", str(run.memory_path.resolve())]
    return tuple(argv)


def plan_run(profile: Profile, run: RunOptions, journal: Journal, *, engine: str,
             inputs: Inputs | None = None) -> RunPlan:
    """Record the run's settings, and skip the articles that are up to date. ``inputs``: the
    articles found (``find_inputs``; found now when not given)."""
    inputs = inputs or find_inputs(run)
    report = BatchReport(ignored=[str(p) for p in inputs.ignored])
    for path in inputs.ignored:
        log.warning("%s: skipped (extension not in %s; pass the file explicitly to try it)", display_name(str(path)),
                    ", ".join(run.extensions))
    glossary = load_glossary(Path(profile.output.glossary)) if profile.output.glossary else None
    fingerprint = settings_hash(profile)
    settings = run_settings(profile, run, fingerprint, engine)
    journal.start_run(settings)
    todo, skipped = _classify(inputs.files, run, journal, fingerprint)
    for key in skipped:
        log.info("%s: unchanged since the last run, skipped (use --force to redo)", display_name(key))
    report.skipped = skipped
    todo, deferred = _limited(todo, run.limit)
    report.deferred = [w.key for w in deferred]
    if deferred:
        log.info("%d article(s) left for a later run (--limit %d)", len(deferred), run.limit)
    return RunPlan(report, todo, settings, fingerprint, glossary)


# ---------------------------------------------------------------- --dry-run


@dataclass
class DryRun:
    todo: list[Work]
    skipped: list[str]
    deferred: list[Work]
    ignored: list[str]
    limit: int | None = None


class _JournalReader:
    """The run journal opened read-only, creating nothing beside it (no ``-wal``/``-shm`` files):
    opened as immutable when no other run is writing it, else read from a temporary copy."""

    def __init__(self, out: Path) -> None:
        self.db: sqlite3.Connection | None = None
        self._copy: str | None = None
        path = out / JOURNAL
        if not path.is_file():
            return
        try:
            if Path(f"{path}-wal").exists():  # another run's writes may be in the log: read a copy of both
                self._copy = tempfile.mkdtemp(prefix="translate-dry-run-")
                for suffix in ("", "-wal"):
                    shutil.copyfile(f"{path}{suffix}", Path(self._copy) / f"{JOURNAL}{suffix}")
                self.db = sqlite3.connect(Path(self._copy) / JOURNAL)
            else:
                self.db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
            self.db.execute("SELECT key, entry FROM articles LIMIT 0")
        except (OSError, sqlite3.Error) as exc:
            log.warning("the run journal %s cannot be read (%s): every article is shown as new", path, exc)
            self.close()

    def entry(self, key: str) -> dict | None:
        if self.db is None:
            return None
        row = self.db.execute("SELECT entry FROM articles WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._copy is not None:
            shutil.rmtree(self._copy, ignore_errors=True)
            self._copy = None


def dry_run(profile: Profile, run: RunOptions) -> DryRun:
    """What ``run`` would do, and why, changing nothing on disk: no output folder, lock, journal
    or memory is created or written, no model is loaded."""
    inputs = find_inputs(run)
    journal = _JournalReader(run.out)
    try:
        todo, skipped = _classify(inputs.files, run, journal, settings_hash(profile))
    finally:
        journal.close()
    todo, deferred = _limited(todo, run.limit)
    return DryRun(todo, skipped, deferred, [str(p) for p in inputs.ignored], run.limit)


def render_dry_run(plan: DryRun) -> str:
    """One line per input: what the run would do with it and why; then the totals."""
    rows = [("translate" if w.reason == "new" else "redo", w.key, w.reason) for w in plan.todo]
    rows += [("skip", key, "up to date") for key in plan.skipped]
    rows += [("later", w.key, f"beyond --limit {plan.limit} ({w.reason})") for w in plan.deferred]
    rows += [("ignore", path, "not a format the tool reads") for path in plan.ignored]
    width = max((len(display_name(key)) for _, key, _ in rows), default=0)
    lines = [f"{action:<9} {display_name(key):<{width}}  {why}" for action, key, why in rows]
    lines.append(f"{len(plan.todo)} to process, {len(plan.skipped)} up to date, {len(plan.deferred)} left for later "
                 f"(--limit), {len(plan.ignored)} ignored; nothing was written (--dry-run)")
    return "\n".join(lines) + "\n"


def rerun_command(settings: dict) -> str | None:
    """The command that runs the batch recorded in ``settings`` again, as one shell line:
    ``cd FOLDER && translate batch ...`` (the folder it was started in, so relative paths hold)."""
    command = settings.get("command") or {}
    argv = command.get("argv")
    if not argv:
        return None
    line = shlex.join(argv)
    cwd = command.get("cwd")
    if cwd and Path(cwd) != Path.cwd():
        line = f"cd {shlex.quote(cwd)} && {line}"
    return line


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

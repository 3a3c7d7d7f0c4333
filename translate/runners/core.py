"""The run core every engine plugs into (``batch.run_batch`` drives it): what a run is to an
engine (``RunCore``), where each article's outcome goes (``Recorder``: the journal, the report, the
log, the progress), the translation memory as a run uses it (``RunMemory``), what an engine must
do (``Engine``), and the indexes written from the journal (``write_indexes``).

An engine (``local``: this process; ``ray``: a Ray cluster) decides only where articles are
prepared and where the models run; the journal, the memory's lookups and stores, the report and
the progress are the core's, whatever the engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Protocol, Sequence

from ..backends.base import Output
from ..backends.llm.redaction import redact
from ..backends.stack import Loader
from ..config import Profile
from ..errors import OutputError
from ..memory import TranslationMemory
from ..outputs import render_index, render_index_html
from ..outputs.atomic import write_atomic
from ..outputs.escape import display_name
from ..outputs.manifest import write_manifest
from ..record import Human
from ..stages.suggest import SuggestionIndex
from .journal import Journal
from .plan import BatchReport, RunOptions, RunPlan, Work, now
from .stories import group_stories
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
    secrets: tuple[str, ...] = ()  # API keys of the run's servers: never in a journal, index or log line

    def failed(self, key: str, code: str, reason: str, hint: str) -> None:
        reason, hint = redact(reason, self.secrets), redact(hint, self.secrets)
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
    _suggestions: SuggestionIndex | None = field(default=None, repr=False)

    def check(self) -> None:
        """Open the memory now (creating it when the run will store into it), so a damaged, foreign
        or unwritable file stops the run before any article."""
        if self.path.exists() or self.reuse:
            self._open()

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

    def suggestions(self) -> SuggestionIndex | None:
        """Reviewed translations searchable by similar Arabic (None when there are none)."""
        if self._suggestions is None:
            self._suggestions = SuggestionIndex(self.human_all())
        return self._suggestions if len(self._suggestions) else None

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


def write_indexes(out: Path, journal: Journal, settings: dict, *, quiet: bool = False) -> None:
    """manifest.json, index.md and index.html from the journal. ``quiet``: a failure is logged, not
    raised, so it never hides the error that stopped the run."""
    try:
        entries = group_stories(out, journal)
        write_manifest(out, run=settings, files=entries)
        write_atomic(out / "index.md", render_index(entries, settings=settings))
        write_atomic(out / "index.html", render_index_html(entries, settings=settings))
    except OutputError as exc:
        if not quiet:
            raise
        log.error("the indexes could not be written: %s", exc)

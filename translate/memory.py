"""Translation memory: an SQLite file mapping (model, revision, backend, compute type, generation
settings, normalized source segment) to its translation (with the model's log-probability of it,
so a memory hit keeps its confidence), so a re-run after changing only the
summarizer, or a boilerplate line seen in an earlier article, costs no model call.

Each batch is committed in one transaction (write-ahead log), so an interrupted run leaves the
file intact with every batch finished before the interruption.

Human translations (imported review corrections, ``translate review import``) live in the same
file, in ``human``: one row per normalized Arabic sentence (``record.human_key``), whatever the model
settings, so a reviewed sentence is never machine-translated again in any article. When a sentence
is corrected again, the row it replaces moves to ``human_history``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .backends.base import Output
from .errors import OutputError, TranslationMemoryError
from .record import Human

MEMORY_FILE = "translation-memory.sqlite"  # in the output folder, unless --memory names another file
_SCHEMA = """CREATE TABLE IF NOT EXISTS memory (
  settings TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, tokens INTEGER NOT NULL,
  hit_limit INTEGER NOT NULL, created TEXT NOT NULL DEFAULT (datetime('now')), logprob REAL,
  PRIMARY KEY (settings, source))"""
_HUMAN_COLUMNS = "text, reviewer, time, file, source, replaced"
_HUMAN_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS human (
  key TEXT PRIMARY KEY, text TEXT NOT NULL, reviewer TEXT, time TEXT NOT NULL, file TEXT NOT NULL,
  source TEXT NOT NULL, replaced TEXT)""",
    """CREATE TABLE IF NOT EXISTS human_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, text TEXT NOT NULL, reviewer TEXT,
  time TEXT NOT NULL, file TEXT NOT NULL, source TEXT NOT NULL, replaced TEXT,
  superseded TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS human_history_key ON human_history (key)",
)


def memory_key(settings: dict) -> str:
    """The memory's key for a model and its settings (``Backend.settings()``): translations are
    reused only by the same model, revision, backend, tags and generation settings."""
    blob = json.dumps(settings, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _failure(path: Path, exc: Exception) -> Exception:
    """The error a run stops with when the memory file cannot be used: written to (full, read-only:
    ``OutputError``) or read as a translation memory (damaged, foreign: ``TranslationMemoryError``)."""
    text = str(exc)
    if isinstance(exc, OSError) or any(word in text for word in ("full", "readonly", "read-only", "unable to open",
                                                                  "disk I/O", "locked")):
        return OutputError(f"the translation memory {path} cannot be written ({text})",
                           "free disk space or choose a writable --memory / --out, then run again")
    return TranslationMemoryError(
        f"the translation memory {path} is damaged or is not a translation memory ({text})",
        f"move {path.name} away or pass --memory with another file (machine translations are only a cache and are "
        "made again; reviewed translations in a damaged file may be recovered with `sqlite3 FILE .recover`)")


@contextlib.contextmanager
def _guarded(path: Path) -> Iterator[None]:
    try:
        yield
    except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise  # how the memory was called, not the file
    except (sqlite3.DatabaseError, OSError) as exc:
        raise _failure(path, exc) from exc


class TranslationMemory:
    def __init__(self, path: Path) -> None:
        self.path = path
        with _guarded(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=60)  # shared by concurrent runs: wait for the writer
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute(_SCHEMA)
                for statement in _HUMAN_SCHEMA:
                    self.db.execute(statement)
                columns = {row[1] for row in self.db.execute("PRAGMA table_info(memory)")}
                if "logprob" not in columns:  # a memory of an earlier version: its entries have no confidence
                    self.db.execute("ALTER TABLE memory ADD COLUMN logprob REAL")
                self.db.commit()
                problem = self.db.execute("PRAGMA quick_check").fetchone()[0]
                if problem != "ok":
                    raise sqlite3.DatabaseError(problem)
                # a file of another program with tables of these names: its columns are not ours
                self.db.execute("SELECT settings, source, target, tokens, hit_limit, logprob FROM memory LIMIT 0")
                self.db.execute(f"SELECT key, {_HUMAN_COLUMNS} FROM human LIMIT 0")
            except BaseException:
                self.db.close()
                raise

    def lookup(self, settings: str, sources: Sequence[str]) -> dict[str, Output]:
        found: dict[str, Output] = {}
        unique = list(dict.fromkeys(sources))
        with _guarded(self.path):
            for start in range(0, len(unique), 500):
                chunk = unique[start:start + 500]
                rows = self.db.execute(
                    f"SELECT source, target, tokens, hit_limit, logprob FROM memory WHERE settings = ? AND source IN "
                    f"({','.join('?' * len(chunk))})", [settings, *chunk])
                found.update({s: Output(t, n, bool(h), logprob=lp) for s, t, n, h, lp in rows})
        return found

    def store(self, settings: str, pairs: Sequence[tuple[str, Output]]) -> None:
        """Remember translations (one transaction). Failures are not remembered: an output with an
        ``error``, or one a backend marked as a refusal or unparsable, is asked again next time."""
        rows = [(settings, s, o.text, o.tokens, int(o.hit_limit), o.logprob) for s, o in pairs
                if o.error is None and not {"refusal", "unparsed"} & set(o.notes)]
        with _guarded(self.path), self.db:  # one transaction
            self.db.executemany("INSERT OR REPLACE INTO memory (settings, source, target, tokens, hit_limit, logprob) "
                                "VALUES (?, ?, ?, ?, ?, ?)", rows)

    def human_lookup(self, keys: Iterable[str]) -> dict[str, Human]:
        """The human translations among ``keys`` (see ``human_key``)."""
        found: dict[str, Human] = {}
        unique = list(dict.fromkeys(keys))
        with _guarded(self.path):
            for start in range(0, len(unique), 500):
                chunk = unique[start:start + 500]
                rows = self.db.execute(f"SELECT key, {_HUMAN_COLUMNS} FROM human WHERE key IN "
                                       f"({','.join('?' * len(chunk))})", chunk)
                found.update({row[0]: Human(*row[1:]) for row in rows})
        return found

    def human_all(self) -> dict[str, Human]:
        """Every human translation (e.g. to send them to the workers of a Ray run once)."""
        with _guarded(self.path):
            rows = self.db.execute(f"SELECT key, {_HUMAN_COLUMNS} FROM human").fetchall()
        return {row[0]: Human(*row[1:]) for row in rows}

    def store_human(self, entries: Sequence[tuple[str, Human]]) -> None:
        """Store human translations in order, in one transaction: the latest for a key wins, the
        one it replaces moves to the history."""
        with _guarded(self.path), self.db:
            for key, human in entries:
                self.db.execute(f"INSERT INTO human_history (key, {_HUMAN_COLUMNS}, superseded) "
                                f"SELECT key, {_HUMAN_COLUMNS}, ? FROM human WHERE key = ?", (human.time, key))
                self.db.execute(f"INSERT OR REPLACE INTO human (key, {_HUMAN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (key, human.text, human.reviewer, human.time, human.file, human.source, human.replaced))

    def human_history(self, key: str) -> list[Human]:
        """The earlier human translations of ``key``, oldest first (the current one is not included)."""
        rows = self.db.execute(f"SELECT {_HUMAN_COLUMNS} FROM human_history WHERE key = ? ORDER BY id", (key,))
        return [Human(*row) for row in rows]

    def close(self) -> None:
        self.db.close()

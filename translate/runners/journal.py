"""The run journal: per-article state of an output folder, in SQLite (``OUT/journal.sqlite``).

Each finished or failed article is one row, written in its own small transaction, so recording
costs the same for the first and the ten-thousandth article (``manifest.json`` used to be rewritten
whole after every article). ``manifest.json``, ``index.md`` and ``index.html`` are rendered from the
journal once, at the end of a run (also an interrupted one). Several runs on one output folder are
serialized by the folder lock (``runners.lock``), and each adds its articles to the same journal:
nothing another run recorded is lost. A folder written by an older version (``manifest.json``
only) is imported on first use.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Iterable

from ..errors import OutputError

log = logging.getLogger("translate")
JOURNAL = "journal.sqlite"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS articles (key TEXT PRIMARY KEY, status TEXT NOT NULL, entry TEXT NOT NULL,"
    " updated TEXT NOT NULL DEFAULT (datetime('now')))",
    "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, settings TEXT NOT NULL,"
    " started TEXT NOT NULL DEFAULT (datetime('now')))",
)


class Journal:
    def __init__(self, out: Path) -> None:
        self.path = out / JOURNAL
        fresh = not self.path.exists()
        try:
            self.db = sqlite3.connect(self.path, timeout=60)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                self.db.execute(statement)
            self.db.commit()
        except sqlite3.Error as exc:
            raise OutputError(f"the run journal {self.path} cannot be opened or written ({exc})",
                              "check that the --out folder is writable and has free space") from exc
        if fresh:
            self._import_manifest(out)

    def _import_manifest(self, out: Path) -> None:
        from ..outputs.manifest import MANIFEST

        try:
            data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("%s is unreadable (%s); every article will be redone", out / MANIFEST, exc)
            return
        for key, entry in (data.get("files") or {}).items():
            self.record(key, entry)

    def entries(self) -> dict[str, dict]:
        """Every article's entry, by key (sorted)."""
        rows = self.db.execute("SELECT key, entry FROM articles ORDER BY key")
        return {key: json.loads(entry) for key, entry in rows}

    def entry(self, key: str) -> dict | None:
        row = self.db.execute("SELECT entry FROM articles WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def is_current(self, key: str, sha256: str, settings_hash: str, out: Path) -> bool:
        entry = self.entry(key)
        return bool(
            entry and entry.get("status") == "done" and entry.get("sha256") == sha256
            and entry.get("settings_hash") == settings_hash
            and all((out / name).is_file() for name in entry.get("outputs", []))
        )

    def record(self, key: str, entry: dict) -> None:
        """Store one article's entry (one transaction: durable once this returns)."""
        try:
            with self.db:
                self.db.execute("INSERT OR REPLACE INTO articles (key, status, entry) VALUES (?, ?, ?)",
                                (key, entry.get("status", "?"), json.dumps(entry, ensure_ascii=False)))
        except sqlite3.Error as exc:
            raise OutputError(f"the run journal {self.path} cannot be written ({exc})",
                              "free disk space or choose a writable --out folder, then run again") from exc

    def mark_changed(self, keys: Iterable[str]) -> int:
        """Make the next run redo these articles (e.g. after importing review corrections)."""
        keys = list(keys)
        with self.db:
            for key in keys:
                self.db.execute("UPDATE articles SET status = 'changed', entry = json_set(entry, '$.status', 'changed')"
                                " WHERE key = ?", (key,))
        return len(keys)

    def start_run(self, settings: dict) -> None:
        with self.db:
            self.db.execute("INSERT INTO runs (settings) VALUES (?)", (json.dumps(settings, ensure_ascii=False),))

    def last_run(self) -> dict:
        row = self.db.execute("SELECT settings FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row else {}

    def close(self) -> None:
        self.db.close()

"""The run journal: per-article state of an output folder, in SQLite (``OUT/journal.sqlite``).

Each finished or failed article is one row, written in its own small transaction, so recording
costs the same for the first and the ten-thousandth article (``manifest.json`` used to be rewritten
whole after every article). ``manifest.json``, ``index.md`` and ``index.html`` are rendered from the
journal once, at the end of a run (also an interrupted one). Several runs on one output folder are
serialized by the folder lock (``runners.lock``), and each adds its articles to the same journal:
nothing another run recorded is lost. A folder written by an older version (``manifest.json``
only) is imported on first use.

The journal is a cache of the records on disk: a damaged one (overwritten bytes, not a database)
is moved aside (``journal.sqlite.damaged``) with a warning and rebuilt from the JSON records in
the folder, so finished articles stay finished.
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
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            if fresh or isinstance(exc, sqlite3.OperationalError):  # not damage: a folder that cannot be written
                raise OutputError(f"the run journal {self.path} cannot be opened or written ({exc})",
                                  "check that the --out folder is writable and has free space") from exc
            self.db = self._rebuild(out, exc)
            return
        if fresh:
            self._import_manifest(out)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                db.execute(statement)
            db.commit()
            problem = db.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise sqlite3.DatabaseError(problem)
            db.execute("SELECT count(*), max(length(entry)) FROM articles").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    def _rebuild(self, out: Path, damage: Exception) -> sqlite3.Connection:
        """Move the damaged journal aside and rebuild it from the records on disk."""
        aside = self.path.with_name(JOURNAL + ".damaged")
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(self.path) + suffix)
            if source.exists():
                source.replace(Path(str(aside) + suffix))
        try:
            db = self._open()
        except sqlite3.Error as exc:
            raise OutputError(f"the run journal {self.path} cannot be created ({exc})",
                              "check that the --out folder is writable and has free space") from exc
        self.db = db
        found = 0
        for key, entry in entries_from_records(out):
            self.record(key, entry)
            found += 1
        log.warning("the run journal %s was damaged (%s): moved to %s and rebuilt from the %d article record(s) "
                    "in the folder", self.path, damage, aside.name, found)
        return db

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


def entries_from_records(out: Path):
    """(key, journal entry) of every finished article record (``*.json``) in ``out``."""
    from ..outputs import FORMATS
    from ..record import SCHEMA, review_counts
    from ..stages.duplicates import story_signature

    for path in sorted(out.rglob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or record.get("schema") != SCHEMA:
            continue
        stem = path.relative_to(out).with_suffix("")
        outputs = [path.relative_to(out).as_posix()] + [
            f"{stem.as_posix()}.{ext}" for ext in FORMATS if (out / f"{stem.as_posix()}.{ext}").is_file()]
        counts = review_counts(record)
        yield record["source"]["path"], {
            "status": "done", "sha256": record["source"].get("sha256"),
            "settings_hash": record.get("provenance", {}).get("settings_hash"), "outputs": outputs,
            "title": record.get("title"), "title_target": record.get("title_target"), "date": record.get("date"),
            "summary": (record.get("summary") or {}).get("text"), "flagged": counts["flagged"],
            "to_review": counts["to_review"], "low_confidence": counts["low_confidence"],
            "confidence_min": (record.get("confidence") or {}).get("min"), "story": story_signature(record),
            "duplicates_of": record.get("duplicates_of", []),
            "rebuilt": True}

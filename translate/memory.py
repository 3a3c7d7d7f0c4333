"""Translation memory: an SQLite file mapping (model, revision, backend, compute type, generation
settings, normalized source segment) to its translation, so a re-run after changing only the
summarizer, or a boilerplate line seen in an earlier article, costs no model call.

Each batch is committed in one transaction (write-ahead log), so an interrupted run leaves the
file intact with every batch finished before the interruption.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Sequence

from .backends.base import Contexts, Output
from .backends.wrappers import Wrapper

_SCHEMA = """CREATE TABLE IF NOT EXISTS memory (
  settings TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, tokens INTEGER NOT NULL,
  hit_limit INTEGER NOT NULL, created TEXT NOT NULL DEFAULT (datetime('now')),
  PRIMARY KEY (settings, source))"""


class TranslationMemory:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(_SCHEMA)
        self.db.commit()

    def lookup(self, settings: str, sources: Sequence[str]) -> dict[str, Output]:
        found: dict[str, Output] = {}
        unique = list(dict.fromkeys(sources))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = self.db.execute(
                f"SELECT source, target, tokens, hit_limit FROM memory WHERE settings = ? AND source IN "
                f"({','.join('?' * len(chunk))})", [settings, *chunk])
            found.update({s: Output(t, n, bool(h)) for s, t, n, h in rows})
        return found

    def store(self, settings: str, pairs: Sequence[tuple[str, Output]]) -> None:
        with self.db:  # one transaction
            self.db.executemany("INSERT OR REPLACE INTO memory (settings, source, target, tokens, hit_limit) "
                                "VALUES (?, ?, ?, ?, ?)",
                                [(settings, s, o.text, o.tokens, int(o.hit_limit)) for s, o in pairs])

    def close(self) -> None:
        self.db.close()


class MemoryBackend(Wrapper):
    """Answer from the translation memory; send only the misses to the inner backend."""

    def __init__(self, inner, memory: TranslationMemory) -> None:
        super().__init__(inner)
        self.memory = memory
        self.hits = 0

    @property
    def settings_key(self) -> str:
        blob = json.dumps(self.inner.settings(), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        key = self.settings_key
        known = self.memory.lookup(key, batch)
        self.hits += sum(1 for text in batch if text in known)
        missing = list(dict.fromkeys(text for text in batch if text not in known))
        if missing:
            fresh = self.inner.translate(missing, context=context)
            self.memory.store(key, list(zip(missing, fresh, strict=True)))
            known.update(zip(missing, fresh))
        return [known[text] for text in batch]

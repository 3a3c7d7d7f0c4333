"""``manifest.json``: what each input became in the last runs, used to skip unchanged work."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_atomic

log = logging.getLogger("translate")
MANIFEST = "manifest.json"
SCHEMA = "translate.manifest/1"


@dataclass
class Manifest:
    path: Path
    run: dict = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: Path) -> "Manifest":
        path = out_dir / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            log.warning("%s is unreadable (%s); every article will be redone", path, exc)
            return cls(path)
        return cls(path, data.get("run", {}), data.get("files", {}))

    def is_current(self, key: str, sha256: str, settings_hash: str, out_dir: Path) -> bool:
        entry = self.files.get(key)
        return bool(
            entry and entry.get("status") == "done" and entry.get("sha256") == sha256
            and entry.get("settings_hash") == settings_hash
            and all((out_dir / name).is_file() for name in entry.get("outputs", []))
        )

    def record(self, key: str, entry: dict) -> None:
        self.files[key] = entry
        self.save()

    def save(self) -> None:
        data = {"schema": SCHEMA, "run": self.run, "files": dict(sorted(self.files.items()))}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")

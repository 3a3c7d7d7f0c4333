"""``manifest.json``: what each input became, for people and tools (the run journal,
``runners.journal``, is what re-runs consult; the manifest is written from it at the end of a run)."""

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
            log.warning("%s is unreadable (%s)", path, exc)
            return cls(path)
        return cls(path, data.get("run", {}), data.get("files", {}))


def write_manifest(out_dir: Path, *, run: dict, files: dict[str, dict]) -> None:
    """``manifest.json``: the run's settings and every article's entry (rendered from the journal)."""
    data = {"schema": SCHEMA, "run": run, "files": dict(sorted(files.items()))}
    write_atomic(out_dir / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1) + "\n")

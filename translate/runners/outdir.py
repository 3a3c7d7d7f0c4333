"""The output folder before a run: usable (a folder, writable, not the input folder itself), never
read as input (an ``--out`` inside the input folder, or any folder another run wrote, holding a run
journal or lock), and rid of the temporary files an earlier run killed mid-write left behind."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from ..errors import OutputError, UsageError
from ..outputs.escape import display_name
from .journal import JOURNAL
from .lock import LOCK

log = logging.getLogger("translate")
_TEMPORARY = re.compile(r"\..+\.[0-9a-f]{12}\.tmp")  # outputs.atomic's temporary files


def check_out(out: Path, input: Path) -> None:
    """Refuse (exit 2) an ``--out`` that cannot hold the outputs: a file, a folder that cannot be
    written, or the input folder itself (its outputs would be read as articles next time)."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {display_name(out)} is a file, not a folder",
                          "pass a folder for the outputs (it is created if missing)", path=out)
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"--out {display_name(out)} cannot be written ({display_name(existing)} is read-only or "
                          "not yours)", "choose a writable --out folder, or make it writable", path=out)
    if input.is_dir() and out.resolve() == input.resolve():
        raise UsageError(f"--out {display_name(out)} is the input folder: the outputs would be read as articles "
                         "by the next run", "choose another --out folder (a subfolder of the input is fine)")


class OutputFolders:
    """Which input paths belong to an output folder (``out``, or any folder holding a run journal
    or lock): they are never inputs."""

    def __init__(self, out: Path, root: Path) -> None:
        self.out = out.resolve()
        self.root = root.resolve()
        self._known: dict[Path, bool] = {}

    def _is_output(self, folder: Path) -> bool:
        if folder not in self._known:
            self._known[folder] = folder == self.out or (folder / JOURNAL).exists() or (folder / LOCK).exists()
        return self._known[folder]

    def holds(self, path: Path) -> bool:
        folder = path.resolve().parent
        while True:
            if self._is_output(folder):
                return True
            if folder == self.root or folder == folder.parent:
                return False
            folder = folder.parent


def remove_stale_temporaries(out: Path) -> int:
    """Remove the temporary files of writes a killed run left (``.name.<12 hex>.tmp``); under the
    folder's lock no write of another run is under way. Returns how many were removed."""
    removed = 0
    for folder, _, files in os.walk(out):
        for name in files:
            if _TEMPORARY.fullmatch(name):
                try:
                    (Path(folder) / name).unlink()
                    removed += 1
                except OSError as exc:
                    log.debug("cannot remove %s (%s)", name, exc)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted run", removed)
    return removed

"""One run per output folder: ``OUT/.translate.lock`` (filelock), held for the whole run.

A second ``translate batch`` on the same ``--out`` waits (saying so) until the first finishes, then
finds the first run's articles done in the journal and redoes nothing; with ``--no-wait`` it refuses
at once (exit code 2). The lock is an OS file lock, released by the kernel when a process dies
(even by ``kill -9``), so a crashed run never leaves the folder locked.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Iterator

from ..errors import FolderBusyError

log = logging.getLogger("translate")
LOCK = ".translate.lock"


@contextlib.contextmanager
def folder_lock(out: Path, *, wait: bool = True, poll_s: float = 0.5) -> Iterator[None]:
    from filelock import FileLock, Timeout

    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / LOCK))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise FolderBusyError(f"another translate run is writing to {out}",
                                  "wait for it to finish, use another --out folder, or drop --no-wait to queue "
                                  "behind it") from None
        log.warning("another translate run is writing to %s; waiting for it to finish (Ctrl-C to stop, "
                    "--no-wait to refuse instead)...", out)
        lock.acquire(poll_interval=poll_s)
    try:
        yield
    finally:
        lock.release()

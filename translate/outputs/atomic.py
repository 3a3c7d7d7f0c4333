"""Atomic writes: a temporary file in the same folder, fsynced, then renamed over the target.

* Permissions: the temporary file is created with ``os.open(..., 0o666)``, so the kernel applies
  the process umask itself (0644 under umask 022, 0640 under 027) — no umask read, no race with
  other threads — and a default ACL of the folder applies as for any new file. (``mkstemp`` would
  give 0600, and that mode would survive the rename.)
* Failure: the target is either the old file or the new one, never partial; the temporary file
  is removed. Disk full or over quota (ENOSPC, EDQUOT) and a read-only or forbidden folder (EROFS,
  EACCES, EPERM) raise ``OutputError`` (the run cannot go on) naming the path and what to do.
  Other ``OSError``s are raised as they are.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from ..errors import OutputError
from .escape import display_name

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _output_error(path: Path, error: OSError) -> OutputError | None:
    where = display_name(path)
    folder = display_name(path.parent)
    cause = error.strerror or str(error)
    if error.errno in _FULL:
        return OutputError(f"cannot write {where}: {cause} (the disk or quota is full); nothing partial was left",
                           f"free space on the disk holding {folder} (or choose another --out), then run the same "
                           "command again: finished articles are kept", path=path, errno=error.errno)
    if error.errno in _READ_ONLY:
        return OutputError(f"cannot write {where}: {cause} (the folder is read-only or not yours)",
                           f"choose a writable --out folder, or make {folder} writable, then run the same command "
                           "again", path=path, errno=error.errno)
    return None


def _create(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty temporary file next to the target: (descriptor, path); mode 0o666 & ~umask."""
    while True:
        tmp = folder / f".{name[:40]}.{secrets.token_hex(6)}.tmp"  # short: the name may be near NAME_MAX
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, fsync, atomic rename.

    Raises ``OutputError`` when the disk is full or the folder read-only; the old file (if any)
    is then untouched and no temporary file is left."""
    path = Path(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create(path.parent, path.name)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        mapped = _output_error(path, error)
        if mapped is not None:
            raise mapped from error
        raise
    finally:
        if tmp is not None:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass  # the folder went read-only meanwhile: nothing more can be done here


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as they are) to ``path`` atomically; see ``write_atomic_bytes``."""
    write_atomic_bytes(path, text.encode("utf-8"))

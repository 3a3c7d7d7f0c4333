"""The guard of a local Ray instance (``ray_cluster.InstanceGuard`` starts it): a tiny process that
stops the instance's processes when the run that started it dies without stopping it.

Run by path as ``python -I -S ray_guard.py`` (the standard library only: it starts in milliseconds
and holds a few MB for the length of the run; it never imports the package). It reads lines from
the run on standard input: ``session FOLDER`` (the instance's session folder), ``stop`` (the run
shut Ray down itself: nothing to do), ``abandoned`` (the start failed with the run alive). At end of
file without ``stop`` (the run died), or on ``abandoned``, it kills every process of Ray's (by its
command line) with files open in the instance's session folder, and says so on standard error.
"""

from __future__ import annotations

import os
import re
import sys
import time
from datetime import datetime

SESSION = re.compile(r"session_(\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_\d+)_(\d+)$")  # Ray's name: its time, the driver's pid


def wait_for_the_run(driver: int) -> list[str] | None:
    """The session folders the run named, once the run is gone or gave the start up; None when it
    shut Ray down itself."""
    known = []
    for line in sys.stdin.buffer:  # until end of file: the run died, or closed the pipe as it exits
        word, _, rest = line.decode(errors="replace").strip().partition(" ")
        if word == "stop":
            return None
        if word == "session":
            known.append(os.path.realpath(rest) + os.sep)
        if word == "abandoned":  # the start failed with the run alive: clean up at once
            return known
    while os.getppid() == driver:
        time.sleep(0.05)
    return known


def session_of(path: str, *, known: list[str], driver: int, began: float) -> str | None:
    """The instance's folder in an open file's path: one the run named, or one the run's
    ``ray.init`` made (its pid in the name, made after this guard started: not an old instance of
    a process that had the same pid)."""
    for folder in known:
        if path.startswith(folder):
            return folder[:-1]
    parts = path.split(os.sep)
    for i, part in enumerate(parts):
        match = SESSION.match(part)
        if match and int(match.group(2)) == driver:
            try:
                made = datetime.strptime(match.group(1), "%Y-%m-%d_%H-%M-%S_%f").timestamp()
            except ValueError:
                continue
            if made >= began - 2:
                return os.sep.join(parts[:i + 1])
    return None


def command(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [p.decode(errors="replace") for p in f.read().split(b"\0") if p]
    except OSError:
        return []


def is_ray(parts: list[str]) -> bool:
    """Ray's own programs: workers and agents (``ray::...``), its binaries and its Python daemons,
    all inside the ray package (not, say, a ``tail -f`` of the instance's logs)."""
    programs = parts[:1] + [p for p in parts[1:3] if p.endswith(".py")]
    return bool(parts) and (parts[0].startswith("ray::") or any("/ray/" in p for p in programs))


def session_of_process(pid: int, **where) -> str | None:
    """The instance folder a process has files open in (Ray's processes log there); None for one
    that has none, or that this user cannot read (another user's: never touched)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            folder = session_of(os.readlink(f"/proc/{pid}/fd/{fd}"), **where)
        except OSError:
            continue
        if folder:
            return folder
    return None


def name(parts: list[str]) -> str:
    scripts = [os.path.basename(p) for p in parts[1:] if p.endswith(".py")]  # Python daemons by their script
    return scripts[0] if scripts and "python" in os.path.basename(parts[0]) else os.path.basename(parts[0])


def stop_instance(*, known: list[str], driver: int, began: float) -> tuple[dict[int, str], set[str]]:
    """Kill the instance's processes: (pid -> program, session folders)."""
    stopped: dict[int, str] = {}
    folders: set[str] = set()
    for sweep in range(3):  # again a moment later: a worker the raylet was starting
        time.sleep(0.5 if sweep else 0)
        for pid in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (os.getpid(), driver)]:
            folder = session_of_process(pid, known=known, driver=driver, began=began)
            parts = command(pid) if folder else []
            if is_ray(parts):
                try:
                    os.kill(pid, 9)
                except OSError:
                    continue
                stopped[pid] = name(parts)
                folders.add(folder)
    return stopped, folders


def main() -> None:
    driver, began = os.getppid(), time.time()
    known = wait_for_the_run(driver)
    if known is None:
        return
    stopped, folders = stop_instance(known=known, driver=driver, began=began)
    if stopped:
        counts: dict[str, int] = {}
        for label in stopped.values():
            counts[label] = counts.get(label, 0) + 1
        shown = ", ".join(f"{k} x{n}" if n > 1 else k for k, n in sorted(counts.items()))
        sys.stderr.write(f"the translate run {driver} left its local Ray instance running: stopped {len(stopped)} "
                         f"process(es) of {', '.join(sorted(folders))} ({shown})\n")


if __name__ == "__main__":
    main()

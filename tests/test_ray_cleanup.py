"""A local Ray instance started by ``translate batch --engine ray`` does not outlive its driver
(``ray_cluster.InstanceGuard``), and a signal during its start is the run's usual interrupt. Each
test runs the real CLI in a subprocess on a real local Ray (skipped without Ray; a failure in CI):

* killed with ``kill -9`` mid-run, every process of its instance (GCS, raylet, workers, and the
  agents, which Ray alone leaves for 60 s) is gone within seconds, the run's stderr says what was
  stopped, and another local Ray instance of the same user and a ``tail -f`` of the killed
  instance's logs are left alone;
* a SIGTERM while ``ray.init`` is starting gives the one-line "terminated" message and exit 143,
  no traceback, and leaves no Ray process behind;
* a run that ends normally leaves no Ray process either, and the guard says nothing; it started
  its own instance although ``RAY_ADDRESS`` names a cluster (only ``--ray-address`` joins one).

Processes are followed by pid and start time in ``/proc`` (Linux), and by the files they hold in
the instance's session folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support import required_module

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = ["article.md", "article_full.txt", "article_notitle.txt"]
GONE_WITHIN = 30.0  # seconds for the instance's processes to go once the driver is gone
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="follows processes in /proc (Linux)")

# The CLI, with a pause where the test acts: ``{patch}`` is what pauses it, printing ``PAUSED`` first.
LAUNCH = """
import sys, time
{patch}
from translate.cli import main
sys.argv = ["translate", *sys.argv[1:]]
main()
"""
# mid-run: the replicas are up and a window is back (Ray Data's reading tasks have run)
AFTER_FIRST_ARTICLE = """
from translate.runners.core import LogProgress
def paused(self, name, status):
    print("PAUSED", flush=True)
    time.sleep(300)
LogProgress.finished = paused
"""
# another local Ray instance of the same user (a notebook, another tool), which must be left alone
NEIGHBOUR = """
import logging, time
import ray
ray.init(num_cpus=1, include_dashboard=False, object_store_memory=80 * 2**20, logging_level=logging.WARNING)
print("PAUSED", flush=True)
time.sleep(300)
"""
# inside ray.init: the GCS and the raylet are started, the driver is not connected yet
INSIDE_RAY_INIT = """
import ray._private.node as node
started = node.Node.start_ray_processes
def paused(self):
    started(self)
    print("PAUSED", flush=True)
    time.sleep(300)
node.Node.start_ray_processes = paused
"""


@pytest.fixture(scope="module", autouse=True)
def ray_installed():
    required_module("ray", "pip install -e '.[ray]' in the clone; CI installs it")


def make_folder(folder: Path) -> Path:
    """The three good articles of the fixtures: a run of a few seconds."""
    folder.mkdir(parents=True)
    for name in GOOD:
        shutil.copyfile(FIXTURES / name, folder / name)
    return folder


class Run:
    """Python code in a subprocess, by default the CLI (``LAUNCH``) on three articles with
    ``--engine ray``; its stderr in a file (never a full pipe)."""

    def __init__(self, patch: str, tmp_path: Path, models: Path | None = None, *, code: str = "",
                 env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "RAY_USAGE_STATS_ENABLED": "0",
               **(env or {})}
        args = [] if code else [
            "batch", make_folder(tmp_path / "in"), "--out", tmp_path / "out", "--config", models, "--profile",
            "tiny-extractive", "--engine", "ray", "--ray-workers", "1"]
        self.stderr = tmp_path / "stderr.txt"
        with self.stderr.open("w", encoding="utf-8") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code or LAUNCH.format(patch=patch), *map(str, args)],
                stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        self.paused = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            if line.strip() == "PAUSED":
                self.paused.set()

    def wait_paused(self, timeout: float = 120) -> None:
        began = time.monotonic()
        while not self.paused.wait(0.2):
            if self.process.poll() is not None or time.monotonic() - began > timeout:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"the run did not reach its pause (exit {self.process.returncode}): "
                                     f"{self.err()[-3000:]}")

    def err(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")


def stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name (which may hold spaces): state, ppid, ... (fields 3-)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()


def started_at(pid: int) -> str | None:
    """The process's start time (field 22), or None when it is gone or a zombie."""
    fields = stat_fields(pid)
    return None if fields is None or fields[0] in ("Z", "X") else fields[19]


def descendants(pid: int) -> dict[int, str]:
    """Every live process under ``pid``: {pid: start time}."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        fields = stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = {}, list(children.get(pid, []))
    while todo:
        child = todo.pop()
        when = started_at(child)
        if when is not None:
            found[child] = when
            todo.extend(children.get(child, []))
    return found


def holding(folder: str, *, spare: tuple[int, ...] = ()) -> dict[int, str]:
    """The live processes with a file open in ``folder`` (all of a Ray instance's processes log in
    its session folder), but for ``spare``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (os.getpid(), *spare):
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        when = started_at(int(entry.name))
        if when is not None and any(link.startswith(folder + os.sep) for link in links):
            found[int(entry.name)] = when
    return found


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def session_folder(instance: dict[int, str]) -> str:
    """The Ray instance's session folder, from its GCS server's command line."""
    for pid in instance:
        for arg in command(pid).split():
            if arg.startswith("--session-dir="):
                return os.path.realpath(arg.split("=", 1)[1])
    raise AssertionError(f"no GCS server among {names(instance)}")


def alive(processes: dict[int, str]) -> dict[int, str]:
    """Those still running (the same process: same pid and start time)."""
    return {pid: when for pid, when in processes.items() if started_at(pid) == when}


def names(processes: dict[int, str]) -> list[str]:
    return [f"{pid} {command(pid)[:100]}" for pid in processes]


def wait_gone(processes: dict[int, str], folder: str, timeout: float = GONE_WITHIN, *,
              spare: tuple[int, ...] = ()) -> float:
    """Seconds until every process of ``processes`` and of the session ``folder`` (but for
    ``spare``) is gone; kills the leftovers and fails after ``timeout``."""
    began = time.monotonic()
    while (alive(processes) or holding(folder, spare=spare)) and time.monotonic() - began < timeout:
        time.sleep(0.2)
    left = {**alive(processes), **holding(folder, spare=spare)}
    shown = names(left)
    for pid in left:  # not left running on the machine that ran the tests
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"still running {timeout:g} s after the driver: {shown}"
    return time.monotonic() - began


def wait_for(run: Run, *words: str, timeout: float = 60) -> dict[int, str]:
    """The run's processes once some command line holds each of ``words``."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        instance = descendants(run.process.pid)
        shown = " ".join(names(instance))
        if all(word in shown for word in words):
            return instance
        time.sleep(0.2)
    raise AssertionError(f"no {words} among {names(instance)}")


def test_a_local_ray_instance_does_not_outlive_a_killed_driver(tmp_path, tiny_models):
    (tmp_path / "neighbour").mkdir()
    neighbour = Run("", tmp_path / "neighbour", code=NEIGHBOUR)
    run = Run(AFTER_FIRST_ARTICLE, tmp_path, tiny_models)
    bystander = None
    try:
        neighbour.wait_paused()
        run.wait_paused()
        # Ray is up with its replica and the agents (which, alone, would stay 60 s after the driver)
        instance = wait_for(run, "gcs_server", "raylet", "ray::ModelWorker", "ray::DashboardAgent",
                            "ray::RuntimeEnvAgent")
        folder = session_folder(instance)
        others = wait_for(neighbour, "gcs_server", "raylet", "ray::DashboardAgent", "ray::RuntimeEnvAgent")
        others_folder = session_folder(others)
        bystander = subprocess.Popen(["tail", "-f", f"{folder}/logs/raylet.out"],  # someone reading its logs
                                     stdout=subprocess.DEVNULL)
        run.process.kill()  # kill -9
        run.process.wait()
        took = wait_gone(instance, folder, spare=(bystander.pid,))
        err = run.err()
        assert f"the translate run {run.process.pid} left its local Ray instance running: stopped" in err, err
        assert folder in err and "ray::RuntimeEnvAgent" in err, err
        assert took < 10 and bystander.poll() is None and alive(others) == others  # only Ray's, only its own
    finally:
        if bystander is not None:
            bystander.kill()
        neighbour.process.send_signal(signal.SIGTERM)  # Ray's own handler: ray.shutdown at exit
        run.process.kill()
    neighbour.process.wait(timeout=60)
    wait_gone(others, others_folder)


def test_sigterm_while_ray_starts_is_the_usual_interrupt(tmp_path, tiny_models):
    run = Run(INSIDE_RAY_INIT, tmp_path, tiny_models)
    run.wait_paused()
    instance = wait_for(run, "gcs_server", "raylet", "ray::DashboardAgent", "ray::RuntimeEnvAgent")
    folder = session_folder(instance)
    run.process.send_signal(signal.SIGTERM)
    run.process.wait(timeout=60)
    err = run.err()
    assert run.process.returncode == 143, err
    assert err.rstrip().splitlines()[-1].startswith("terminated: finished articles are saved"), err
    assert "run the same command again" in err and "Traceback" not in err, err
    assert "left its local Ray instance running: stopped" in err, err  # the agents the cut-short start left
    wait_gone(instance, folder)


def test_a_finished_run_stops_its_instance_and_the_guard_says_nothing(tmp_path, tiny_models):
    # without --ray-address, a new local instance: not the cluster RAY_ADDRESS names (ray.init's default)
    run = Run("", tmp_path, tiny_models, env={"RAY_ADDRESS": "127.0.0.1:9"})
    instance = wait_for(run, "gcs_server", "raylet")
    folder = session_folder(instance)
    run.process.wait(timeout=120)
    err = run.err()
    assert run.process.returncode == 0 and "3 done, 0 unchanged" in err, err
    wait_gone(instance, folder)
    assert "left its local Ray instance running" not in err, err

"""Ray itself for ``--engine ray`` (see ``runners.ray``): the options, connecting to a cluster or
starting a local instance (and making sure it does not outlive the run: ``InstanceGuard``), how many
model replicas fit, and the pool that hands windows to them."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..config import Profile
from ..distribution import install_command
from ..errors import UsageError

log = logging.getLogger("translate")
# the guard's program (``InstanceGuard``), run by path with ``python -I -S``: the standard library only
GUARD = Path(__file__).with_name("ray_guard.py")
INSTALL_HINT = f"{install_command('ray')} (Ray is an optional extra), or use --engine local"


@dataclass(frozen=True)
class RayOptions:
    """How the run uses Ray. 0 means: chosen from the cluster (see ``plan_replicas``)."""

    workers: int = 0  # model replicas
    cpus_per_worker: int = 0  # CPUs (and model threads) per replica
    num_cpus: int = 0  # CPUs of the local Ray instance started without an address (0: this machine's)
    articles_per_task: int = 4  # articles read and segmented per Ray Data task
    ship_code: bool = True  # on a cluster, send this package to the workers (runtime_env py_modules)
    object_store_mb: int = 512  # object store of a local instance


def require_ray() -> None:
    if importlib.util.find_spec("ray") is None:
        raise UsageError("--engine ray needs Ray, which is not installed", INSTALL_HINT)


def check_reachable(address: str, *, timeout: float = 5.0) -> None:
    """An address with a host and port (``HOST:PORT``, ``ray://HOST:10001``) is tried with a plain
    TCP connection first: Ray itself waits without end for a cluster that is not there (holding
    the output folder's lock), this says so in seconds. ``auto`` is Ray's to find."""
    import socket
    from urllib.parse import urlparse

    if address in ("auto", "local") or "://" not in address and ":" not in address:
        return
    parsed = urlparse(address if "://" in address else f"gcs://{address}")
    if not parsed.hostname or not parsed.port:
        return
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=timeout):
            return
    except OSError as exc:
        raise UsageError(f"cannot connect to the Ray cluster at {address} ({exc.strerror or exc})",
                         "check --ray-address (auto on a cluster node, ray://HEAD:10001 from outside) and that "
                         "the cluster is up (ray status)") from exc


def uses_gpu(profile: Profile) -> bool:
    return profile.translation.device == "cuda" or (profile.summary.method == "abstractive"
                                                     and profile.summary.device == "cuda")


def plan_replicas(options: RayOptions, *, cpus: float, gpus: float, gpu: bool) -> tuple[int, int]:
    """(replicas, CPUs per replica). With ``device: cuda``, one replica per GPU and one CPU each;
    on CPUs, up to 4 cores per replica, leaving one core for reading and segmenting."""
    spare = max(1, int(cpus) - 1)
    per = options.cpus_per_worker or (1 if gpu else min(4, spare))
    workers = options.workers or (max(1, int(gpus)) if gpu else max(1, spare // per))
    return workers, per


@contextlib.contextmanager
def ray_session(address: str | None, options: RayOptions, profile: Profile, *, debug: bool) -> Iterator[tuple]:
    """Connect to ``address`` (``auto``, ``ray://host:10001``...) or start a new local instance
    (loopback only, no dashboard, no usage stats; guarded: it does not outlive the run, see
    ``InstanceGuard``); yields (replicas, CPUs per replica); shuts down what it started. An
    application that already called ``ray.init`` keeps its own connection."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    loopback = address is None and "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER" not in os.environ
    if loopback:  # Ray's own switch (read when ray is imported): a single-node instance on 127.0.0.1 only
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    try:
        import ray
        import ray.data  # configures its logger on import: quieted below
    finally:
        if loopback:
            del os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"]

    level = logging.INFO if debug else logging.WARNING
    saved = logging.getLogger("ray.data").level
    if not debug:
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # per-dataset progress lines
    gpu = uses_gpu(profile)
    started = not ray.is_initialized()
    guard = InstanceGuard() if started and address is None else None
    try:
        if guard is not None:
            cpus = options.num_cpus or os.cpu_count() or 1
            workers, per = plan_replicas(options, cpus=cpus, gpus=0, gpu=gpu)
            # "local": a new instance, even with RAY_ADDRESS set or a `ray start` cluster on this machine
            # (which ray.init would join, refusing num_cpus; --ray-address auto joins them)
            with sigterm_kept(), guard.starting():
                context = ray.init(address="local", num_cpus=max(cpus, workers * per + 1), include_dashboard=False,
                                   logging_level=level, object_store_memory=options.object_store_mb * 2**20)
            guard.session(context.address_info.get("session_dir"))
        else:
            if started:
                check_reachable(address)
                runtime = {"py_modules": [str(Path(__file__).resolve().parents[1])]} if options.ship_code else None
                try:
                    with sigterm_kept():
                        ray.init(address=address, logging_level=level, runtime_env=runtime)
                except (ConnectionError, ValueError, RuntimeError) as exc:
                    raise UsageError(f"cannot connect to the Ray cluster at {address} ({exc})",
                                     "check --ray-address (auto on a cluster node, ray://HEAD:10001 from outside) "
                                     "and that the cluster is up (ray status)") from exc
            resources = ray.cluster_resources()
            workers, per = plan_replicas(options, cpus=resources.get("CPU", 1), gpus=resources.get("GPU", 0),
                                         gpu=gpu)
            if workers * per + 1 > resources.get("CPU", 0):
                log.warning("%d replica(s) x %d CPU(s) and one CPU for reading need more than the cluster's %g "
                            "CPUs: the run waits until the cluster grows (without an autoscaler, forever: ask for "
                            "fewer replicas)", workers, per, resources.get("CPU", 0))
        if gpu and not ray.cluster_resources().get("GPU"):
            raise UsageError("the profile runs on cuda but the Ray cluster has no GPU",
                             "add GPU nodes, or use --device cpu")
        yield workers, per
    finally:
        if started:  # also a start cut short (an interrupt during ray.init): what it started is stopped
            ray.shutdown()
        if guard is not None:  # after the shutdown: a run killed while Ray stops is still cleaned up
            guard.stop()
        logging.getLogger("ray.data").setLevel(saved)


@contextlib.contextmanager
def sigterm_kept() -> Iterator[None]:
    """Around ``ray.init``: the process's SIGTERM handler, as it was before.

    ``ray.init`` replaces it with ``sys.exit(15)`` for good (ray/_private/worker.py, ``init``: "This
    method overwrite sigterm handler of the driver process"). The CLI's handler turns SIGTERM into an
    interrupt (finished articles recorded, the one-line "terminated" message, exit 143); without
    this, a SIGTERM during the run or while Ray starts would end it as a bare ``SystemExit(15)``.
    So the handler is put back once ``ray.init`` returns, and Ray's exit during the start becomes
    what that handler does (Ray alone sets the handler that exits with 15 there)."""
    previous = signal.getsignal(signal.SIGTERM)
    ours = previous is not None and threading.current_thread() is threading.main_thread()
    try:
        yield
    except SystemExit as exc:
        if ours and exc.code == signal.SIGTERM and callable(previous):
            signal.signal(signal.SIGTERM, previous)
            previous(signal.SIGTERM, None)
        raise
    finally:
        if ours:
            signal.signal(signal.SIGTERM, previous)


class InstanceGuard:
    """Stops the local Ray instance a run starts when the run dies without stopping it (``kill -9``,
    the out-of-memory killer, an interrupt while ``ray.init`` starts), so nightly runs do not pile
    up Ray processes.

    Ray's own fate sharing kills the processes ``ray.init`` starts (GCS, raylet, monitors) with the
    driver (``prctl(PR_SET_PDEATHSIG)``: ray/_private/services.py ``start_ray_process``), and its
    workers exit within a second of the raylet (``CoreWorker::ExitIfParentRayletDies``); but the
    raylet's agents (``ray::DashboardAgent``, ``ray::RuntimeEnvAgent``) first report the raylet's
    death to the dead GCS and hang for 60 s (``publish_error_to_driver``'s timeout in
    ray/_private/utils.py), holding their memory. The guard, a tiny process started before
    ``ray.init`` in a session of its own (Ctrl-C and signals to the run's process group leave it
    be), reads a pipe from the driver: "stop" means the run shut Ray down itself. At end of file
    (the driver died), or "abandoned" (the start failed), it kills every process of Ray's (by its
    command line) that has files open in the instance's session folder (all of Ray's processes log
    there): the folder the driver named, or one named by Ray after the driver's pid and made since
    the guard started. Another instance (a cluster, another run, another user) has its own folder.
    It says what it stopped on the run's stderr. Linux only (``/proc``); elsewhere Ray's own
    reaper process or job object is all there is."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        if not sys.platform.startswith("linux"):
            return
        try:
            self.process = subprocess.Popen([sys.executable, "-I", "-S", str(GUARD)], stdin=subprocess.PIPE,
                                            stdout=subprocess.DEVNULL, bufsize=0, start_new_session=True)
        except OSError as exc:
            log.warning("cannot start the guard of the local Ray instance (%s): if this run is killed, Ray's agents "
                        "may stay for a minute (see them with: ps -ef | grep ray::)", exc)

    def _tell(self, line: str, *, last: bool = False) -> None:
        if self.process is None or self.process.stdin.closed:
            return
        with contextlib.suppress(OSError):  # the guard is gone already: nothing to tell it
            self.process.stdin.write(f"{line}\n".encode())  # unbuffered: nothing left to flush at exit
        if last:
            self.process.stdin.close()

    @contextlib.contextmanager
    def starting(self) -> Iterator[None]:
        """Around ``ray.init``: a start cut short (an interrupt, an error) leaves processes the
        driver cannot reach (Ray keeps them only once the start is done): the guard stops them."""
        try:
            yield
        except BaseException:
            self._tell("abandoned", last=True)
            raise

    def session(self, folder: str | None) -> None:
        """The instance's session folder, from ``ray.init``'s answer (the guard also finds it by
        Ray's naming, if the driver dies before it can tell)."""
        if folder and self.process is not None:
            self._tell(f"session {folder}")
            log.debug("Ray: local instance %s, guarded by process %d", folder, self.process.pid)

    def stop(self) -> None:
        """The run stopped Ray itself (or the guard is cleaning up an abandoned start): waits for it."""
        self._tell("stop", last=True)
        if self.process is None:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ReplicaPool:
    """Windows to idle replicas, first come first served (an actor runs one call at a time)."""

    def __init__(self, actors: list) -> None:
        self.actors = list(actors)
        self.idle = list(actors)
        self.queue: deque = deque()
        self.running: dict = {}

    def __len__(self) -> int:
        return len(self.queue) + len(self.running)

    def submit(self, args: tuple, done: Callable) -> None:
        self.queue.append((args, done))
        self._start()

    def _start(self) -> None:
        while self.idle and self.queue:
            actor = self.idle.pop(0)
            args, done = self.queue.popleft()
            self.running[actor.window.remote(*args)] = (actor, done)

    def wait_one(self) -> None:
        import ray

        ready, _ = ray.wait(list(self.running), num_returns=1)
        actor, done = self.running.pop(ready[0])
        self.idle.append(actor)
        self._start()
        try:
            result = ray.get(ready[0])
        except ray.exceptions.RayError as exc:  # the replica died (out of memory, crash): its window fails
            done(None, exc)
        else:
            done(result, None)

    def drain(self) -> None:
        while self:
            self.wait_one()

    def kill(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor)

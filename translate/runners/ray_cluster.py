"""Ray itself for ``--engine ray`` (see ``runners.ray``): the options, connecting to a cluster or
starting a local instance, how many model replicas fit, and the pool that hands windows to them."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..config import Profile
from ..distribution import install_command
from ..errors import UsageError

log = logging.getLogger("translate")
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
    """Connect to ``address`` (``auto``, ``ray://host:10001``...) or start a local instance
    (loopback only, no dashboard, no usage stats); yields (replicas, CPUs per replica); shuts down
    what it started. An application that already called ``ray.init`` keeps its own connection."""
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
    try:
        if started and address is None:
            cpus = options.num_cpus or os.cpu_count() or 1
            workers, per = plan_replicas(options, cpus=cpus, gpus=0, gpu=gpu)
            ray.init(num_cpus=max(cpus, workers * per + 1), include_dashboard=False, logging_level=level,
                     object_store_memory=options.object_store_mb * 2**20)
        else:
            if started:
                check_reachable(address)
                runtime = {"py_modules": [str(Path(__file__).resolve().parents[1])]} if options.ship_code else None
                try:
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
        if started and ray.is_initialized():
            ray.shutdown()
        logging.getLogger("ray.data").setLevel(saved)


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

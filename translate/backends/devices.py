"""Batch budgets sized for the device: how many padded source tokens a batch may hold, how many
hypotheses (segments x beams) are decoded at once, and how many batches run at the same time on
how many cores each. ``auto`` in models.yaml takes these defaults; a number overrides them.

On CPU the budgets are small (the benchmark's best throughput on 2-8 cores; memory is not the
limit). On a CUDA GPU they grow with the free memory of the device the model runs on: larger
batches keep the GPU busy, and the output-vocabulary scores of every hypothesis must fit.

On CPU, CTranslate2 decodes several batches at once (``inter_threads``), each on a share of the
cores (``intra_threads``): one batch on every core leaves them waiting on each other in the small
per-step matrix products of decoding. bench/cores.py on 2 cores: two batches on one core each
decode 1.3-1.6x the tokens/s of one batch on both cores at beam 4, 1.85x greedy (of the splits
tried, 2 x 1 was the fastest; 3 or 4 batches on 2 cores were slower). CTranslate2's own advice is
the same ("prefer increasing inter_threads over intra_threads"; no more threads than cores).
Translation batches of 2048 padded tokens (and at most 128 hypotheses) decode 5-10% more tokens/s
than 1024 at beam 4 and greedy, one batch at a time and in parallel, and no fewer with
Transformers (batch sizes 512-4096 and 16-64 segments swept on the opus-mt-ar-en shape, int8;
64 segments x 4 beams was 20-30% slower than 32). Up to
``CPU_MAX_PARALLEL_BATCHES`` batches run at once, so that the memory of the batches in flight stays
bounded on large machines (not measured beyond 2 cores); the cores are shared out evenly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

CPU_BATCH_TOKENS = {"translation": 2048, "summary": 4096}
CPU_MAX_HYPOTHESES = 128
GPU_BATCH_TOKENS_PER_GB = {"translation": 2048, "summary": 4096}
GPU_MAX_HYPOTHESES_PER_GB = 128
GPU_CAP_GB = 40  # beyond this, bigger batches stop paying off
CPU_MAX_PARALLEL_BATCHES = 8


@dataclass(frozen=True)
class Budgets:
    batch_tokens: int
    max_hypotheses: int
    source: str  # "profile", "cpu default", "cuda default (N GB free)"


def free_gpu_gb(device_index: int = 0) -> float:
    import torch

    free, _total = torch.cuda.mem_get_info(device_index)
    return free / 2**30


def budgets(options, *, device: str, role: str, free_gb: float | None = None) -> Budgets:
    """The batch budgets for ``options`` (``batch_tokens`` / ``max_hypotheses``: a number or
    ``"auto"``) on ``device`` ("cpu" or "cuda"). ``free_gb``: free GPU memory (measured when None)."""
    tokens, hypotheses = options.batch_tokens, options.max_hypotheses
    if device == "cuda":
        gb = min(free_gpu_gb() if free_gb is None else free_gb, GPU_CAP_GB)
        default_tokens = max(1024, int(GPU_BATCH_TOKENS_PER_GB[role] * gb))
        default_hypotheses = max(CPU_MAX_HYPOTHESES, int(GPU_MAX_HYPOTHESES_PER_GB * gb))
        where = f"cuda default ({gb:.0f} GB free)"
    else:
        default_tokens, default_hypotheses, where = CPU_BATCH_TOKENS[role], CPU_MAX_HYPOTHESES, "cpu default"
    auto = tokens == "auto" or hypotheses == "auto"
    return Budgets(batch_tokens=default_tokens if tokens == "auto" else tokens,
                   max_hypotheses=default_hypotheses if hypotheses == "auto" else hypotheses,
                   source=where if auto else "profile")


@dataclass(frozen=True)
class Threads:
    """How a CTranslate2 model uses the machine: ``parallel`` batches at once (``inter_threads``),
    each on ``per_batch`` cores (``intra_threads``)."""

    parallel: int
    per_batch: int
    source: str  # "profile", "cpu default (N cores)", "cuda default (N GPUs)"


def cores() -> int:
    """The cores this process may run on (its CPU affinity: a container's or ``taskset``'s share)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def threads(options, *, device: str, gpus: int = 1, available: int | None = None) -> Threads:
    """The split of ``options.threads`` cores (0: all of ``available``, measured when None) between
    ``options.parallel_batches`` batches (a number or ``"auto"``). On CUDA: one batch per GPU by
    default (one replica each), a number runs that many per GPU in CUDA streams."""
    total = options.threads or (cores() if available is None else available)
    wanted = options.parallel_batches
    if device == "cuda":
        parallel = gpus if wanted == "auto" else wanted * gpus
        return Threads(parallel, total, f"cuda default ({gpus} GPUs)" if wanted == "auto" else "profile")
    parallel = min(total, CPU_MAX_PARALLEL_BATCHES) if wanted == "auto" else min(wanted, total)
    return Threads(parallel, max(1, total // parallel),
                   f"cpu default ({total} cores)" if wanted == "auto" else "profile")

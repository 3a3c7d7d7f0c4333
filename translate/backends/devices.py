"""Batch budgets sized for the device: how many padded source tokens a batch may hold and how many
hypotheses (segments x beams) are decoded at once. ``auto`` in models.yaml takes these defaults;
a number overrides them.

On CPU the budgets are small (the benchmark's best throughput on 2-8 cores; memory is not the
limit). On a CUDA GPU they grow with the free memory of the device the model runs on: larger
batches keep the GPU busy, and the output-vocabulary scores of every hypothesis must fit.
"""

from __future__ import annotations

from dataclasses import dataclass

CPU_BATCH_TOKENS = {"translation": 1024, "summary": 4096}
CPU_MAX_HYPOTHESES = 128
GPU_BATCH_TOKENS_PER_GB = {"translation": 2048, "summary": 4096}
GPU_MAX_HYPOTHESES_PER_GB = 128
GPU_CAP_GB = 40  # beyond this, bigger batches stop paying off


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

"""GPU figures, when a CUDA GPU is present: translation tokens/s and the GPU memory peak for the
default profile's engine on ``device: cuda`` (CTranslate2 int8_float16 and Transformers fp16), with
the device-sized batch budgets (``batch_tokens``/``max_hypotheses: auto``).

    .venv/bin/python bench/gpu.py

Without a GPU it says so and exits 0 (this machine has none: the numbers in the README are CPU).
Uses bench/run.py's random-weight model of opus-mt-ar-en's real architecture and sample segments.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import build_models, sentences  # noqa: E402 - bench/common.py sets up the import paths

TARGET = 40


def gpu_memory_mb() -> list[int]:
    """Memory used on each GPU (nvidia-smi), in MB."""
    done = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                          capture_output=True, text=True, check=True)
    return [int(line) for line in done.stdout.split()]


def main() -> None:
    import torch

    if not torch.cuda.is_available():
        print("no CUDA GPU here: GPU figures skipped (device: cuda is not testable on this machine)")
        return
    from translate import load_config
    from translate.backends import load_backend
    from translate.backends.devices import budgets
    from translate.backends.stack import batched

    articles = sorted((HERE.parent.parent / "shared" / "corpus" / "seeds").glob("*.txt")) or \
        sorted((HERE.parent / "tests" / "fixtures").glob("*.txt"))
    config = build_models(HERE / ".cache", articles, TARGET)
    texts = [text for text, _ in sentences(config, articles)] * 20
    print(f"GPU: {torch.cuda.get_device_name(0)} ({torch.cuda.device_count()} visible); {len(texts)} segments, "
          f"{TARGET} target tokens each")
    print("| engine | batch tokens | hypotheses | wall s | target tok/s | GPU memory peak MB |")
    print("|---|---|---|---|---|---|")
    for backend in ("ctranslate2", "transformers"):
        options = load_config(config).profile().translation
        generation = dataclasses.replace(options.generation, min_new_tokens=TARGET, max_new_tokens=TARGET)
        options = dataclasses.replace(options, device="cuda", backend=backend, compute_type="auto",
                                      generation=generation)
        engine = load_backend(options, role="translation")
        stack = batched(engine, options, role="translation", device="cuda")
        stack.translate(texts[:8])  # load the weights
        before = gpu_memory_mb()
        peak = list(before)
        started = time.perf_counter()
        for start in range(0, len(texts), 500):
            stack.translate(texts[start:start + 500])
            peak = [max(a, b) for a, b in zip(peak, gpu_memory_mb())]
        wall = time.perf_counter() - started
        found = budgets(options, device="cuda", role="translation")
        print(f"| {backend} | {found.batch_tokens} | {found.max_hypotheses} | {wall:.1f} | "
              f"{len(texts) * TARGET / wall:.0f} | {max(peak)} |")


if __name__ == "__main__":
    main()

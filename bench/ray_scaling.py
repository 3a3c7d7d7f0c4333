"""Benchmark: throughput of ``--engine ray`` with 1 and 2 model replicas on a local Ray instance
(the local engine alongside, for reference). Not part of the tests.

    .venv/bin/python bench/ray_scaling.py                    # tiny random models: quick, mostly overhead
    .venv/bin/python bench/ray_scaling.py --size real        # the real opus-mt-ar-en architecture (bench/configs)

The five sample articles (../shared/corpus/seeds, or tests/fixtures) are repeated up to
``--count`` articles; every sentence of a copy gets the copy's number, so no segment repeats and
the per-run memo cannot answer anything; the translation memory is off. Windows of
``--window-segments`` segments are the unit a replica takes, so a folder needs at least as many
windows as replicas. ``wall`` counts everything (Ray start, replicas loading the models);
``steady`` starts when the first article is handed out (after every replica checked its models).
``this process CPU s``: the CPU time of this process (for Ray, the driver's own work: journal,
memory, windows, Ray Data's scheduling; for the local engine, everything).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT))  # the repository: tests.support
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
sys.path.insert(0, str(HERE))

from finishes import FinishTimes  # noqa: E402


def corpus(source: Path, target: Path, count: int) -> int:
    """``count`` articles made from the files in ``source``; every sentence of a copy gets the copy's
    number before its final stop, so no segment of one copy repeats one of another."""
    files = sorted(p for p in source.iterdir() if p.suffix in (".txt", ".md"))
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for i in range(count):
        original = files[i % len(files)]
        copy = i // len(files)
        lines = []
        for line in original.read_text(encoding="utf-8").splitlines():
            if copy and line.strip():
                line = re.sub(r"([.!?\u061f\u2026])(?=\s|$)", rf" {copy}\1", line)
                line = line if re.search(r"[.!?\u061f\u2026]\s*$", line) else f"{line} {copy}"
            lines.append(line)
        (target / f"{i:03d}_{original.name}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(files)


def measure(name: str, run_engine, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    clock = FinishTimes()
    load = os.getloadavg()[0]
    began, cpu = time.perf_counter(), time.process_time()
    report = run_engine(clock)
    ended, cpu = time.perf_counter(), time.process_time() - cpu
    if report.failed:
        sys.exit(f"{name}: failed articles {report.failed}")
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    tokens = sum(entry["counts"]["target_tokens"] for entry in files.values())
    steady = ended - clock.started
    return {"name": name, "articles": len(report.done), "segments": report.translation_calls, "tokens": tokens,
            "wall": ended - began, "steady": steady, "cpu": cpu, "load": f"{load:.1f}->{os.getloadavg()[0]:.1f}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    seeds = ROOT.parent / "shared" / "corpus" / "seeds"
    parser.add_argument("--articles", type=Path, default=seeds if seeds.is_dir() else ROOT / "tests" / "fixtures")
    parser.add_argument("--count", type=int, default=40, help="articles in the benchmark folder")
    parser.add_argument("--size", choices=("tiny", "real"), default="tiny")
    parser.add_argument("--summary", choices=("none", "extractive", "abstractive"), default="extractive")
    parser.add_argument("--greedy", action="store_true", help="num_beams 1 (the `fast` profile's translation)")
    parser.add_argument("--target-tokens", type=int, default=40, help="real size: forced target tokens per segment")
    parser.add_argument("--workers", default="1,2", help="replica counts to measure")
    parser.add_argument("--cpus-per-worker", type=int, default=1)
    parser.add_argument("--window-segments", type=int, default=150)
    parser.add_argument("--no-local", action="store_true", help="skip the local engine reference")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    args = parser.parse_args()
    os.environ["TRANSLATE_CACHE"] = str(args.cache / "translate-cache")

    from translate import load_config
    from translate.config import with_overrides
    from translate.runners import run_batch
    from translate.runners.plan import RunOptions
    from translate.runners.ray import RayEngine, RayOptions

    folder = args.cache / "ray-articles"
    originals = corpus(args.articles, folder, args.count)
    if args.size == "tiny":
        from tests.support.tiny_models import build_all

        config = args.cache / "tiny" / "models.yaml"
        if not config.is_file():
            build_all(args.cache / "tiny")
        profile = load_config(config).profile("tiny")
    else:
        from common import build_models

        config = build_models(args.cache, sorted(p for p in args.articles.iterdir() if p.suffix == ".txt"),
                              args.target_tokens)
        profile = load_config(config).profile("fast" if args.greedy else "default")
    profile = with_overrides(profile, summary=args.summary)
    subprocess.run([sys.executable, "-m", "translate", "models", "convert", "--config", str(config)], check=True,
                   capture_output=True)  # once, outside every timing
    run = RunOptions(input=folder, out=args.cache / "out", reuse_translations=False,
                     window_segments=args.window_segments)
    beams = profile.translation.generation.num_beams
    print(f"machine: {os.cpu_count()} cores; models: {args.size} ({profile.translation.backend} backend, "
          f"beam {beams}), "
          f"summary {args.summary}; input: {args.count} articles ({originals} originals, every line numbered apart); "
          f"windows of {args.window_segments} segments\n")
    rows = []
    if not args.no_local:
        rows.append(measure(f"local engine, one process, {os.cpu_count()} threads",
                            lambda clock: run_batch(profile=profile, run=run, progress=clock), run.out))
    for workers in (int(n) for n in args.workers.split(",")):
        options = RayOptions(workers=workers, cpus_per_worker=args.cpus_per_worker)
        rows.append(measure(f"ray, {workers} replica(s) x {args.cpus_per_worker} CPU",
                            lambda clock: run_batch(profile=profile, run=run, progress=clock,
                                                    engine=RayEngine(address=None, options=options)), run.out))
    base = next((r for r in rows if r["name"].startswith("ray")), rows[0])
    print("| engine | articles | segments | target tokens | wall s | steady s | articles/s (steady) "
          "| target tok/s (steady) | vs 1 replica | this process CPU s | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['articles']} | {r['segments']} | {r['tokens']} | {r['wall']:.1f} | "
              f"{r['steady']:.1f} | {r['articles'] / r['steady']:.2f} | {r['tokens'] / r['steady']:.0f} | "
              f"{base['steady'] / r['steady']:.2f}x | {r['cpu']:.1f} | {r['load']} |")


if __name__ == "__main__":
    main()

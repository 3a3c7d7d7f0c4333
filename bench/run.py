"""Benchmark: translation and summary engines, and `translate batch` end to end, on real-size model
architectures with random weights (the configs in bench/configs are the public models' shapes).

    .venv/bin/python bench/run.py                      # the seed articles, every measurement
    .venv/bin/python bench/run.py --only summaries     # one section: engines, pipeline, summaries
    .venv/bin/python bench/run.py --articles DIR --naive-sentences 20 --scale 5

Every engine produces exactly the same number of target tokens per sentence (``--target-tokens``,
forced with min = max new tokens), so tokens/s compare like for like. Every timed row says how
busy the machine was with other work (``others``: cores used by other processes during the row,
from /proc/stat minus this process's own CPU time). Not part of the tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from common import (  # sets up the import paths
    HERE,
    ROOT,
    SUMMARY_TOKENS,
    Load,
    architecture,
    batch_run,
    body_english,
    build_models,
    engine,
    in_process,
    matmul_flops,
    matmul_peak,
    sentences,
    summary_stage,
    timed,
    uptime,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, default=ROOT.parent / "shared" / "corpus" / "seeds")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--target-tokens", type=int, default=40)
    parser.add_argument("--naive-sentences", type=int, default=40, help="sentences timed for the slow naive baseline")
    parser.add_argument("--scale", type=int, default=20, help="size factor of the scaling run")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--only", default="engines,pipeline,summaries", help="sections to run (comma-separated)")
    parser.add_argument("--repeat", type=int, default=1, help="summary stages: timings per row, the best is kept")
    args = parser.parse_args()
    os.environ["TRANSLATE_CACHE"] = str(args.cache / "translate-cache")
    import torch

    torch.set_num_threads(args.threads)
    files = sorted(p for p in args.articles.iterdir() if p.suffix in (".txt", ".md", ".html"))
    config = build_models(args.cache, files, args.target_tokens)
    subprocess.run([sys.executable, "-m", "translate", "models", "convert", "--config", str(config)], check=True,
                   capture_output=True)  # once, outside every timing
    peaks = {"fp32": matmul_peak(args.threads), "int8": matmul_peak(args.threads, int8=True)}
    print(f"machine: {os.cpu_count()} cores, {args.threads} threads, matmul peak fp32 {peaks['fp32']:.1f} GFLOP/s, "
          f"int8 {peaks['int8']:.1f} GOP/s (torch._int_mm); {uptime()}")
    sections = set(args.only.split(","))
    raw_int8 = _engines(config, files, args, peaks) if "engines" in sections else None
    if "pipeline" in sections:
        _pipeline(config, files, args, raw_int8)
    if "summaries" in sections:
        _summaries(config, args, peaks)
    print(f"\nend: {uptime()}")


def _engines(config: Path, files: list[Path], args, peaks: dict) -> float:
    """The translation engines on every segment; returns the seconds of CTranslate2 int8 beam 4."""
    from translate.backends import BatchingBackend

    found = sentences(config, files)
    texts, lengths, target = [t for t, _ in found], dict(found), args.target_tokens
    marian = architecture("opus-mt-ar-en")
    print(f"input: {len(files)} articles, {len(texts)} segments, {target} target tokens each ({len(texts) * target} "
          f"in all)\n")
    rows = []

    def row(name: str, backend, batch: list[str], beams: int, *, one_by_one: bool = False) -> None:
        with Load() as load:
            seconds = sum(timed(backend, [t]) for t in batch) if one_by_one else timed(backend, batch)
        rate = len(batch) * target / seconds
        rows.append((name, seconds, rate, beams))
        flops = sum(matmul_flops(marian, lengths[t], target, beams) for t in batch) / seconds / 1e9
        print(f"| {name} | {seconds:.1f} | {rate:.1f} | {rate / rows[0][2]:.2f}x | {flops / peaks['fp32']:.0%} | "
              f"{flops / peaks['int8']:.0%} | {load} |", flush=True)

    print("| engine (translation) | wall s | target tok/s | vs (a) | of fp32 peak | of int8 peak | machine |\n"
          "|---|---|---|---|---|---|---|")
    naive = engine(config, "reference", target)
    step = max(len(texts) // args.naive_sentences, 1)
    sample = sorted(texts, key=len)[::step][:args.naive_sentences]
    naive.translate(sample[:1])  # load the weights outside the timing
    row(f"(a) naive: Transformers fp32, one sentence at a time, beam 4 ({len(sample)} sentences)", naive, sample, 4,
        one_by_one=True)
    reference = BatchingBackend(naive, batch_tokens=1024, max_items=32)
    row("(b) Transformers fp32, our length-sorted token batches, beam 4", reference, texts, 4)
    for compute in ("float32", "int8"):
        ct2 = BatchingBackend(engine(config, "default", target, compute_type=compute), batch_tokens=1024, max_items=32)
        ct2.translate(texts[:1])
        row(f"(c) CTranslate2 {compute}, sorted token batches, beam 4", ct2, texts, 4)
    fast = BatchingBackend(engine(config, "fast", target), batch_tokens=2048, max_items=128)
    fast.translate(texts[:1])
    row("(c) CTranslate2 int8, greedy (`fast` profile)", fast, texts, 1)
    return rows[3][1]


def _pipeline(config: Path, files: list[Path], args, raw_int8: float | None) -> None:
    print("\n(d) `translate batch` end to end (fresh process: start-up, model loading, segmentation, I/O)")
    work = args.cache / "runs"
    with Load() as load:
        inside = in_process(config, args.articles, work / "in-process")
    overhead = (f"; raw engine (c int8) {raw_int8:.1f} s -> pipeline overhead {inside / raw_int8 - 1:+.1%}"
                if raw_int8 else "")
    print(f"default profile, no summary, models loaded: {inside:.1f} s for the batch{overhead} ({load})")
    with Load() as load:
        wall, rss = batch_run(config, "default", args.articles, work / "pipeline", "--summary", "none")
    print(f"default profile, no summary, fresh process: {wall:.1f} s wall (start-up and model loading "
          f"{wall - inside:.1f} s), peak RSS {rss:.0f} MB ({load})")
    with Load() as load:
        wall_sum, rss_sum = batch_run(config, "default", args.articles, work / "with-summary")
    print(f"default profile with abstractive summaries: {wall_sum:.1f} s wall, peak RSS {rss_sum:.0f} MB ({load})")
    big = work / "scaled-input"
    shutil.rmtree(big, ignore_errors=True)
    big.mkdir(parents=True)
    for copy in range(args.scale):
        for path in files:
            text = re.sub(r"([.؟!])(\s)", rf"\1 ({copy})\2", path.read_text(encoding="utf-8"))  # every sentence new
            lines = [f"({copy}) {line}" if line.strip() else line for line in text.splitlines()]
            (big / f"{copy:02d}_{path.name}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Load() as load:
        one, rss_one = batch_run(config, "default", args.articles, work / "scale-1", "--summary", "none")
        many, rss_many = batch_run(config, "default", big, work / "scale-n", "--summary", "none")
    print(f"scaling (default profile, no summary): 1x {one:.1f} s / {rss_one:.0f} MB; {args.scale}x {many:.1f} s / "
          f"{rss_many:.0f} MB -> time x{many / one:.1f}, memory x{rss_many / rss_one:.2f} ({load})")


def _summaries(config: Path, args, peaks: dict) -> None:
    from translate import load_config

    with Load() as load:
        translation = in_process(config, args.articles, args.cache / "runs" / "english")
    options = dataclasses.replace(load_config(config).profile().summary, backend="ctranslate2", compute_type="int8")
    english = body_english(args.cache / "runs" / "english")
    gen = options.generation
    print(f"\nsummary stage: random distilbart-cnn-12-6 (bench/configs), beam {gen.num_beams}, {SUMMARY_TOKENS} new "
          f"tokens forced, the default profile's summary settings (max_input_tokens {options.max_input_tokens}, "
          f"length_penalty {gen.length_penalty}, no_repeat_ngram_size {gen.no_repeat_ngram_size}, batch budgets auto)")
    print(f"input: the body English of the {len(english)} articles as the pipeline sends it: this run's random opus-mt "
          f"output, {args.target_tokens} tokens per segment, ~1.2 summarizer tokens per translated token as for real "
          f"English (`_fillers_as_summarizer_tokens`)\n")
    print("| summary stage | summarizer calls | model batches (inputs, tokens, padded) | wall s | speed-up | "
          "of int8 peak | of fp32 peak | machine |\n|---|---|---|---|---|---|---|---|")
    for label, changed in (("CTranslate2 int8", options),
                           ("Transformers fp32",
                            dataclasses.replace(options, backend="transformers", compute_type="auto"))):
        alone = summary_stage(changed, english, peaks, batched=False, repeat=args.repeat)
        batched = summary_stage(changed, english, peaks, batched=True, repeat=args.repeat)
        rows = [("article by article", alone), ("batched, one call per round", batched)]  # Recorder: no streaming
        if changed is options:  # the budget of one batch for all (issue 11: "5.0 s in one batch")
            rows.append(("batched, batch_tokens 16384", summary_stage(changed, english, peaks, batched=True,
                                                                        batch_tokens=16384, repeat=args.repeat)))
        for mode, found in rows:
            print(f"| {label}, {mode} | {found['calls']} | {found['batches']} ({found['inputs']}, {found['tokens']}, "
                  f"{found['padded']}) | {found['seconds']:.1f} | {alone['seconds'] / found['seconds']:.2f}x | "
                  f"{found['int8']:.0%} | {found['fp32']:.0%} | {found['load']} |", flush=True)
    print(f"\ntranslation stage of the same articles: {translation:.1f} s (`translate batch` without summaries, models "
          f"loaded: opus-mt-ar-en CTranslate2 int8, beam 4; {load}); summary settings against it: bench/families.py")


if __name__ == "__main__":
    main()

"""bench/run.py's summary section: the pipeline's summarizer stack article by article and batched
(``run_plans`` through a recording wrapper, which does not stream: one call per round; the streamed
stage is measured by bench/cores.py), CTranslate2 and Transformers, with the share of the machine's
matrix-multiply peaks.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

from run import SUMMARY_TOKENS, Load, in_process, matmul_flops  # bench/run.py sets up the import paths

from translate.backends.wrappers import Wrapper


class Recorder(Wrapper):
    """Passes every call through and keeps each call's inputs."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.calls: list[list[str]] = []

    def translate(self, batch, *, context=None):
        self.calls.append(list(batch))
        return self.inner.translate(batch, context=context)


def body_english(out: Path) -> list[list[tuple[str, str]]]:
    """Each article's body paragraphs (id, English) in the records of a run, as the summary stage
    gets them (the dateline left out, as ``stages.article.plan_summary`` does)."""
    records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(out.rglob("*.json"))]
    return [[(p["id"], " ".join(s["target"] for s in p["sentences"] if not s.get("dateline")))
             for p in r["paragraphs"] if p["kind"] == "body"] for r in records if "paragraphs" in r]


def summary_stage(options, english, peaks: dict, *, batched: bool, batch_tokens: int | None = None,
                  repeat: int = 1) -> dict:
    """The pipeline's summarizer stack (``backends.stack.batched``, weights loaded first) over every
    article: one ``abstractive`` call per article (how the pipeline worked before) or every plan
    through ``run_plans`` (how it works now); the best of ``repeat`` timings (the least disturbed by
    other load): seconds, calls, model batches and the share of the peaks."""
    from translate.backends import IsolatingBackend, load_backend
    from translate.backends.stack import batched as batching
    from translate.stages.summarize import Summary, abstractive, abstractive_plan, run_plans

    model = Recorder(IsolatingBackend(load_backend(options, role="summary")))
    stack = Recorder(batching(model, dataclasses.replace(options, batch_tokens=batch_tokens or options.batch_tokens),
                              role="summary", device="cpu"))
    stack.translate([" ".join(text for _, text in english[0])[:4000]])  # load the weights, warm the engine up
    limit = min(options.max_input_tokens, stack.max_input_tokens)
    fallback = lambda: Summary("", "extractive", None, ())  # noqa: E731 - must not happen: checked below
    best = None
    for _ in range(repeat):
        stack.calls.clear(), model.calls.clear()
        with Load() as load:
            started = time.perf_counter()
            if batched:
                results = run_plans([abstractive_plan(a, count=stack.count_tokens, limit=limit, model=options.model,
                                                      fallback=fallback) for a in english], stack)
            else:
                results = [abstractive(a, stack, model=options.model, max_input_tokens=limit, fallback=fallback)
                           for a in english]
            seconds = time.perf_counter() - started
        best = min(best or (seconds, load), (seconds, load), key=lambda x: x[0])
    seconds, load = best
    if any(isinstance(r, Exception) or r.fallback_from for r in results):
        sys.exit(f"a summary failed or fell back: {results}")
    lengths = [stack.count_tokens(batch) for batch in model.calls]
    shape = json.loads((Path(options.model) / "config.json").read_text(encoding="utf-8"))
    gen = options.generation
    flops = sum(matmul_flops(shape, n, gen.max_new_tokens, gen.num_beams) for b in lengths for n in b)
    return {"seconds": seconds, "calls": len(stack.calls), "batches": len(model.calls), "load": load,
            "inputs": sum(map(len, lengths)), "tokens": sum(map(sum, lengths)),
            "padded": sum(max(b) * len(b) for b in lengths), **{k: flops / seconds / 1e9 / v for k, v in peaks.items()}}


def summaries(config: Path, args, peaks: dict) -> None:
    """bench/run.py's summaries section: the stage article by article and batched, CTranslate2 and
    Transformers, against the translation stage of the same articles."""
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
        rows = [("article by article", alone), ("batched, one call per round", batched)]
        if changed is options:  # the budget of one batch for all (issue 11: "5.0 s in one batch")
            rows.append(("batched, batch_tokens 16384", summary_stage(changed, english, peaks, batched=True,
                                                                        batch_tokens=16384, repeat=args.repeat)))
        for mode, found in rows:
            print(f"| {label}, {mode} | {found['calls']} | {found['batches']} ({found['inputs']}, {found['tokens']}, "
                  f"{found['padded']}) | {found['seconds']:.1f} | {alone['seconds'] / found['seconds']:.2f}x | "
                  f"{found['int8']:.0%} | {found['fp32']:.0%} | {found['load']} |", flush=True)
    print(f"\ntranslation stage of the same articles: {translation:.1f} s (`translate batch` without summaries, models "
          f"loaded: opus-mt-ar-en CTranslate2 int8, beam 4; {load}); summary settings against it: bench/families.py")

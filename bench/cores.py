"""Benchmark: does the tool use the whole machine (issue 21)? One run, one table: the raw engine,
the tool's engine and the tool end to end, and their ratios; batches in parallel against one at a
time; the summary stage against raw CTranslate2 on the same inputs, and where the difference goes;
start-up split into imports, model load and first call; the CPU and what CTranslate2 chose on it.

    .venv/bin/python bench/cores.py                  # everything (real-size models built once, ~5 min)
    .venv/bin/python bench/cores.py --only startup   # a section: translation, summaries, startup
    .venv/bin/python bench/cores.py --repeat 5       # more rounds (the best of each row is kept)

Models: bench/run.py's random-weight opus-mt-ar-en and distilbart-cnn-12-6 at their real sizes
(bench/configs), int8; every output forced to the same length (min = max new tokens), so the
engines decode the same number of tokens. Rows are measured in rounds (A B C A B C ...), each row's
best round is kept, and every row says how busy the machine was (``others``: cores used by other
processes). Ratios are between rows of this one run: compare those across machines, not seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import SUMMARY_TOKENS, Load, Recorder, body_english, build_models, sentences, uptime  # noqa: E402 (sets up paths)
from startup import startup_rows  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []  # (measurement, seconds, rate or value, ratio and note)


def row(name: str, seconds: float | str, value: str = "", note: str = "") -> None:
    shown = f"{seconds:.2f}" if isinstance(seconds, float) else seconds
    ROWS.append((name, shown, value, note))
    print(f"| {name} | {shown} | {value} | {note} |", flush=True)


def rounds(variants: dict, repeat: int) -> dict[str, tuple[float, Load]]:
    """Each variant (a function) timed ``repeat`` times, interleaved; the best time of each, with
    the machine's load during it."""
    best: dict[str, tuple[float, Load]] = {}
    for _ in range(repeat):
        for name, run in variants.items():
            with Load() as load:
                started = time.perf_counter()
                run()
                seconds = time.perf_counter() - started
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, load)
    return best


def machine() -> dict:
    """The CPU (model, cores this process may use, flags that matter) and CTranslate2's choices
    (its log at start-up: selected ISA, GEMM backends)."""
    from translate.backends.devices import cores

    info = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace") if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []))
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")),
                     model)
    except OSError:
        pass
    probe = ("import ctranslate2, sys; ctranslate2.Translator(sys.argv[1], device='cpu')")
    return {"cpu": model, "cores": cores(), "flags": sorted(flags & {"avx2", "avx512f", "avx512_vnni", "avx_vnni"}),
            "probe": probe}


def ct2_choices(model_path: Path) -> str:
    import ctranslate2

    child = subprocess.run([sys.executable, "-c", machine()["probe"], str(model_path)], capture_output=True, text=True,
                           env={**os.environ, "CT2_VERBOSE": "1"}, check=False)
    keep = [re.sub(r"^.*\[info\]\s+(- )?", "", line) for line in child.stderr.splitlines()
            if re.search(r"Selected ISA|GEMM|Use Intel MKL|Selected compute type", line)]
    return f"CTranslate2 {ctranslate2.__version__}: " + "; ".join(keep)


def forced(options, target: int):
    gen = dataclasses.replace(options.generation, min_new_tokens=target, max_new_tokens=target)
    return dataclasses.replace(options, generation=gen, backend="ctranslate2", compute_type="int8", device="cpu")


def raw(translator, backend, rounds: list[list[list[int]]], *, scores: bool = False, own_cut: int = 0):
    """The raw engine on pre-tokenized inputs, with the backend's decoding settings: for each round
    (the summary stage's rounds; translation has one), its batches submitted at once
    (``asynchronous``) and waited for, as the tool's parallel batches are; or, with ``own_cut``
    tokens, each round's inputs in one call that CTranslate2 sorts and cuts itself
    (``max_batch_size``, ``batch_type="tokens"``). ``scores``: ask for them, as the tool does
    (``Output.logprob``); without, the engine's fastest call."""
    gen = backend.generation
    forced_end = getattr(backend.config, "forced_eos_token_id", None) is not None
    longest = max(gen.max_new_tokens - (1 if forced_end else 0), 1)
    settings = dict(beam_size=gen.num_beams, length_penalty=gen.length_penalty, max_decoding_length=longest,
                    min_decoding_length=min(gen.min_new_tokens, longest), no_repeat_ngram_size=gen.no_repeat_ngram_size,
                    max_input_length=0, return_scores=scores)
    as_tokens = [[[backend.tokenizer.convert_ids_to_tokens(ids) for ids in batch] for batch in batches]
                 for batches in rounds]
    target = backend.tagging.target_token

    def prefix(batch):
        return [[target]] * len(batch) if target else None

    def run():
        for batches in as_tokens:
            if own_cut:
                merged = [t for batch in batches for t in batch]
                translator.translate_batch(merged, target_prefix=prefix(merged), max_batch_size=own_cut,
                                           batch_type="tokens", **settings)
                continue
            started = [translator.translate_batch(batch, target_prefix=prefix(batch), asynchronous=True, **settings)
                       for batch in batches]
            for results in started:
                for result in results:
                    result.result()
    return run


def translator(backend, parallel: int, per_batch: int):
    import ctranslate2

    return ctranslate2.Translator(str(backend.converted()), device="cpu", compute_type=backend.compute_type,
                                  inter_threads=parallel, intra_threads=per_batch)


def translation(config: Path, files: list[Path], args) -> float:
    """Raw engine and tool, one batch at a time and in parallel, beam 4 and greedy; then the tool
    end to end (``run_batch``, models loaded, no summary). Returns the raw parallel beam-4 seconds."""
    from translate import load_config
    from translate.backends import load_backend
    from translate.backends.devices import threads
    from translate.backends.stack import build_stack

    found = sentences(config, files)
    texts, cores = [t for t, _ in found], machine()["cores"]
    tokens = len(texts) * args.target_tokens
    row("translation input", "", f"{len(files)} articles, {len(texts)} segments",
        f"{args.target_tokens} target tokens each (forced), opus-mt-ar-en shape, int8")
    raw_beam4 = 0.0
    for beams in (4, 1):
        base = load_config(config).profile().translation
        base = dataclasses.replace(forced(base, args.target_tokens), threads=cores,
                                   generation=dataclasses.replace(base.generation, num_beams=beams,
                                                                  min_new_tokens=args.target_tokens,
                                                                  max_new_tokens=args.target_tokens))
        split = threads(base, device="cpu")
        serial = build_stack(dataclasses.replace(base, parallel_batches=1), role="translation")
        before = build_stack(dataclasses.replace(base, parallel_batches=1, batch_tokens=1024), role="translation")
        parallel = build_stack(base, role="translation")
        model = load_backend(base, role="translation")
        encoded = model.encode(texts)
        lengths = [len(ids) for ids in encoded]
        cut = {p: [[[encoded[i] for i in b] for b in stack.top.batches(lengths, parts=p)]]
               for p, stack in ((1, serial), (split.parallel, parallel))}
        raw_serial, raw_parallel = translator(model, 1, cores), translator(model, split.parallel, split.per_batch)
        for stack in (serial, before, parallel):
            stack.top.translate(texts[:2])  # weights loaded, engine warm
        best = rounds({"raw 1": raw(raw_serial, model, cut[1]),
                       "raw N": raw(raw_parallel, model, cut[split.parallel]),
                       "raw N scores": raw(raw_parallel, model, cut[split.parallel], scores=True),
                       "raw CT2 cut": raw(raw_parallel, model, cut[1], own_cut=serial.top.batch_tokens),
                       "tool before": lambda: before.top.translate(texts),
                       "tool 1": lambda: serial.top.translate(texts), "tool N": lambda: parallel.top.translate(texts)},
                      args.repeat)
        label = f"beam {beams}"
        for name, what in (("raw 1", f"raw CTranslate2, the same batches one at a time on {cores} cores"),
                           ("raw N", f"raw CTranslate2, the same batches {split.parallel} at once x "
                                     f"{split.per_batch} core(s)"),
                           ("raw N scores", "raw CTranslate2 as raw N, with return_scores (what Output.logprob costs)"),
                           ("raw CT2 cut", "raw CTranslate2, one call, its own batches (max_batch_size tokens)"),
                           ("tool before", "tool engine before issue 21 (one batch at a time, 1024-token batches)"),
                           ("tool 1", f"tool engine, parallel_batches 1, {serial.top.batch_tokens}-token batches"),
                           ("tool N", f"tool engine, parallel_batches auto ({split.parallel}), "
                                      f"{parallel.top.batch_tokens}-token batches")):
            seconds, load = best[name]
            ratio = f"{best['raw N'][0] / seconds:.2f} of raw N"
            row(f"translation {label}: {what}", seconds, f"{tokens / seconds:.0f} tok/s", f"{ratio}; {load}")
        now = best["tool before"][0] / best["tool N"][0]
        row(f"translation {label}: tool now / before issue 21", "", f"{now:.2f}x", "target >= 1.4x")
        row(f"translation {label}: parallel / one at a time", "", f"{best['tool 1'][0] / best['tool N'][0]:.2f}x tool, "
            f"{best['raw 1'][0] / best['raw N'][0]:.2f}x raw", "the same batches")
        raw_beam4 = raw_beam4 or best["raw N"][0]
    return raw_beam4


def end_to_end(config: Path, files: list[Path], args, raw: float) -> None:
    """``run_batch`` in this process, models loaded first, summaries off: the whole pipeline
    (reading, segmenting, planning, translating, aligning, writing every view) against the raw
    engine translating the same segments."""
    from translate import load_config
    from translate.backends import load_backend
    from translate.config import with_overrides
    from translate.runners import run_batch
    from translate.runners.plan import RunOptions

    profile = with_overrides(load_config(config).profile(), summary="none")
    profile = dataclasses.replace(profile, translation=forced(profile.translation, args.target_tokens))
    loaded = {}

    def loader(options, *, role):
        if role not in loaded:
            loaded[role] = load_backend(options, role=role)
        return loaded[role]

    loader(profile.translation, role="translation").translate(["تحميل"])
    out = args.cache / "runs" / "cores-e2e"
    best = rounds({"e2e": lambda: run_batch(profile=profile, run=RunOptions(input=args.articles, out=out, force=True,
                                                                            reuse_translations=False),
                                            loader=loader)}, args.repeat)
    seconds, load = best["e2e"]
    row("translation beam 4: tool end to end (run_batch, models loaded, no summary)", seconds, "",
        f"{raw / seconds:.2f} of raw N (target >= 0.85); {load}")


class Seen:
    """What the summary stage sent the model: every batch (in the order it went out) and the time
    spent encoding."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.tokenizing = 0.0


def summaries(config: Path, args, raw_model_out: Path) -> None:
    """The summary stage (``run_plans`` over the pipeline's summarizer stack) against raw CTranslate2
    doing the same inputs in one call and round by round. The stage streams (an article's next
    round starts as soon as its chunk summaries are back); the rows "one call per round" are the
    stage before that (``wrappers.stream`` over a backend that does not stream) and raw CTranslate2
    with the same synchronisation."""
    from translate import load_config
    from translate.backends import load_backend
    from translate.backends.devices import threads
    from translate.backends.stack import batched
    from translate.backends.wrappers import IsolatingBackend
    from translate.stages.summarize import Summary, abstractive_plan, run_plans

    english = body_english(raw_model_out)
    options = forced(load_config(config).profile().summary, SUMMARY_TOKENS)
    options = dataclasses.replace(options, threads=machine()["cores"])
    split = threads(options, device="cpu")
    seen = Seen()

    def instrumented(parallel):
        """The summarizer with ``parallel`` batches at once (its own threads split), recording."""
        model = load_backend(dataclasses.replace(options, parallel_batches=parallel), role="summary")
        real_encode, real_checked = model.encode, model._checked

        def encode(texts):  # every tokenization: counting (planning, batching) and the batches themselves
            started = time.perf_counter()
            encoded = real_encode(texts)
            seen.tokenizing += time.perf_counter() - started
            return encoded

        def checked(batch):
            seen.batches.append(list(batch))
            return real_checked(batch)

        model.encode, model._checked = encode, checked
        return model, real_encode

    models = {p: instrumented(p) for p in (1, "auto")}
    model, real_encode = models["auto"]
    stacks = {p: batched(IsolatingBackend(m), dataclasses.replace(options, parallel_batches=p), role="summary",
                         device="cpu") for p, (m, _) in models.items()}
    limit = min(options.max_input_tokens, model.max_input_tokens)
    fallback = lambda: Summary("", "extractive", None, ())  # noqa: E731 - must not happen

    def stage(top):
        def run():
            seen.batches.clear()
            seen.tokenizing = 0.0
            plans = [abstractive_plan(a, count=top.count_tokens, limit=limit, model=options.model, fallback=fallback)
                     for a in english]
            results = run_plans(plans, top)
            if any(isinstance(r, Exception) or r.fallback_from for r in results):
                sys.exit(f"a summary failed or fell back: {results}")
        return run

    for stack in stacks.values():
        stack.translate([english[0][0][1]])  # load the weights
    by_round = Recorder(stacks["auto"])  # does not stream: one call per round
    stage(by_round)()  # the stage's inputs, round by round
    calls = [list(c) for c in by_round.sent]
    stage(stacks["auto"])()  # the streamed stage's batches
    batches, tokenizing = [list(b) for b in seen.batches], seen.tokenizing
    engine = translator(model, split.parallel, split.per_batch)
    all_inputs = [t for call in calls for t in call]
    streamed = [t for batch in batches for t in batch]  # round two's inputs differ a little: other batches
    encoded = {t: ids for t, ids in zip(all_inputs + streamed, real_encode(all_inputs + streamed))}
    whole = [[[encoded[t] for t in all_inputs]]]
    rounds_whole = [[[encoded[t] for t in call]] for call in calls]
    best = rounds({"raw": raw(engine, model, whole, own_cut=4096),
                   "raw rounds": raw(engine, model, rounds_whole, own_cut=4096),
                   "stage N": stage(stacks["auto"]), "stage N rounds": stage(Recorder(stacks["auto"])),
                   "stage 1": stage(stacks[1])}, args.repeat)
    padded = sum(max(len(encoded[t]) for t in b) * len(b) for b in batches)
    real = sum(len(encoded[t]) for t in all_inputs)
    row("summary input", "", f"{len(english)} articles, {len(calls)} rounds, {len(all_inputs)} inputs, {real} tokens",
        f"the streamed stage's {len(batches)} batches pad them to {padded}; {SUMMARY_TOKENS} new tokens each "
        "(forced), distilbart-cnn-12-6 shape, int8, beam 4")
    for name, what in (("raw", "raw CTranslate2, every input in one call, its own batches (4096 tokens)"),
                       ("raw rounds", "raw CTranslate2, one call per round (the rounds' synchronisation)"),
                       ("stage N", f"summary stage, streamed, parallel_batches auto ({split.parallel})"),
                       ("stage N rounds", f"summary stage, one call per round, parallel_batches auto "
                                          f"({split.parallel}) (before streaming)"),
                       ("stage 1", "summary stage, streamed, parallel_batches 1")):
        seconds, load = best[name]
        row(f"summaries: {what}", seconds, f"{len(all_inputs) * SUMMARY_TOKENS / seconds:.0f} tok/s",
            f"{best['raw'][0] / seconds:.2f} of raw; {load}")
    t = {k: v[0] for k, v in best.items()}
    row("summaries: where the stage's time goes (vs raw)", "",
        f"rounds would cost {t['raw rounds'] - t['raw']:+.2f} s; "
        f"the streamed stage's own {t['stage N'] - t['raw']:+.2f} s "
        f"(batch cuts, scores, planning; tokenizing {tokenizing:.2f} s)",
        f"stage {t['raw'] / t['stage N']:.2f} of raw (target >= 0.9)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, default=HERE.parent.parent / "shared" / "corpus" / "seeds")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--target-tokens", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each row keeps its best")
    parser.add_argument("--only", default="translation,summaries,startup")
    args = parser.parse_args()
    os.environ["TRANSLATE_CACHE"] = str(args.cache / "translate-cache")
    files = sorted(p for p in args.articles.iterdir() if p.suffix in (".txt", ".md", ".html"))
    config = build_models(args.cache, files, args.target_tokens)
    subprocess.run([sys.executable, "-m", "translate", "models", "convert", "--config", str(config)], check=True,
                   capture_output=True)  # once, outside every timing
    from translate import load_config
    from translate.backends import load_backend

    found = machine()
    model = load_backend(forced(load_config(config).profile().translation, 8), role="translation")
    print(f"machine: {found['cpu']}, {found['cores']} cores, {' '.join(found['flags']) or 'no AVX2'}; "
          f"{ct2_choices(model.converted())}; {uptime()}\n")
    print("| measurement | seconds (best) | rate | ratio; machine during the row |\n|---|---|---|---|")
    sections = set(args.only.split(","))
    if "translation" in sections or "summaries" in sections:
        raw = translation(config, files, args) if "translation" in sections else 0.0
        if raw:
            end_to_end(config, files, args, raw)
        if "summaries" in sections:
            english = args.cache / "runs" / "cores-e2e"
            if not english.exists():
                end_to_end(config, files, args, 1.0)
            summaries(config, args, english)
    if "startup" in sections:
        for name, seconds, value, note in startup_rows(args, config):
            row(name, seconds, value, note)
    print(f"\nend: {uptime()}")


if __name__ == "__main__":
    main()

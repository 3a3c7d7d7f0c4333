"""Benchmark: translation and summary engines, and `translate batch` end to end, on real-size model
architectures with random weights (the configs in bench/configs are the public models' shapes).

    .venv/bin/python bench/run.py                      # the seed articles, every measurement
    .venv/bin/python bench/run.py --articles DIR --naive-sentences 20 --scale 5

Every engine produces exactly the same number of target tokens per sentence (``--target-tokens``,
forced with min = max new tokens), so tokens/s compare like for like. Not part of the tests.
"""

from __future__ import annotations

import argparse
import dataclasses
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
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _shape(name: str) -> dict:
    """The architecture settings of a shipped config (without the comment and model type)."""
    data = json.loads((HERE / "configs" / f"{name}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_") and k != "model_type"}


def build_models(cache: Path, articles: list[Path], target: int) -> Path:
    """Random-weight MarianMT and BART with the real architectures, tokenizers trained here."""
    import torch
    from tokenizers import ByteLevelBPETokenizer, processors
    from transformers import BartConfig, BartForConditionalGeneration, MarianConfig, MarianMTModel, PreTrainedTokenizerFast

    from tiny_models import corpus, marian_tokenizer

    marian, bart = cache / "opus-mt-ar-en-random", cache / "distilbart-cnn-12-6-random"
    arabic = [line for path in articles for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    arabic += corpus()[0]
    english = corpus()[1]
    if not (marian / "config.json").is_file():
        marian.mkdir(parents=True, exist_ok=True)
        shape = _shape("opus-mt-ar-en")
        tokenizer, vocab = marian_tokenizer(marian, arabic, english, sizes=(8000, 300), vocab_size=shape["vocab_size"])
        config = MarianConfig(**shape, pad_token_id=vocab["<pad>"], eos_token_id=0, decoder_start_token_id=vocab["<pad>"],
                              forced_eos_token_id=0)
        torch.manual_seed(0)
        MarianMTModel(config).save_pretrained(marian)
        tokenizer.save_pretrained(marian)
    if not (bart / "config.json").is_file():
        bpe = ByteLevelBPETokenizer()
        bpe.train_from_iterator(english, vocab_size=2000, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                show_progress=False)
        bpe.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
        tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", pad_token="<pad>", eos_token="</s>",
                                            unk_token="<unk>", mask_token="<mask>", model_max_length=1024)
        shape = _shape("distilbart-cnn-12-6")
        tokenizer.add_tokens([f"<unused{i}>" for i in range(len(tokenizer), shape["vocab_size"])])  # the real size
        config = BartConfig(**shape, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                            forced_bos_token_id=0, forced_eos_token_id=2)
        torch.manual_seed(0)
        BartForConditionalGeneration(config).save_pretrained(bart)
        tokenizer.save_pretrained(bart)
    config = cache / "models.yaml"
    # random weights never choose to stop: every output length is forced (min = max new tokens)
    config.write_text(f"""default_profile: default
profiles:
  default:
    translation: {{model: {marian}, device: cpu,
                  generation: {{num_beams: 4, min_new_tokens: {target}, max_new_tokens: {target}}}}}
    summary: {{model: {bart}, device: cpu, generation: {{num_beams: 4, min_new_tokens: 100, max_new_tokens: 100}}}}
    output: {{formats: [md]}}
  fast:
    extends: default
    translation: {{batch_tokens: 2048, generation: {{num_beams: 1}}}}
  reference:
    extends: default
    translation: {{backend: transformers}}
    summary: {{backend: transformers}}
""", encoding="utf-8")
    return config


def matmul_peak(threads: int) -> float:
    """This machine's fp32 matrix multiply rate (GFLOP/s), best of a few 1024^3 products."""
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    best = 0.0
    for _ in range(8):
        started = time.perf_counter()
        for _ in range(4):
            a @ b
        best = max(best, 4 * 2 * 1024 ** 3 / (time.perf_counter() - started) / 1e9)
    return best


def flops_per_token(shape: dict, beams: int) -> float:
    """Decoder layers plus the output projection, per generated token, for ``beams`` hypotheses."""
    d, ffn, layers, vocab = shape["d_model"], shape["decoder_ffn_dim"], shape["decoder_layers"], shape["vocab_size"]
    per_layer = 2 * (4 * d * d) * 2 + 2 * 2 * d * ffn  # self- and cross-attention projections, FFN
    return beams * (layers * per_layer + 2 * d * vocab)


def sentences(config: Path, articles: list[Path]) -> list[str]:
    from translate import load_config
    from translate.stages.align import plan
    from translate.backends import load_backend
    from translate.reading.files import read_document
    from translate.text.segment import segment

    backend = load_backend(dataclasses.replace(load_config(config).profile().translation, backend="transformers"),
                           role="translation")
    found: list[str] = []
    for path in articles:
        found += [s.model_input for s in plan(segment(read_document(path)), count=backend.count_tokens, budget=256)
                  if s.model_input]
    return found


def timed(backend, texts: list[str]) -> float:
    started = time.perf_counter()
    backend.translate(texts)
    return time.perf_counter() - started


def engine(config: Path, profile: str, target: int, **changes):
    from translate import load_config
    from translate.backends import load_backend

    options = load_config(config).profile(profile).translation
    generation = dataclasses.replace(options.generation, min_new_tokens=target, max_new_tokens=target)
    return load_backend(dataclasses.replace(options, generation=generation, **changes), role="translation")


def batch_run(config: Path, profile: str, articles: Path, out: Path, *extra: str) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of `translate batch` in a fresh process."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report this
    # (large) benchmark process's peak
    child = subprocess.run([sys.executable, "-c", "import sys; from translate.cli import main; "
                            "sys.argv=['translate', *sys.argv[1:]];\ntry: main()\nexcept SystemExit as e:\n"
                            "  hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
                            "  print('PEAK', hwm.split()[1], file=sys.stderr); raise",
                            "batch", str(articles), "--out", str(out), "--config", str(config), "--profile", profile,
                            "--no-cache", "--quiet", *extra], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        sys.exit(f"translate batch failed:\n{child.stderr}")
    peak = next(int(line.split()[1]) for line in child.stderr.splitlines() if line.startswith("PEAK"))
    return elapsed, peak / 1024


def _in_process(config: Path, articles: Path, out: Path) -> float:
    """Seconds of run_batch with the translation model already loaded (no summary, no memory)."""
    from translate import load_config
    from translate.config import with_overrides
    from translate.runners.local import Models, RunOptions, run_batch

    shutil.rmtree(out, ignore_errors=True)
    profile = with_overrides(load_config(config).profile(), summary="none")
    models = Models(profile)
    models.translator.translate(["تحميل"])  # load the weights outside the timing
    started = time.perf_counter()
    report = run_batch(profile=profile, run=RunOptions(input=articles, out=out, memory=False), models=models)
    elapsed = time.perf_counter() - started
    if report.failed:
        sys.exit(f"in-process batch failed: {report.failed}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, default=ROOT.parent / "shared" / "corpus" / "seeds")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--target-tokens", type=int, default=40)
    parser.add_argument("--naive-sentences", type=int, default=40, help="sentences timed for the slow naive baseline")
    parser.add_argument("--scale", type=int, default=20, help="size factor of the scaling run")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    os.environ["TRANSLATE_CACHE"] = str(args.cache / "translate-cache")
    import torch

    torch.set_num_threads(args.threads)
    files = sorted(p for p in args.articles.iterdir() if p.suffix in (".txt", ".md", ".html"))
    config = build_models(args.cache, files, args.target_tokens)
    subprocess.run([sys.executable, "-m", "translate", "models", "convert", "--config", str(config)], check=True,
                   capture_output=True)  # once, outside every timing
    texts = sentences(config, files)
    target = args.target_tokens
    tokens = len(texts) * target
    peak = matmul_peak(args.threads)
    marian = _shape("opus-mt-ar-en")
    print(f"machine: {os.cpu_count()} cores, {args.threads} threads, fp32 matmul peak {peak:.1f} GFLOP/s")
    print(f"input: {len(files)} articles, {len(texts)} segments, {target} target tokens each ({tokens} in all)\n")
    from translate.backends import BatchingBackend

    rows = []

    def row(name: str, seconds: float, n_tokens: int, beams: int) -> None:
        rate = n_tokens / seconds
        rows.append((name, seconds, rate, beams))
        speedup = rate / rows[0][2]
        fraction = rate * flops_per_token(marian, beams) / 1e9 / peak
        print(f"| {name} | {seconds:.1f} | {rate:.1f} | {speedup:.2f}x | {fraction:.0%} |", flush=True)

    print("| engine (translation) | wall s | target tok/s | vs (a) | of fp32 matmul peak |\n|---|---|---|---|---|")
    naive = engine(config, "reference", target)
    step = max(len(texts) // args.naive_sentences, 1)
    sample = sorted(texts, key=len)[::step][:args.naive_sentences]
    naive.translate(sample[:1])  # load the weights outside the timing
    row(f"(a) naive: Transformers fp32, one sentence at a time, beam 4 ({len(sample)} sentences)",
        sum(timed(naive, [t]) for t in sample), len(sample) * target, 4)
    reference = BatchingBackend(naive, batch_tokens=1024, max_items=32)
    row("(b) Transformers fp32, our length-sorted token batches, beam 4", timed(reference, texts), tokens, 4)
    for compute in ("float32", "int8"):
        ct2 = BatchingBackend(engine(config, "default", target, compute_type=compute), batch_tokens=1024, max_items=32)
        ct2.translate(texts[:1])
        row(f"(c) CTranslate2 {compute}, sorted token batches, beam 4", timed(ct2, texts), tokens, 4)
    fast = BatchingBackend(engine(config, "fast", target), batch_tokens=2048, max_items=128)
    fast.translate(texts[:1])
    row("(c) CTranslate2 int8, greedy (`fast` profile)", timed(fast, texts), tokens, 1)
    raw_int8 = rows[3][1]

    print("\n(d) `translate batch` end to end (fresh process: start-up, model loading, segmentation, I/O)")
    work = args.cache / "runs"
    inside = _in_process(config, args.articles, work / "in-process")
    print(f"default profile, no summary, models loaded: {inside:.1f} s for the batch; raw engine (c int8) "
          f"{raw_int8:.1f} s -> pipeline overhead {inside / raw_int8 - 1:+.1%}")
    wall, rss = batch_run(config, "default", args.articles, work / "pipeline", "--summary", "none")
    print(f"default profile, no summary, fresh process: {wall:.1f} s wall (start-up and model loading "
          f"{wall - inside:.1f} s), peak RSS {rss:.0f} MB")
    wall_sum, rss_sum = batch_run(config, "default", args.articles, work / "with-summary")
    print(f"default profile with abstractive summaries: {wall_sum:.1f} s wall, peak RSS {rss_sum:.0f} MB")

    big = work / "scaled-input"
    shutil.rmtree(big, ignore_errors=True)
    big.mkdir(parents=True)
    for copy in range(args.scale):
        for path in files:
            text = re.sub(r"([.؟!])(\s)", rf"\1 ({copy})\2", path.read_text(encoding="utf-8"))  # every sentence new
            lines = [f"({copy}) {line}" if line.strip() else line for line in text.splitlines()]
            (big / f"{copy:02d}_{path.name}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    one, rss_one = batch_run(config, "default", args.articles, work / "scale-1", "--summary", "none")
    many, rss_many = batch_run(config, "default", big, work / "scale-n", "--summary", "none")
    print(f"scaling (default profile, no summary): 1x {one:.1f} s / {rss_one:.0f} MB; {args.scale}x {many:.1f} s / "
          f"{rss_many:.0f} MB -> time x{many / one:.1f}, memory x{rss_many / rss_one:.2f}")

    print("\nsummaries: distilbart-cnn-12-6 architecture, 700-token input, 100 new tokens, beam 4")
    _summaries(config)


def _summaries(config: Path) -> None:
    from translate import load_config
    from translate.backends import load_backend

    options = load_config(config).profile().summary
    generation = dataclasses.replace(options.generation, num_beams=4, min_new_tokens=100, max_new_tokens=100)
    words = ("The minister said the talks on security and trade will continue in Moscow next week, "
             "according to officials who attended the meeting. ") * 80
    times = {}
    for backend, compute in (("transformers", "auto"), ("ctranslate2", "int8")):
        summarizer = load_backend(dataclasses.replace(options, backend=backend, compute_type=compute,
                                                      generation=generation), role="summary")
        ids = summarizer.tokenizer(words, add_special_tokens=False)["input_ids"][:698]
        text = summarizer.tokenizer.decode(ids)
        summarizer.translate(["warm up"])
        times[backend] = timed(summarizer, [text])
        print(f"| {backend} {compute} | {summarizer.count_tokens([text])[0]} input tokens | {times[backend]:.1f} s |")
    print(f"CTranslate2 int8 is {times['transformers'] / times['ctranslate2']:.2f}x Transformers fp32")


if __name__ == "__main__":
    main()

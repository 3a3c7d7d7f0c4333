"""Model choices on CPU. (1) Translation model families: target tokens/s, peak memory and size on
disk of the models a user can put in models.yaml, with CTranslate2 int8 (what `backend: auto` runs
on CPU). (2) Summary settings: which summarizer, beams and input length keep the summary stage
within the time of the translation stage of the same articles (a CPU profile).

    .venv/bin/python bench/families.py                        # everything (models built once: add ~8 min)
    .venv/bin/python bench/families.py --only nllb,m2m100     # some families
    .venv/bin/python bench/families.py --only summaries       # the summary settings only

Each model has random weights and the real architecture of its Hub model (bench/configs/*.json, from
the real config.json files), vocabulary size included: the output projection over the vocabulary is
a large share of every generated token. The tokenizer is a stand-in of the family's own class
(language codes where the real one has them, so the family is detected and tagged as in a real
run) trained here on the sample articles, padded with unused entries to the real vocabulary size;
so source lengths are the stand-in's (column "src tok/seg"), not the real tokenizer's. Models are
built once into bench/.cache/families (~2.4 GB each for the 600M ones) and converted once to
CTranslate2 int8.

Each family is measured in a fresh process (so the peak RSS is its own): the pipeline's backend and
batching (the family's shipped profile in models.yaml, beam 4), ~60 segments of the sample
articles, every output forced to ``--target-tokens`` tokens (min = max new tokens). The summary
settings use bench/run.py's models and its summary stage (``run.summary_stage``). Not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from common import (  # noqa: E402
    Load,
    architecture,
    body_english,
    build_models,
    in_process,
    matmul_flops,
    matmul_peak,  # (bench/common.py sets up the import paths)
    summary_stage,
    uptime,
)

# Stand-in tokenizers learn their pieces from the sample articles (then are padded to the real size):
# unigram models of at most PIECES pieces (~1,700 come out of this little text), and for NLLB a BPE of
# NLLB_MERGES entries, which gives the same source lengths (~53 tokens for the ~26 words of a segment).
PIECES = 8000
NLLB_MERGES = 1400


@dataclasses.dataclass(frozen=True)
class Family:
    key: str
    hub_id: str
    config: str  # bench/configs/<config>.json
    kind: str  # which stand-in tokenizer and model class
    profile: str  # the shipped models.yaml profile whose translation settings are used


FAMILIES = {f.key: f for f in (
    Family("opus-mt", "Helsinki-NLP/opus-mt-ar-en", "opus-mt-ar-en", "marian", "default"),
    Family("tc-big", "Helsinki-NLP/opus-mt-tc-big-ar-en", "opus-mt-tc-big-ar-en", "marian", "quality"),
    Family("nllb", "facebook/nllb-200-distilled-600M", "nllb-200-distilled-600M", "nllb", "nllb"),
    Family("m2m100", "facebook/m2m100_418M", "m2m100_418M", "m2m100", "m2m100"),
    Family("mbart50", "facebook/mbart-large-50-many-to-one-mmt", "mbart-large-50-many-to-one-mmt", "mbart50",
           "mbart50"),
)}


def _lines(files: list[Path]) -> tuple[list[str], list[str]]:
    from tests.support.tiny_models import corpus

    arabic = [line for path in files for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return arabic + corpus()[0], corpus()[1]


def _pieces(lines: list[str], prefix: Path) -> list[tuple[str, float]]:
    """(piece, score) of a SentencePiece unigram model trained on ``lines``, without <unk> <s> </s>."""
    import sentencepiece as spm

    from tests.support.tiny_models import _quiet_spm

    _quiet_spm(lines, prefix, PIECES)
    processor = spm.SentencePieceProcessor(model_file=f"{prefix}.model")
    pieces = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]
    return [(p, s) for p, s in pieces if p not in ("<unk>", "<s>", "</s>")]


def _fillers(start: int, stop: int) -> list[str]:
    return [f"<unused{i}>" for i in range(start, stop)]


def _build_marian(folder: Path, shape: dict, arabic: list[str], english: list[str]):
    from transformers import MarianConfig, MarianMTModel

    from tests.support.tiny_models import marian_tokenizer

    tokenizer, vocab = marian_tokenizer(folder, arabic, english, sizes=(PIECES, 300), vocab_size=shape["vocab_size"])
    config = MarianConfig(**shape, pad_token_id=vocab["<pad>"], eos_token_id=0, decoder_start_token_id=vocab["<pad>"],
                          forced_eos_token_id=0)
    return MarianMTModel(config), tokenizer, {}, {}


def _build_nllb(folder: Path, shape: dict, arabic: list[str], english: list[str]):
    from tokenizers import AddedToken, SentencePieceBPETokenizer
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    from tests.support.tiny_families import UNSET_LANGS

    bpe = SentencePieceBPETokenizer()
    bpe.train_from_iterator(arabic + english, vocab_size=NLLB_MERGES, min_frequency=1, show_progress=False,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    trained = json.loads(bpe.to_str())["model"]
    vocab = dict(trained["vocab"])  # then the 202 language codes and <mask>, as in the real vocabulary
    vocab.update({t: len(vocab) + i for i, t in enumerate(_fillers(len(vocab), shape["vocab_size"]
                                                                   - len(FAIRSEQ_LANGUAGE_CODES) - 1))})
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in trained["merges"]]
    tokenizer = NllbTokenizer(vocab=vocab, merges=merges, additional_special_tokens=list(FAIRSEQ_LANGUAGE_CODES),
                              mask_token=None, model_max_length=1024)
    tokenizer.add_special_tokens({"mask_token": AddedToken("<mask>", lstrip=True, normalized=True, special=True)})
    config = M2M100Config(**shape, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                          tokenizer_class="NllbTokenizer")
    return (M2M100ForConditionalGeneration(config), tokenizer, {"max_length": 200},
            {"tokenizer_config.json": UNSET_LANGS})


def _build_m2m100(folder: Path, shape: dict, arabic: list[str], english: list[str]):
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    from tests.support.tiny_families import DROP, UNSET_LANGS

    pieces = _pieces(arabic + english, folder / "sentencepiece.bpe")
    (folder / "sentencepiece.bpe.vocab").unlink()
    vocab = {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>", *(p for p, _ in pieces)])}
    vocab.update({t: len(vocab) + i for i, t in enumerate(_fillers(len(vocab), shape["vocab_size"] - 100 - 8))})
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = M2M100Tokenizer(vocab_file=str(folder / "vocab.json"), spm_file=str(folder / "sentencepiece.bpe.model"),
                                model_max_length=1024)
    config = M2M100Config(**shape, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)
    specials = {"bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "pad_token": "<pad>",
                "unk_token": "<unk>", "additional_special_tokens": list(tokenizer.lang_token_to_id)}
    return (M2M100ForConditionalGeneration(config), tokenizer,
            {"max_length": 200, "num_beams": 5, "early_stopping": True},
            {"tokenizer_config.json": {**UNSET_LANGS, "extra_special_tokens": DROP},
             "special_tokens_map.json": specials})


def _build_mbart50(folder: Path, shape: dict, arabic: list[str], english: list[str]):
    from transformers import MBart50Tokenizer, MBartConfig, MBartForConditionalGeneration

    from tests.support.tiny_families import UNSET_LANGS

    pieces = _pieces(arabic + english, folder / "spm-train")
    for suffix in (".model", ".vocab"):
        (folder / f"spm-train{suffix}").unlink()
    # MBart50Tokenizer lays out <s> <pad> </s> <unk>, the pieces, 52 language codes, <mask>
    vocab = [("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0), *pieces]
    vocab += [(t, -100.0) for t in _fillers(len(vocab), shape["vocab_size"] - 54)]
    tokenizer = MBart50Tokenizer(vocab=vocab, model_max_length=1024)
    config = MBartConfig(**shape, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                         forced_eos_token_id=2, tokenizer_class="MBart50Tokenizer")
    english_id = tokenizer.convert_tokens_to_ids("en_XX")
    return (MBartForConditionalGeneration(config), tokenizer,
            {"forced_bos_token_id": english_id, "max_length": 200, "num_beams": 5, "early_stopping": True},
            {"tokenizer_config.json": {**UNSET_LANGS, "bos_token": "<s>", "language_codes": "ML50"}})


BUILDERS = {"marian": _build_marian, "nllb": _build_nllb, "m2m100": _build_m2m100, "mbart50": _build_mbart50}


def build(family: Family, folder: Path, files: list[Path]) -> float:
    """Build the random-weight model into ``folder`` (once) and convert it to CTranslate2 int8 (once);
    returns the seconds spent."""
    import torch

    from tests.support.tiny_families import _save
    from translate.backends.ct2 import convert

    started = time.perf_counter()
    if not (folder / "bench.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        shape = architecture(family.config)
        torch.manual_seed(0)
        model, tokenizer, config_extra, tokenizer_files = BUILDERS[family.kind](folder, shape, *_lines(files))
        # M2M100Tokenizer does not count its 100 language tokens and 8 made-up words in len()
        size = (len(tokenizer) + len(getattr(tokenizer, "lang_token_to_id", {}))
                + getattr(tokenizer, "num_madeup_words", 0))
        if size != shape["vocab_size"]:
            sys.exit(f"{family.key}: stand-in tokenizer has {size} entries, the model {shape['vocab_size']}")
        _save(folder, model, tokenizer, config_extra, tokenizer_files)
        parameters = sum(p.numel() for p in model.parameters())
        (folder / "bench.json").write_text(json.dumps({"parameters": parameters}), encoding="utf-8")
        del model
    convert(str(folder), folder, "int8")
    return time.perf_counter() - started


def segments(files: list[Path], n: int) -> list[str]:
    """``n`` model inputs of the articles, evenly spread over their length distribution."""
    from translate.reading.files import read_document
    from translate.stages.align import plan
    from translate.text.segment import segment

    def count(texts):  # only decides budget splits (none at this budget): about 2 tokens a word
        return [2 * len(t.split()) for t in texts]

    found = sorted((s.model_input for path in files for s in plan(segment(read_document(path)), count=count, budget=256)
                    if s.model_input), key=len)
    return [found[round(i * (len(found) - 1) / max(n - 1, 1))] for i in range(min(n, len(found)))]


def _status(key: str) -> int:
    """A line of /proc/self/status in MB (VmRSS, VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith(key))


def measure(family: Family, folder: Path, texts: list[str], *, target: int, threads: int) -> dict:
    """In this (fresh) process: the family's shipped profile with the random model, CTranslate2 int8,
    beam 4, ``target`` tokens forced, through the pipeline's batching; seconds, tokens, memory."""
    from translate import load_config
    from translate.backends import IsolatingBackend, load_backend
    from translate.backends.stack import batched

    options = load_config(ROOT / "models.yaml").profile(family.profile).translation
    generation = dataclasses.replace(options.generation, num_beams=4, min_new_tokens=target, max_new_tokens=target)
    options = dataclasses.replace(options, model=str(folder), revision=None, backend="ctranslate2", compute_type="int8",
                                  device="cpu", threads=threads, generation=generation)
    backend = load_backend(options, role="translation")
    before_weights = _status("VmRSS")
    stack = batched(IsolatingBackend(backend), options, role="translation", device="cpu")
    stack.translate(texts[:1])  # loads the weights outside the timing
    with Load() as load:
        started = time.perf_counter()
        outputs = stack.translate(texts)
        seconds = time.perf_counter() - started
    failed = [o.error for o in outputs if o.error]
    if failed:
        sys.exit(f"{family.key}: {len(failed)} segments failed: {failed[0]}")
    sources = backend.count_tokens(texts)
    return {"seconds": seconds, "tokens": sum(o.tokens for o in outputs), "sources": sources,
            "rss_base_mb": before_weights, "peak_rss_mb": _status("VmHWM"), "load": str(load)}


SUMMARY_SETTINGS = (  # label, summarizer (None: distilbart-cnn-12-6), beams, max_input_tokens, new tokens (forced)
    ("distilbart-cnn-12-6, beam 4, input 1024 (default)", None, 4, 1024, 100),
    ("distilbart-cnn-12-6, beam 2", None, 2, 1024, 100), ("distilbart-cnn-12-6, greedy", None, 1, 1024, 100),
    ("distilbart-cnn-12-6, beam 4, input 512", None, 4, 512, 100), ("distilbart-cnn-6-6, beam 4", "6-6", 4, 1024, 100),
    ("distilbart-cnn-6-6, beam 2", "6-6", 2, 1024, 100), ("distilbart-cnn-6-6, greedy", "6-6", 1, 1024, 100),
    ("distilbart-cnn-6-6, greedy, 60 new tokens", "6-6", 1, 1024, 60))


def summary_settings(args, files: list[Path], peak: float) -> None:
    """Summary settings for a CPU profile whose summaries cost no more than its translation: the
    summary stage (CTranslate2 int8, batched as the pipeline does) of each setting against the
    translation stage of the same articles, measured in the same run (models of bench/run.py)."""
    from translate import load_config

    config = build_models(args.cache, files, args.target_tokens)
    subprocess.run([sys.executable, "-m", "translate", "models", "convert", "--config", str(config)], check=True,
                   capture_output=True)  # once, outside every timing
    out = args.cache / "runs" / "summary-settings"
    with Load() as load:  # the best of --repeat runs, as for the summaries
        translation = min(in_process(config, args.articles, out) for _ in range(args.repeat))
    options = dataclasses.replace(load_config(config).profile().summary, backend="ctranslate2", compute_type="int8")
    english = body_english(out)
    print(f"\nsummary settings against the translation stage of the same {len(english)} articles: {translation:.1f} s "
          f"(`translate batch` without summaries, models loaded: opus-mt-ar-en CTranslate2 int8, beam 4, "
          f"{args.target_tokens} target tokens per segment; {load}); summaries: CTranslate2 int8, batched (run_plans), "
          f"new tokens forced (min = max), random weights of the real architectures\n")
    print("| summary setting | model batches | wall s | vs translation | within it | of int8 peak | machine |\n"
          "|---|---|---|---|---|---|---|")
    for label, model, beams, limit, tokens in SUMMARY_SETTINGS:
        generation = dataclasses.replace(options.generation, num_beams=beams, min_new_tokens=tokens,
                                         max_new_tokens=tokens)
        changed = dataclasses.replace(options, max_input_tokens=limit, generation=generation,
                                      model=str(args.cache / "distilbart-cnn-6-6-random") if model else options.model)
        found = summary_stage(changed, english, {"int8": peak}, batched=True, repeat=args.repeat)
        ratio = found["seconds"] / translation
        print(f"| {label} | {found['batches']} | {found['seconds']:.1f} | {ratio:.2f}x | "
              f"{'yes' if ratio <= 1 else 'no'} | "
              f"{found['int8']:.0%} | {found['load']} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=Path, default=ROOT.parent / "shared" / "corpus" / "seeds")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--only", default=",".join([*FAMILIES, "summaries"]),
                        help=f"what to measure (comma-separated): {', '.join(FAMILIES)}, summaries")
    parser.add_argument("--segments", type=int, default=60)
    parser.add_argument("--target-tokens", type=int, default=40)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=1, help="summary settings: timings per row, the best is kept")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure one family in this process
    args = parser.parse_args()
    os.environ["TRANSLATE_CACHE"] = str(args.cache / "translate-cache")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    files = sorted(p for p in args.articles.iterdir() if p.suffix in (".txt", ".md", ".html"))
    texts = segments(files, args.segments)
    if args.measure:
        family = FAMILIES[args.measure]
        found = measure(family, args.cache / "families" / family.key, texts, target=args.target_tokens,
                        threads=args.threads)
        print("RESULT " + json.dumps(found))
        return
    started = time.perf_counter()
    chosen = [FAMILIES[key] for key in args.only.split(",") if key in FAMILIES]
    for family in chosen:
        spent = build(family, args.cache / "families" / family.key, files)
        print(f"built and converted {family.key}: {spent:.0f} s", file=sys.stderr, flush=True)
    peak = matmul_peak(args.threads, int8=True)
    print(f"machine: {os.cpu_count()} cores, {args.threads} threads, int8 matmul peak {peak:.0f} GOP/s "
          f"(torch._int_mm); {uptime()}")
    if chosen:
        family_table(args, chosen, texts, len(files), peak)
    if "summaries" in args.only.split(","):
        summary_settings(args, files, peak)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; end: {uptime()}")


def family_table(args, chosen: list[Family], texts: list[str], articles: int, peak: float) -> None:
    """One row per family, each measured in a fresh process (``--measure``)."""
    from translate.backends.ct2 import converted_path

    print(f"input: {len(texts)} segments of the {articles} sample articles, {args.target_tokens} target tokens each "
          f"(forced), CTranslate2 int8, beam 4, batches of the family's shipped profile\n")
    print("| model (random weights, real architecture) | parameters | vocabulary | int8 on disk | src tok/seg | "
          "target tok/s | vs opus-mt-ar-en | of int8 peak | peak RSS | machine |\n"
          "|---|---|---|---|---|---|---|---|---|---|")
    base = None
    for family in chosen:
        folder = args.cache / "families" / family.key
        child = subprocess.run([sys.executable, __file__, "--measure", family.key, "--articles", str(args.articles),
                                "--cache", str(args.cache), "--segments", str(args.segments),
                                "--target-tokens", str(args.target_tokens), "--threads", str(args.threads)],
                               capture_output=True, text=True)
        line = next((x for x in child.stdout.splitlines() if x.startswith("RESULT ")), None)
        if child.returncode != 0 or line is None:
            sys.exit(f"{family.key} failed:\n{child.stderr[-3000:]}")
        found = json.loads(line[len("RESULT "):])
        disk = sum(f.stat().st_size for f in converted_path(str(folder), folder, "int8").iterdir()) / 2**20
        shape = architecture(family.config)
        rate = found["tokens"] / found["seconds"]
        base = base or (rate if family.key == "opus-mt" else None)
        flops = sum(matmul_flops(shape, n, args.target_tokens, 4) for n in found["sources"])
        parameters = json.loads((folder / "bench.json").read_text(encoding="utf-8"))["parameters"]
        print(f"| {family.hub_id} | {parameters / 1e6:.0f}M | {shape['vocab_size']:,} | {disk:.0f} MB | "
              f"{sum(found['sources']) / len(found['sources']):.0f} | {rate:.0f} | "
              f"{f'{rate / base:.2f}x' if base else '-'} | {flops / found['seconds'] / 1e9 / peak:.0%} | "
              f"{found['peak_rss_mb']} MB ({found['rss_base_mb']} before the weights) | {found['load']} |", flush=True)
    print("| google/madlad400-3b-mt | 3B | 256,000 | - | - | not measured: ~12 GB of fp32 weights to build, "
          "beyond this machine's budget | | | | |")


if __name__ == "__main__":
    main()

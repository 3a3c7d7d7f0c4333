"""What the benchmark scripts share: the path set-up (the repository, so ``translate`` and
``tests.support`` import), the random-weight models at the real architectures (``build_models``), the
machine's load and peaks (``Load``, ``uptime``, ``matmul_peak``, ``matmul_flops``), the seed
articles' segments, timed runs of the engines and the pipeline, and the summary stage as the
pipeline runs it (``summary_stage``). Not part of the tests.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the repository: translate, tests.support
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from translate.backends.wrappers import Wrapper  # noqa: E402 - after the path set-up; a light module

SUMMARY_TOKENS = 100  # forced length of every summary (min = max new tokens)


def architecture(name: str) -> dict:
    """The architecture settings of a shipped config (without the comment and model type)."""
    data = json.loads((HERE / "configs" / f"{name}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_") and k != "model_type"}


def _bart(folder: Path, shape_name: str, english: list[str]) -> None:
    """A random-weight BART of a shipped shape; byte-level BPE trained here, padded to the real vocabulary."""
    import torch
    from tokenizers import ByteLevelBPETokenizer, processors
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(english, vocab_size=2000, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                            show_progress=False)
    bpe.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>", mask_token="<mask>", model_max_length=1024)
    shape = architecture(shape_name)
    tokenizer.add_tokens([f"<unused{i}>" for i in range(len(tokenizer), shape["vocab_size"])])  # the real size
    config = BartConfig(**shape, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                        forced_bos_token_id=0, forced_eos_token_id=2)
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def _fillers_as_summarizer_tokens(marian: Path, bart: Path) -> None:
    """Rename the random Marian's unused vocabulary entries that are not single tokens of the BART
    stand-in to one of its unused tokens plus ".": the random translations (mostly unused entries)
    then count ~1.2 summarizer tokens per translated token, as real English does, instead of ~3, so
    the summaries get input of a realistic length. Names only: the weights and speeds do not change."""
    from transformers import AutoTokenizer

    unused = re.compile(r"<unused\d+>")
    path = marian / "vocab.json"
    vocab = json.loads(path.read_text(encoding="utf-8"))
    known = AutoTokenizer.from_pretrained(bart).get_vocab()
    spare = iter(sorted((t for t in known if unused.fullmatch(t)), key=lambda t: int(t[7:-1])))
    renamed = {f"{next(spare)}." if unused.fullmatch(t) and t not in known else t: i for t, i in vocab.items()}
    if renamed != vocab:
        path.write_text(json.dumps(renamed, ensure_ascii=False), encoding="utf-8")


def build_models(cache: Path, articles: list[Path], target: int) -> Path:
    """Random-weight MarianMT and BARTs with the real architectures, tokenizers trained here."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    from tests.support.tiny_models import corpus, marian_tokenizer

    marian = cache / "opus-mt-ar-en-random"
    bart, small = cache / "distilbart-cnn-12-6-random", cache / "distilbart-cnn-6-6-random"
    arabic = [line for path in articles for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    arabic += corpus()[0]
    english = corpus()[1]
    if not (marian / "config.json").is_file():
        marian.mkdir(parents=True, exist_ok=True)
        shape = architecture("opus-mt-ar-en")
        tokenizer, vocab = marian_tokenizer(marian, arabic, english, sizes=(8000, 300), vocab_size=shape["vocab_size"])
        config = MarianConfig(**shape, pad_token_id=vocab["<pad>"], eos_token_id=0,
                              decoder_start_token_id=vocab["<pad>"],
                              forced_eos_token_id=0)
        torch.manual_seed(0)
        MarianMTModel(config).save_pretrained(marian)
        tokenizer.save_pretrained(marian)
    for folder, shape_name in ((bart, "distilbart-cnn-12-6"), (small, "distilbart-cnn-6-6")):
        if not (folder / "config.json").is_file():
            _bart(folder, shape_name, english)
    _fillers_as_summarizer_tokens(marian, bart)
    config = cache / "models.yaml"
    # random weights never choose to stop: every output length is forced (min = max new tokens)
    config.write_text(f"""default_profile: default
profiles:
  default:
    translation: {{model: {marian}, device: cpu,
                  generation: {{num_beams: 4, min_new_tokens: {target}, max_new_tokens: {target}}}}}
    summary: {{model: {bart}, device: cpu,
              generation: {{num_beams: 4, min_new_tokens: {SUMMARY_TOKENS}, max_new_tokens: {SUMMARY_TOKENS}}}}}
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


def matmul_peak(threads: int, *, int8: bool = False, trials: int = 16) -> float:
    """This machine's matrix multiply rate on ``threads`` cores (GFLOP/s; int8: GOP/s): fp32 with
    torch's matmul, int8 with torch._int_mm (int8 x int8 -> int32, torch's CPU kernel); the best of
    ``trials`` timings of four 1024^3 products, on ``threads`` threads and on one thread times
    ``threads`` (cores scale linearly here; one thread is likelier to get a whole core on a shared
    machine), whichever is higher."""
    import torch

    if int8:
        a, b = (torch.randint(-128, 128, (1024, 1024), dtype=torch.int8) for _ in range(2))
        product = lambda: torch._int_mm(a, b)  # noqa: E731
    else:
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
        product = lambda: a @ b  # noqa: E731
    best = 0.0
    for n in (threads, 1):
        torch.set_num_threads(n)
        for _ in range(trials):
            started = time.perf_counter()
            for _ in range(4):
                product()
            best = max(best, threads / n * 4 * 2 * 1024 ** 3 / (time.perf_counter() - started) / 1e9)
    torch.set_num_threads(threads)
    return best


class Load:
    """How busy the machine was with other work while a measurement ran: the 1-minute load average
    before and after, and the cores other processes used on average (the machine's busy CPU time
    from /proc/stat minus this process's and its children's)."""

    @staticmethod
    def _seconds() -> tuple[float, float]:
        with open("/proc/stat", encoding="ascii") as stat:
            f = [int(x) for x in stat.readline().split()[1:8]]  # user nice system idle iowait irq softirq
        mine, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return ((f[0] + f[1] + f[2] + f[5] + f[6]) / os.sysconf("SC_CLK_TCK"),
                mine.ru_utime + mine.ru_stime + kids.ru_utime + kids.ru_stime)

    def __enter__(self) -> "Load":
        self.before, (self.busy, self.own), self.started = os.getloadavg()[0], self._seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        busy, own = self._seconds()
        self.after = os.getloadavg()[0]
        self.others = max(0.0, (busy - self.busy) - (own - self.own)) / max(time.perf_counter() - self.started, 1e-9)

    def __str__(self) -> str:
        return f"load {self.before:.1f}->{self.after:.1f}, others {self.others:.1f} cores"


def uptime() -> str:
    return "load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def matmul_flops(shape: dict, source: int, target: int, beams: int) -> float:
    """2 x multiply-adds in the weight matrices for one input of ``source`` tokens and ``target``
    generated tokens per hypothesis: the encoder and the cross-attention keys and values (once per
    input), then per step and hypothesis the decoder layers and the output projection. Attention
    scores, padding and the per-beam copies of cross-attention keys are not counted: a lower bound."""
    d = shape["d_model"]
    encoder = shape["encoder_layers"] * (4 * d * d + 2 * d * shape["encoder_ffn_dim"])
    cross = shape["decoder_layers"] * 2 * d * d
    step = shape["decoder_layers"] * (6 * d * d + 2 * d * shape["decoder_ffn_dim"]) + d * shape["vocab_size"]
    return 2 * ((encoder + cross) * source + step * target * beams)


def sentences(config: Path, articles: list[Path]) -> list[tuple[str, int]]:
    """The model inputs of the articles, in order, with their length in the translation model's tokens."""
    from translate import load_config
    from translate.backends import load_backend
    from translate.reading.files import read_document
    from translate.stages.align import plan
    from translate.text.segment import segment

    backend = load_backend(dataclasses.replace(load_config(config).profile().translation, backend="transformers"),
                           role="translation")
    found: list[str] = []
    for path in articles:
        found += [s.model_input for s in plan(segment(read_document(path)), count=backend.count_tokens, budget=256)
                  if s.model_input]
    return list(zip(found, backend.count_tokens(found)))


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


def in_process(config: Path, articles: Path, out: Path) -> float:
    """Seconds of run_batch with the translation model already loaded (no summary, no memory)."""
    from translate import load_config
    from translate.backends import load_backend
    from translate.config import with_overrides
    from translate.runners import run_batch
    from translate.runners.plan import RunOptions

    shutil.rmtree(out, ignore_errors=True)
    profile = with_overrides(load_config(config).profile(), summary="none")
    loaded = {}

    def loader(options, *, role):  # each model loaded once, here, outside the timing
        if role not in loaded:
            loaded[role] = load_backend(options, role=role)
        return loaded[role]

    loader(profile.translation, role="translation").translate(["تحميل"])  # load the weights outside the timing
    started = time.perf_counter()
    report = run_batch(profile=profile, run=RunOptions(input=articles, out=out, reuse_translations=False),
                       loader=loader)
    elapsed = time.perf_counter() - started
    if report.failed:
        sys.exit(f"in-process batch failed: {report.failed}")
    return elapsed


class Recorder(Wrapper):
    """Passes every call through and keeps each call's inputs (``sent``). A wrapper that only
    changes ``translate``: below a batching layer it hides parallel batches, above one it hides
    streaming (``run_plans`` then sends one call per round)."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.sent: list[list[str]] = []  # not ``calls``: that is the model's count (``Wrapper.calls``)

    def translate(self, batch, *, context=None):
        self.sent.append(list(batch))
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
        stack.sent.clear(), model.sent.clear()
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
    lengths = [stack.count_tokens(batch) for batch in model.sent]
    shape = json.loads((Path(options.model) / "config.json").read_text(encoding="utf-8"))
    gen = options.generation
    flops = sum(matmul_flops(shape, n, gen.max_new_tokens, gen.num_beams) for b in lengths for n in b)
    return {"seconds": seconds, "calls": len(stack.sent), "batches": len(model.sent), "load": load,
            "inputs": sum(map(len, lengths)), "tokens": sum(map(sum, lengths)),
            "padded": sum(max(b) * len(b) for b in lengths), **{k: flops / seconds / 1e9 / v for k, v in peaks.items()}}

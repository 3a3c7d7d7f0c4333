"""One huge article, stage by stage: is every stage linear in the article's size?

Builds Arabic articles of 1 MB and 20 MB (UTF-8) from the sentences of tests/fixtures/, repeated
and varied (numbers, word order, extra words) so that sentences are not all identical, and times,
separately and wall-clock:

* reading   ``translate.reading.files.read_document`` (decode, checks),
* segmenting ``translate.text.segment.segment`` (blocks, kinds, sentences),
* summary   ``translate.stages.summarize.extractive`` over every body sentence (target = source).

    .venv/bin/python bench/huge_article.py            # 1 MB and 20 MB
    .venv/bin/python bench/huge_article.py --sizes 1,5,20
    .venv/bin/python bench/huge_article.py --pipeline --sizes 0.25,1

``--pipeline`` runs the whole batch instead (tiny random models from tests/support/tiny_models.py,
extractive summary, the size limit raised) on each huge article placed between small ones, and
reports each article's wall time, the time per character, and when the small articles finished
relative to the huge one (they must not wait for it).
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from translate.reading.files import read_document  # noqa: E402
from translate.stages.summarize import Candidate, extractive  # noqa: E402
from translate.text.segment import segment  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
_SENTENCE_END = re.compile(r"(?<=[.!؟?…])\s+")
_EXTRA = ["اليوم", "أمس", "رسميا", "مجددا", "في العاصمة", "وفق مصادر مطلعة", "خلال الأسبوع", "بحسب البيان"]


def fixture_sentences() -> list[str]:
    """Body-like sentences of the fixture articles (lines of a few words or more)."""
    found = []
    for name in ("article_full.txt", "article_notitle.txt", "article.md"):
        for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
            line = line.strip().lstrip("#-* ").strip()
            if len(line.split()) >= 6:
                found += [s.strip() for s in _SENTENCE_END.split(line) if len(s.split()) >= 4]
    return found


def build_article(path: Path, *, megabytes: float, seed: int = 0) -> int:
    """Write a title, a date line and body paragraphs of varied sentences; returns the size in bytes."""
    rng = random.Random(seed)
    sentences = fixture_sentences()
    target = int(megabytes * 1_000_000)
    parts = ["قمة الطاقة والتعاون الاقتصادي في القاهرة\n\n", "١٠ حزيران / يونيو ٢٠٢٤\n\n"]
    size = sum(len(p.encode("utf-8")) for p in parts)
    number = 0
    while size < target:
        paragraph = []
        for _ in range(rng.randint(2, 6)):
            words = rng.choice(sentences).rstrip(".!؟?…").split()
            cut = rng.randrange(1, len(words))
            words = words[cut:] + words[:cut] if rng.random() < 0.3 else words
            words.insert(rng.randrange(len(words) + 1), rng.choice(_EXTRA))
            number += 1
            paragraph.append(" ".join(words) + f" رقم {number}.")
        text = " ".join(paragraph) + "\n\n"
        parts.append(text)
        size += len(text.encode("utf-8"))
    path.write_text("".join(parts), encoding="utf-8")
    return size


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def measure(path: Path) -> dict:
    raw, read_s = timed(read_document, path)
    doc, segment_s = timed(segment, raw)
    candidates = [Candidate(f"p{b}", f"p{b}.s{s}", sentence.text, sentence.text)
                  for b, block in enumerate(doc.blocks) if block.kind == "body"
                  for s, sentence in enumerate(block.sentences) if not sentence.dateline]
    summary, summary_s = timed(extractive, candidates, sentences=3)
    assert len(summary.sentences) == 3, "the article must have body sentences"
    return {"bytes": path.stat().st_size, "characters": len(raw.text), "blocks": len(doc.blocks),
            "sentences": len(candidates), "read_s": read_s, "segment_s": segment_s, "summary_s": summary_s}


def pipeline(sizes: list[float]) -> None:
    import dataclasses
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))  # the repository: tests.support
    sys.path.insert(0, str(ROOT / "bench"))
    from finishes import FinishTimes

    from tests.support.tiny_models import build_all
    from translate import load_config
    from translate.runners import run_batch
    from translate.runners.plan import RunOptions

    with tempfile.TemporaryDirectory(prefix="huge-pipeline-") as folder:
        work = Path(folder)
        os.environ.setdefault("TRANSLATE_CACHE", str(work / "cache"))
        profile = load_config(build_all(work / "models")).profile("tiny-extractive")
        profile = dataclasses.replace(profile, input=dataclasses.replace(profile.input, max_characters=0))
        print("| article | bytes | finished at s | s per 100 kB | small articles finished at s |")
        print("|---|---|---|---|---|")
        for megabytes in sizes:
            inputs = work / f"in-{megabytes:g}"
            inputs.mkdir()
            for i, name in enumerate(("a-small.txt", "z-small.txt")):
                shutil.copy(FIXTURES / ("article_full.txt" if i == 0 else "article_notitle.txt"), inputs / name)
            size = build_article(inputs / "m-huge.txt", megabytes=megabytes)
            finishes = FinishTimes()
            report = run_batch(profile=profile, run=RunOptions(input=inputs, out=work / f"out-{megabytes:g}"),
                               progress=finishes)
            if report.failed:
                raise SystemExit(f"failed: {report.failed}")
            huge = finishes.at["m-huge.txt"]
            print(f"| {megabytes:g} MB | {size:,} | {huge:.1f} | {huge / size * 1e5:.2f} | "
                  f"{finishes.at['a-small.txt']:.1f} (before), {finishes.at['z-small.txt']:.1f} (after) |",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,20", help="article sizes in MB, comma-separated (default 1,20)")
    parser.add_argument("--pipeline", action="store_true", help="run the whole batch (tiny models), not the stages")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    if args.pipeline:
        pipeline(sizes)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="huge-article-") as folder:
        for megabytes in sizes:
            path = Path(folder) / f"article-{megabytes:g}mb.txt"
            build_article(path, megabytes=megabytes)
            results.append((megabytes, measure(path)))
            path.unlink()
            print(f"{megabytes:g} MB done", file=sys.stderr, flush=True)
    print("| article | characters | body sentences | read s | segment s | extractive summary s | total s |")
    print("|---|---|---|---|---|---|---|")
    for megabytes, r in results:
        total = r["read_s"] + r["segment_s"] + r["summary_s"]
        print(f"| {megabytes:g} MB | {r['characters']:,} | {r['sentences']:,} | {r['read_s']:.2f} | "
              f"{r['segment_s']:.2f} | {r['summary_s']:.2f} | {total:.2f} |")
    if len(results) > 1:
        (small_mb, small), (big_mb, big) = results[0], results[-1]
        print(f"\nsize x{big['bytes'] / small['bytes']:.1f} ({small_mb:g} MB -> {big_mb:g} MB): " + ", ".join(
            f"{stage} x{big[key] / max(small[key], 1e-9):.1f}" for stage, key in
            (("read", "read_s"), ("segment", "segment_s"), ("summary", "summary_s"))))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB (whole run)")


if __name__ == "__main__":
    main()

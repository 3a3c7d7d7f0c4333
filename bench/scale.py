"""Scale: does the per-article cost stay flat from the first to the last article of a big folder?

    .venv/bin/python bench/scale.py [--articles 10000] [--work DIR]

Writes N small distinct Arabic articles, runs the real batch (tiny random-weight models from
tests/support/tiny_models.py, so the model's share of the time is small and any growth of the pipeline's
own bookkeeping would show), and reports the wall time per article of the first and last 10% of
articles, their ratio, and the resident memory at each tenth of the run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: tests.support
sys.path.insert(0, str(ROOT / "bench"))

from finishes import FinishTimes  # noqa: E402

SUBJECTS = ["وزير الخارجية", "الرئيس", "المتحدثة الرسمية", "رئيس الوزراء", "الأمين العام", "السفير"]
VERBS = ["أكد", "أعلن", "ناقش", "بحث", "أشار إلى", "دعا إلى"]
OBJECTS = ["التعاون الاقتصادي", "القضايا الأمنية", "الاتفاقية الجديدة", "العلاقات الثنائية", "التجارة المتبادلة"]
PLACES = ["في موسكو", "في القاهرة", "في بيروت", "في الرياض", "في دمشق", "في الرباط"]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def write_articles(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        lines = [f"خبر رقم {i}: {SUBJECTS[i % 6]} {VERBS[(i // 6) % 6]} {OBJECTS[i % 5]}"]
        for j in range(3):
            k = i * 3 + j
            lines.append(f"{SUBJECTS[k % 6]} {VERBS[(k // 7) % 6]} {OBJECTS[(k // 3) % 5]} {PLACES[(k // 11) % 6]} "
                         f"يوم {k % 28 + 1} بقيمة {k} مليون دولار.")
        (folder / f"{i:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSLATE_CACHE", tempfile.mkdtemp(prefix="translate-bench-cache-"))
    from tests.support.tiny_models import build_all
    from translate import load_config
    from translate.runners import run_batch
    from translate.runners.plan import RunOptions

    work = args.work or Path(tempfile.mkdtemp(prefix="translate-scale-"))
    config = build_all(work / "models")
    write_articles(work / "in", args.articles)
    profile = load_config(config).profile("tiny-extractive")
    memory: list[float] = []
    tenth = max(1, args.articles // 10)
    timeline = FinishTimes(lambda done: memory.append(rss_mb()) if done % tenth == 0 else None)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    report = run_batch(profile=profile, run=RunOptions(input=work / "in", out=work / "out"), progress=timeline)
    wall = time.perf_counter() - started
    times = [timeline.started] + timeline.times
    with_start = (times[tenth] - times[0]) / tenth
    first = (times[2 * tenth] - times[tenth]) / tenth  # the second tenth: past start-up and model loading
    last = (times[-1] - times[-1 - tenth]) / tenth
    print(f"articles: {args.articles} ({len(report.done)} done, {len(report.failed)} failed), wall {wall:.1f} s, "
          f"load average {load_before:.2f} before / {os.getloadavg()[0]:.2f} after")
    print(f"per article: first 10% {with_start * 1000:.2f} ms (with start-up and model loading), "
          f"10-20% {first * 1000:.2f} ms, last 10% {last * 1000:.2f} ms -> ratio last / (10-20%) {last / first:.2f}")
    print("articles finish in windows of ~2000 segments (~500 of these articles), so each tenth spans 2 windows")
    print("resident memory at each tenth (MB): " + ", ".join(f"{m:.0f}" for m in memory))
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

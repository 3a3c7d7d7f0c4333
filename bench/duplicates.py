"""Grouping republished stories at scale (stages.duplicates): signatures and LSH grouping of N
synthetic articles (300 words each from a 5,000-word vocabulary; one in ten a republication of
another with its last paragraph replaced), timed separately, and the groups checked against the
planted ones.

    .venv/bin/python bench/duplicates.py --articles 10000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from translate.stages.duplicates import same_stories, signature  # noqa: E402

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def corpus(count: int, seed: int = 7) -> tuple[dict[str, list[str]], set[frozenset[str]]]:
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7))) for _ in range(5000)]
    articles: dict[str, list[str]] = {}
    planted = set()
    for i in range(count):
        key = f"a{i:05d}"
        if i % 10 == 9:  # a republication of the article before: another closing paragraph
            source = f"a{i - 1:05d}"
            articles[key] = articles[source][:-1] + [" ".join(rng.choices(vocabulary, k=60))]
            planted.add(frozenset((source, key)))
        else:
            articles[key] = [" ".join(rng.choices(vocabulary, k=60)) for _ in range(5)]
    return articles, planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    articles, planted = corpus(args.articles)
    started = time.perf_counter()
    signatures = {key: signature(body) for key, body in articles.items()}
    signed = time.perf_counter() - started
    started = time.perf_counter()
    stories = same_stories(signatures)
    grouped = time.perf_counter() - started
    found = {frozenset(s["articles"]) for s in stories.values()}
    print(f"{args.articles} articles: signatures {signed:.2f} s ({1000 * signed / args.articles:.2f} ms/article), "
          f"grouping {grouped:.2f} s; {len(found)} groups found, {len(planted)} planted, "
          f"{len(found & planted)} exactly right, {len(found - planted)} spurious")


if __name__ == "__main__":
    main()

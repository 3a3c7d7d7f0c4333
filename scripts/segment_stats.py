"""Segmentation report for a set of articles: structure per article, and the sentence-length
distribution in words and in model tokens before and after token-budget splitting.

    .venv/bin/python scripts/segment_stats.py ../shared/corpus/seeds/* --model /tmp/tiny/marian --budget 256

``--model`` is any model folder (or Hub id in the cache): its own tokenizer counts the tokens.
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from pathlib import Path

from translate.reading.files import read_document
from translate.stages.align import plan
from translate.text.normalize import for_model
from translate.text.segment import segment


def quantiles(values: list[int]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    pick = lambda q: ordered[min(int(q * len(ordered)), len(ordered) - 1)]  # noqa: E731
    return (f"n={len(values)} min={ordered[0]} median={statistics.median(ordered):g} p90={pick(0.9)} "
            f"max={ordered[-1]} mean={statistics.mean(ordered):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--model", required=True, help="model folder or Hub id whose tokenizer counts tokens")
    parser.add_argument("--budget", type=int, default=256)
    args = parser.parse_args()
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model)

    def count(texts):
        if not texts:
            return []
        return [len(ids) for ids in tokenizer(list(texts), truncation=False, verbose=False)["input_ids"]]

    print("| file | encoding | title | date | headings | body paragraphs | meta (roles) | chrome | sentences |")
    print("|---|---|---|---|---|---|---|---|---|")
    words_before, tokens_before, words_after, tokens_after = [], [], [], []
    for path in args.files:
        doc = segment(read_document(path, explicit=True))
        kinds = Counter(b.kind for b in doc.blocks)
        roles = ",".join(b.role for b in doc.blocks if b.kind == "meta")
        sentences = [s for b in doc.blocks if b.kind in ("body", "title", "heading") for s in b.sentences]
        print(f"| {path.name} | {doc.encoding} | {'yes' if doc.title else 'none'} | {doc.date or 'none'} | "
              f"{kinds['heading']} | {kinds['body']} | {kinds['meta']} ({roles or '-'}) | {kinds['chrome']} | "
              f"{sum(len(b.sentences) for b in doc.blocks)} |")
        texts = [for_model(s.text) for s in sentences]
        words_before += [len(t.split()) for t in texts]
        tokens_before += count(texts)
        wanted = {s.span for s in sentences}
        pieces = [p.model_input for p in plan(doc, count=count, budget=args.budget)
                  if p.model_input and any(a <= p.span[0] and p.span[1] <= b for a, b in wanted)]
        words_after += [len(t.split()) for t in pieces]
        tokens_after += count(pieces)
    print(f"\nsentences (title, headings, body), tokenizer {args.model}, budget {args.budget} tokens:")
    print(f"- words per sentence:           {quantiles(words_before)}")
    print(f"- tokens per sentence:          {quantiles(tokens_before)}")
    print(f"- words per segment (split):    {quantiles(words_after)}")
    print(f"- tokens per segment (split):   {quantiles(tokens_after)}")


if __name__ == "__main__":
    main()

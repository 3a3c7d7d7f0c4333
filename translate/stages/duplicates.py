"""Republished stories: the same agency story carried by several outlets (another title, dateline
or closing paragraph) found across the batch, and across earlier runs into the same folder, so a
reviewer reviews one and skims the rest.

Each article's body (its Arabic ``body`` paragraphs, loosely normalized: ``flags.arabic_key``) is
reduced to a MinHash signature of its word 3-shingles (``PERMUTATIONS`` hash functions; the share
of equal positions estimates the Jaccard similarity of the two shingle sets). Candidates are found
by locality-sensitive hashing (``BANDS`` bands of ``ROWS`` positions: two articles meet in a bucket
when one band is equal), so grouping is linear in the number of articles, never all pairs; each
candidate pair is then kept when its estimated similarity is at least ``THRESHOLD``. Groups are the
connected components of the kept pairs, so the result does not depend on the order of the input.

Why shingles of words: an agency story republished keeps its sentences, so most 3-word runs are
shared (similarity 0.6-1 when only the title, dateline or last paragraph differ), while two
different articles on the same topic share names and terms but few runs of three words (under 0.2).
"""

from __future__ import annotations

import hashlib
from itertools import combinations
from typing import Iterable, Mapping

import numpy as np

from .flags import arabic_key

PERMUTATIONS = 96
# BANDS x ROWS = PERMUTATIONS: pairs of similarity 0.6 meet in a bucket 99.9% of the time, 0.1 in 3%
BANDS, ROWS = 32, 3
THRESHOLD = 0.5  # the least estimated similarity of the same story
SHINGLE = 3
MIN_SHINGLES = 8  # a body shorter than this is too short to tell a republication from a coincidence
_SEEDS = np.random.default_rng(20_200_701).integers(1, 2**63, size=(2, PERMUTATIONS), dtype=np.uint64)
_EMPTY = ""


def _hashes(shingles: Iterable[str]) -> np.ndarray:
    return np.array([int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") for s in shingles],
                    dtype=np.uint64)


def signature(body: Iterable[str]) -> str:
    """The MinHash signature (hex) of the body paragraphs' Arabic; ``""`` for a body too short."""
    words = arabic_key(" ".join(body)).split()
    shingles = {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    if len(shingles) < MIN_SHINGLES:
        return _EMPTY
    values = _hashes(sorted(shingles))[:, None]
    with np.errstate(over="ignore"):
        mixed = (values ^ _SEEDS[0]) * (_SEEDS[1] | np.uint64(1))  # one multiply-xor hash per permutation
    return mixed.min(axis=0).astype("<u8").tobytes().hex()


def story_signature(record: dict) -> str:
    """The signature of an article record's body (its ``body`` paragraphs' Arabic)."""
    return signature(p["source"] for p in record["paragraphs"] if p["kind"] == "body")


def _array(sig: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(sig), dtype="<u8")


def similarity(a: str, b: str) -> float:
    """The estimated Jaccard similarity of two signatures' shingle sets (0-1)."""
    if not a or not b:
        return 0.0
    return float(np.mean(_array(a) == _array(b)))


def same_stories(signatures: Mapping[str, str]) -> dict[str, dict]:
    """For every article that has republications among ``signatures`` (key -> signature): its group
    (``articles``: every key of the story, sorted), ``similar``: the articles most like it with
    their similarity, best first."""
    buckets: dict[tuple[int, bytes], list[str]] = {}
    arrays = {key: _array(sig) for key, sig in signatures.items() if sig}
    for key in sorted(arrays):
        for band in range(BANDS):
            buckets.setdefault((band, arrays[key][band * ROWS:(band + 1) * ROWS].tobytes()), []).append(key)
    pairs: dict[tuple[str, str], float] = {}
    for members in buckets.values():
        for a, b in combinations(members, 2):
            if (a, b) not in pairs:
                pairs[(a, b)] = float(np.mean(arrays[a] == arrays[b]))
    parent = {key: key for key in arrays}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    similar: dict[str, list[tuple[str, float]]] = {}
    for (a, b), value in pairs.items():
        if value >= THRESHOLD:
            parent[max(root(a), root(b))] = min(root(a), root(b))
            similar.setdefault(a, []).append((b, value))
            similar.setdefault(b, []).append((a, value))
    groups: dict[str, list[str]] = {}
    for key in similar:
        groups.setdefault(root(key), []).append(key)
    return {key: {"articles": sorted(groups[root(key)]),
                  "similar": [{"article": other, "similarity": round(value, 3)}
                              for other, value in sorted(similar[key], key=lambda item: (-item[1], item[0]))]}
            for key in sorted(similar)}

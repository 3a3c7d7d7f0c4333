"""Reviewed translations offered for similar sentences (the CAT tools' fuzzy match).

A sentence whose Arabic is exactly a reviewed one gets the reviewer's translation (``align``). One
that is only close to a reviewed sentence keeps its machine translation, and the reviewed
translation of the similar sentence is attached as a suggestion: in the JSON record
(``suggestions``), the XLIFF (``<alt-trans match-quality="…">``, which OmegaT and others read) and
the review page.

Similarity is difflib's ratio (2·matches / total characters) on the loosely normalized Arabic
(``flags.arabic_key``: no diacritics or tatweel, one alef, ta marbuta as ha, ASCII digits): a
one-word edit of a ten-word sentence scores about 0.9, an unrelated sentence well under 0.5.
Candidates come from an inverted index of words (words shared by more than a few percent of the
entries are not looked up), so a lookup reads the few entries sharing rare words with the
sentence, not all of them: fast with 100,000 reviewed sentences.
"""

from __future__ import annotations

import difflib
from collections import Counter
from typing import Mapping

from ..record import Human, human_key
from .flags import arabic_key

THRESHOLD = 0.8  # the least similarity offered (CAT tools call 80% a "fuzzy match")
CANDIDATES = 20  # entries compared character by character, at most, per sentence


class SuggestionIndex:
    """The reviewed translations of a translation memory (``human_key`` -> ``Human``), searchable
    by similar Arabic."""

    def __init__(self, human: Mapping[str, Human], *, threshold: float = THRESHOLD, limit: int = 3) -> None:
        self.threshold, self.limit = threshold, limit
        self.entries = [(arabic_key(h.source or key), key, h) for key, h in human.items()]
        self.keys = set(human)
        self.postings: dict[str, list[int]] = {}
        for index, (text, _, _) in enumerate(self.entries):
            for word in set(text.split()):
                self.postings.setdefault(word, []).append(index)
        self.common = max(50, len(self.entries) // 20)  # words in more entries than this are not looked up

    def __len__(self) -> int:
        return len(self.entries)

    def suggest(self, sentence: str) -> list[dict]:
        """Reviewed translations of sentences similar to ``sentence`` (best first), each with its
        ``source``, ``target``, ``similarity`` (0-1) and ``reviewer``; none for an exact match."""
        text = arabic_key(sentence)
        words = set(text.split())
        if not words or not self.entries or human_key(sentence) in self.keys:
            return []
        shared = Counter(i for word in words if len(self.postings.get(word, ())) <= self.common
                         for i in self.postings.get(word, ()))
        found = []
        for index, _ in shared.most_common(CANDIDATES):
            other, _, human = self.entries[index]
            similarity = difflib.SequenceMatcher(None, text, other, autojunk=False).ratio()
            if similarity >= self.threshold:
                found.append((similarity, index))
        found.sort(key=lambda item: (-item[0], item[1]))
        return [{"source": self.entries[i][2].source, "target": self.entries[i][2].text,
                 "similarity": round(similarity, 3), "reviewer": self.entries[i][2].reviewer}
                for similarity, i in found[:self.limit]]

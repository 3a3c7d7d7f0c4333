"""The log-probability of each generated sequence under Transformers ``generate``, for
``Output.logprob``, without keeping the per-step vocabulary scores.

``generate(output_scores=True)`` with ``compute_transition_scores`` would give the same numbers,
but it keeps one (hypotheses x vocabulary) float tensor per decoding step until generation ends:
at the CPU default of 128 hypotheses and OPUS-MT's 62k-token vocabulary that is 32 MB a step, gigabytes
for one batch of long sentences. ``SequenceLogProbs`` is a logits processor placed after the others,
so it sees the scores the search uses (constraints applied); it keeps one step's log-probabilities
and, per decoded prefix, the sum so far. Imported only when the Transformers backend generates
(it needs torch).
"""

from __future__ import annotations

from typing import Sequence

import torch
from transformers import LogitsProcessor


class SequenceLogProbs(LogitsProcessor):
    """Records, for every prefix the search decodes, the sum of its tokens' log-probabilities.

    Each call gets the running sequences (``input_ids``, decoder start token first) and the
    processed scores of their next token. The log-probabilities are those scores log-softmaxed:
    the constraints (forced first or last token, minimum length, no-repeat n-grams, banned words)
    remove tokens and the rest is renormalized, as CTranslate2 does in its search, so a forced
    token counts 0 and the two backends agree. A row's parent is found by its prefix (beam search
    reorders rows within an input's beams between steps; rows of one input with equal prefixes have
    equal scores), keyed by the hash of (input, tokens) to keep memory linear in the number of
    decoded prefixes. The token a sequence
    ends with is looked up in the step that chose it: the end token (``end_ids``) of any prefix,
    any token of the last step."""

    def __init__(self, end_ids: Sequence[int], *, beams: int, never: Sequence[int] = ()) -> None:
        self.end_ids = list(end_ids)
        self.never = list(never)  # tokens left out of the normalization (see ``unreachable``)
        self.beams = beams  # rows per input: row r decodes input r // beams
        self.sums: dict[int, float] = {}  # hash(prefix) -> sum of its generated tokens' log-probs
        self.ends: dict[int, list[float]] = {}  # hash(prefix) -> log-prob of each end token after it
        self.rows: dict[int, int] = {}  # hash(prefix) -> row, in the last step
        self.last: torch.Tensor | None = None  # the last step's log-probabilities

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        scores32 = scores.float()
        kept = scores32.index_fill(-1, torch.tensor(self.never, device=scores.device), float("-inf")) if self.never \
            else scores32
        logprobs = scores32 - torch.logsumexp(kept, dim=-1, keepdim=True)
        rows = [(r // self.beams, *row) for r, row in enumerate(input_ids.tolist())]
        keys = [hash(row) for row in rows]
        if self.last is None:
            for key in keys:
                self.sums[key] = 0.0  # the decoder start token is given, not generated
        else:  # a row whose parent was not decoded (a search this class does not know) gets no sum
            known = [(key, hash(row[:-1]), row[-1]) for key, row in zip(keys, rows) if hash(row[:-1]) in self.rows]
            picked = self.last[[self.rows[p] for _, p, _ in known], [t for _, _, t in known]].tolist()
            for (key, parent, _), value in zip(known, picked):
                self.sums[key] = self.sums[parent] + value
        for key, ends in zip(keys, logprobs[:, self.end_ids].tolist()):
            self.ends[key] = ends
        self.rows = {key: i for i, key in enumerate(keys)}
        self.last = logprobs
        return scores

    def total(self, item: int, sequence: Sequence[int]) -> float | None:
        """The sum of the log-probabilities of the generated tokens of ``sequence``, the output of
        input ``item`` (decoder start token first, nothing after the end token); None when the
        search never decoded it."""
        whole = hash((item, *sequence))
        if whole in self.sums:
            return self.sums[whole]
        parent, token = hash((item, *sequence[:-1])), sequence[-1]
        if parent not in self.sums:
            return None
        if token in self.end_ids and parent in self.ends:
            return self.sums[parent] + self.ends[parent][self.end_ids.index(token)]
        if parent in self.rows and self.last is not None:
            return self.sums[parent] + float(self.last[self.rows[parent], token])
        return None


def unreachable(config, tokenizer) -> list[int]:
    """Tokens of the Transformers model that are no real output, left out of the normalization so
    that both backends give the same probabilities: MarianMT's ``<pad>`` (the decoder start, a zero
    embedding added by Transformers; the original Marian vocabulary has no such token, CTranslate2's
    converter removes it, and the Hub models' generation configs ban it with ``bad_words_ids``)."""
    pad = tokenizer.pad_token_id
    return [pad] if getattr(config, "model_type", None) == "marian" and pad is not None else []

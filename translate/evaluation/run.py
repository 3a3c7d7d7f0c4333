"""Running a profile's translation model over reference sources, through the same path articles
take (normalization, sentence segmentation, the token budget, batching), and timing it."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from pathlib import Path
from typing import Sequence

from ..config import Profile
from ..errors import InputError
from .calibration import calibrate
from .references import References
from .report import EvalResult
from .scoring import score

log = logging.getLogger("translate")


def translate_lines(translator, lines: Sequence[str], *, budget: int) -> list[tuple[str, int, float | None]]:
    """(English, target tokens, confidence) per line: each line is segmented into sentences and
    budgeted like an article, every piece translated (length-sorted batches across all lines), and
    joined back; the confidence is the model's over all of the line's tokens (None when unknown)."""
    from ..reading.files import RawDocument
    from ..stages.align import assemble, plan
    from ..text.segment import segment

    planned = []
    for line in lines:
        raw = RawDocument(path=Path("line.txt"), data_sha256=hashlib.sha256(line.encode()).hexdigest(),
                          encoding="utf-8", format="txt", text=line)
        try:
            doc = segment(raw)
        except InputError:  # nothing visible on the line
            planned.append(None)
            continue
        planned.append((doc, plan(doc, count=translator.count_tokens, budget=budget)))
    inputs = list(dict.fromkeys(s.model_input for item in planned if item for s in item[1] if s.model_input))
    outputs = dict(zip(inputs, translator.translate(inputs)))
    results = []
    for item in planned:
        if item is None:
            results.append(("", 0, None))
            continue
        doc, segments = item
        paragraphs = assemble(doc, segments, outputs)
        text = " ".join(p["target"] for p in paragraphs if p["target"])
        produced = [outputs[s.model_input] for s in segments if s.model_input]
        tokens = sum(o.tokens for o in produced)
        known = produced and tokens and all(o.logprob is not None for o in produced)
        results.append((text, tokens, math.exp(sum(o.logprob for o in produced) / tokens) if known else None))
    return results


def evaluate_profile(profile: Profile, references: References, *, keep_hypotheses: bool = False) -> EvalResult:
    """Translate the references' sources with ``profile`` and score them. ``seconds`` is the time
    spent translating, after the model is loaded (one warm-up sentence)."""
    from ..backends.stack import build_stack

    options = profile.translation
    stack = build_stack(options, role="translation", isolate=False)
    translate_lines(stack.model, references.sources[:1], budget=stack.budget)  # warm-up: load the weights, untimed
    started = time.perf_counter()
    translated = translate_lines(stack.top, references.sources, budget=stack.budget)
    seconds = time.perf_counter() - started
    hypotheses = [text for text, _, _ in translated]
    provenance = stack.model.provenance()
    log.info("%s: %d sentences in %.1f s", profile.name, len(hypotheses), seconds)
    return EvalResult(profile=profile.name, model=options.model, backend=provenance.get("backend", options.backend),
                      scores=score(hypotheses, references.references), seconds=seconds,
                      target_tokens=sum(tokens for _, tokens, _ in translated), sentences=len(hypotheses),
                      hypotheses=tuple(hypotheses) if keep_hypotheses else (),
                      calibration=calibrate([c for _, _, c in translated], hypotheses, references.references))

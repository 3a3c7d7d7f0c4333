"""``translate review``: aligned pairs of a finished batch in the terminal, flagged ones first;
sentences with a human translation are marked with the reviewer."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from ..errors import UsageError
from ..outputs.manifest import Manifest
from ..record import confidence, flag_reason, flags, is_flagged, label, reviewable, reviewed_by


def _records(out_dir: Path, article: str | None) -> list[dict]:
    manifest = Manifest.load(out_dir)
    done = {k: e for k, e in manifest.files.items() if e.get("status") == "done"}
    if not done:
        raise UsageError(f"{out_dir} holds no finished batch (no manifest.json with done articles)",
                         "pass the --out folder of a `translate batch` run")
    if article:
        done = {k: e for k, e in done.items() if article in (k, Path(k).stem, Path(k).name)}
        if not done:
            raise UsageError(f"no article named {article!r} in {out_dir}",
                             "use a name from manifest.json (with or without its extension)")
    return [json.loads((out_dir / e["outputs"][0]).read_text(encoding="utf-8")) for e in done.values()]


def worst_lines(out_dir: Path, *, count: int, width: int = 100) -> list[str]:
    """The ``count`` least confident machine sentences of the batch, least first, with their
    article, id and confidence: where a reviewer with little time starts."""
    ranked = []
    for record in _records(out_dir, None):
        for paragraph, s in reviewable(record):
            if (score := confidence(s)) is not None:
                ranked.append((score, record["source"]["path"], s["id"], paragraph, s))
    ranked.sort(key=lambda item: (item[0], item[1], item[2]))
    if not ranked:
        return ["no machine sentence of this batch has a confidence (the backend did not give one)"]
    lines = [f"the {min(count, len(ranked))} least confident of {len(ranked)} machine sentence(s) "
             "(model confidence: its geometric-mean token probability, not a guarantee)"]
    for score, article, sid, paragraph, s in ranked[:count]:
        reasons = ", ".join(flags(s))
        lines.append(f"{score:.3f}  {article}  [{sid} {label(paragraph)}]" + (f"  ⚑ {reasons}" if reasons else ""))
        lines += textwrap.wrap(s["source"], width, initial_indent="  ar: ", subsequent_indent="      ")
        lines += textwrap.wrap(s["target"] or "(empty)", width, initial_indent="  en: ", subsequent_indent="      ")
    return lines


def review_lines(out_dir: Path, *, flagged_only: bool = False, article: str | None = None,
                 width: int = 100) -> list[str]:
    lines = []
    for record in _records(out_dir, article):
        pairs = reviewable(record)
        flagged = [(p, s) for p, s in pairs if is_flagged(s)]
        shown = flagged if flagged_only else flagged + [(p, s) for p, s in pairs if not is_flagged(s)]
        title = record.get("title_target") or record.get("title") or ""
        lines.append(f"=== {record['source']['path']}  {title}".rstrip())
        lines.append(f"    {len(flagged)} of {len(pairs)} sentence(s) flagged")
        for paragraph, s in shown:
            reasons = "; ".join(f"{f}: {flag_reason(f)}" for f in flags(s))
            human = f"  ✓ {reviewed_by(s)}" if reviewed_by(s) else ""
            lines.append(f"[{s['id']} {label(paragraph)}]" + (f"  ⚑ {reasons}" if reasons else "") + human)
            lines += textwrap.wrap(s["source"], width, initial_indent="  ar: ", subsequent_indent="      ")
            lines += textwrap.wrap(s["target"] or "(empty)", width, initial_indent="  en: ", subsequent_indent="      ")
        lines.append("")
    return lines

"""Republished stories across an output folder (``stages.duplicates``), at the end of every run:
each finished article's journal entry carries its body's MinHash signature (``story``); the groups
are worked out over every finished article of the folder — this run's and earlier runs' — and
given to the indexes (``same_story``) and to each record (``duplicates_of``), whose JSON is
rewritten only when its group changed."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..outputs.atomic import write_atomic
from ..stages.duplicates import same_stories

log = logging.getLogger("translate")


def group_stories(out: Path, entries: dict[str, dict]) -> dict[str, dict]:
    """``entries`` (the journal's) with ``same_story`` set on every republished article and the
    signatures left out (they are for the journal only); the records updated to match."""
    done = {key: e for key, e in entries.items() if e.get("status") == "done"}
    stories = same_stories({key: e.get("story") or "" for key, e in done.items()})
    shown = {}
    for key, entry in entries.items():
        entry = {k: v for k, v in entry.items() if k != "story"}
        if key in stories:
            entry["same_story"] = stories[key]
        shown[key] = entry
        if key in done:
            _update_record(out, key, done[key], stories.get(key, {}).get("similar", []))
    return shown


def _update_record(out: Path, key: str, entry: dict, similar: list[dict]) -> None:
    name = next((o for o in entry.get("outputs", []) if o.endswith(".json")), None)
    if name is None:
        return
    path = out / name
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.debug("%s: cannot read %s (%s)", key, name, exc)
        return
    if record.get("duplicates_of", []) == similar:
        return
    if similar:
        record["duplicates_of"] = similar
    else:
        record.pop("duplicates_of", None)
    write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1) + "\n")

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
from .journal import Journal

log = logging.getLogger("translate")


def group_stories(out: Path, journal: Journal) -> dict[str, dict]:
    """The journal's entries with ``same_story`` set on every republished article and the signatures
    left out (they are for the journal only). A record whose republications changed is rewritten,
    and its journal entry notes what its JSON now says (``duplicates_of``), so a run reads only the
    records it has to change, not the whole folder."""
    entries = journal.entries()
    done = {key: e for key, e in entries.items() if e.get("status") == "done"}
    stories = same_stories({key: e.get("story") or "" for key, e in done.items()})
    shown = {}
    for key, entry in entries.items():
        entry = {k: v for k, v in entry.items() if k not in ("story", "duplicates_of")}  # the journal's own
        if key in stories:
            entry["same_story"] = stories[key]
        shown[key] = entry
        similar = stories.get(key, {}).get("similar", [])
        if key in done and done[key].get("duplicates_of", []) != similar and _update_record(out, key, done[key],
                                                                                            similar):
            journal.record(key, {**done[key], "duplicates_of": similar})
    return shown


def _update_record(out: Path, key: str, entry: dict, similar: list[dict]) -> bool:
    """Set the record's ``duplicates_of``; False when it cannot be read."""
    name = next((o for o in entry.get("outputs", []) if o.endswith(".json")), None)
    if name is None:
        return False
    path = out / name
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.debug("%s: cannot read %s (%s)", key, name, exc)
        return False
    if record.get("duplicates_of", []) == similar:
        return True
    if similar:
        record["duplicates_of"] = similar
    else:
        record.pop("duplicates_of", None)
    write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    return True

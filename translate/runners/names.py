"""Output names: every input gets its own, writable output name, decided before the run, the same
way on every run (a re-run finds its earlier outputs). Nothing an input writes can overwrite the
run's own files or another input's outputs.

* The output stem is the input's path without its extension (``news/a.txt`` -> ``news/a``);
  when two inputs would share it (``a.txt`` and ``a.md``) both keep their extension (``a.txt``).
* A stem still shared — also when names differ only in case, which case-insensitive file systems
  (macOS, Windows) take as one — or one that names the run's own files (``manifest``, ``index``,
  ``journal``…) gets ``~2``, ``~3``… in input order, with a warning; the name is recorded in the
  manifest's ``outputs``.
* A name the file system allows but that cannot be written back — not valid UTF-8 (it could not be
  written into the JSON record and indexes), or too long once an extension and the temporary
  file's affixes are added — gets a safe derived stem: its readable part, cut, and a short hash of
  the original name. The manifest key and the record's ``source.path`` show undecodable bytes as
  ``\\xNN`` escapes.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..outputs import FORMATS, RECORD

log = logging.getLogger("translate")
# the run's own files at the top of the output folder (the views of an input named index.txt or
# manifest.md would overwrite them)
RESERVED_STEMS = frozenset({"manifest", "index", "journal", "translation-memory", ".translate"})
NAME_MAX = 255  # bytes of one file name, on every common file system
_LONGEST_EXTENSION = max(len(e) for e in (RECORD.extension, *FORMATS)) + 1
_TEMPORARY_AFFIXES = 1 + 1 + 12 + 4  # outputs.atomic: ".{name}.{hex}.tmp" (it cuts the name to 40)


@dataclass(frozen=True)
class OutputName:
    key: str  # the article's key in the journal and manifest (its path under the input, shown safely)
    stem: Path  # where its outputs go, without the extension
    renamed: str | None = None  # why the stem is not the plain one


def shown(rel: PurePosixPath | Path) -> str:
    """A relative path as text that UTF-8 can carry: undecodable bytes as ``\\xNN``."""
    raw = os.fsencode(str(PurePosixPath(rel)))
    return raw.decode("utf-8", "backslashreplace")


def _writable(part: str) -> bool:
    try:
        encoded = part.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes (kept by Python as surrogates)
        return False
    return len(encoded) + _LONGEST_EXTENSION <= NAME_MAX


def _derived(part: str, original: PurePosixPath) -> str:
    """A name that can be written back for one that cannot: its readable part, cut, and a short
    hash of the original path (so two such names never meet)."""
    digest = hashlib.sha256(os.fsencode(str(original))).hexdigest()[:10]
    readable = part.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\ufffd", "_")
    budget = NAME_MAX - _LONGEST_EXTENSION - len(digest) - 1
    return readable.encode("utf-8")[:budget].decode("utf-8", "ignore") + "~" + digest


def _clashes(stem: PurePosixPath, taken: set[str]) -> bool:
    return str(stem).casefold() in taken or (len(stem.parts) == 1 and stem.name.casefold() in RESERVED_STEMS)


def output_names(files: list[Path], root: Path) -> dict[Path, OutputName]:
    """The key and output stem of every input (``files`` under ``root``, in input order)."""
    rels = {f: PurePosixPath((f.relative_to(root) if f != root else Path(f.name)).as_posix()) for f in files}
    counts: dict[str, int] = {}
    for rel in rels.values():
        counts[str(rel.with_suffix("")).casefold()] = counts.get(str(rel.with_suffix("")).casefold(), 0) + 1
    taken: set[str] = set()
    names: dict[Path, OutputName] = {}
    for f, rel in rels.items():
        stem = rel.with_suffix("") if counts[str(rel.with_suffix("")).casefold()] == 1 else rel
        why = None
        if not all(_writable(part) for part in stem.parts):
            stem = PurePosixPath(*(part if _writable(part) else _derived(part, rel) for part in stem.parts))
            why = "its name is not valid UTF-8 or too long to write outputs under"
        base, number = stem, 1
        while _clashes(stem, taken):
            why = why or (f"{base} names the run's own files" if _clashes(base, set())
                          else f"another input already writes {base}.*")
            number += 1
            stem = base.with_name(f"{base.name}~{number}")
        taken.add(str(stem).casefold())
        names[f] = OutputName(shown(rel), Path(stem), why)
        if why:
            log.warning("%s: outputs written as %s.* (%s)", shown(rel), stem, why)
    return names

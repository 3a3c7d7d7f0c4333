"""``translate review import FILE... --out OUT``: reviewers' corrections into the translation memory
as human translations, which win over the model on every later run.

Every file is parsed and matched to the batch in OUT before anything is stored, so a malformed file
changes nothing. Each correction is matched to its article's JSON record (article path + sentence
id) and then:

* *stale* when the sentence is gone or its Arabic no longer matches the current article (listed,
  not applied);
* *unchanged* when its English is the sentence's current translation (the human one if there is
  one, else the machine one in the record) — so importing a file twice changes nothing;
* *skipped* (listed with the reason) when an XLIFF unit is not in a translated/final/signed-off
  state, the English is empty, or an XLIFF/TMX/TSV unit carries a translation this sentence had
  before its current correction (an export older than the correction);
* else *applied*: stored keyed by the normalized Arabic (``record.human_key``), so it applies to
  that sentence in every article, whatever the model settings. Each file is one transaction; a
  sentence corrected again keeps the earlier correction in the memory's history.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..errors import CorrectionsFileError, UsageError
from ..memory import MEMORY_FILE, TranslationMemory
from ..outputs.manifest import Manifest
from ..record import Human, human_key
from ..text.normalize import strip_markdown
from .formats import XLIFF_DONE_STATES, Correction, CorrectionsFile, read_corrections

log = logging.getLogger("translate")


@dataclass(frozen=True)
class Outcome:
    file: str
    article: str
    id: str
    reason: str = ""  # stale, skipped: why it was not applied
    before: str = ""  # applied: the translation it replaces
    after: str = ""  # applied: the human translation


@dataclass(frozen=True)
class ImportReport:
    applied: tuple[Outcome, ...] = ()
    unchanged: int = 0
    stale: tuple[Outcome, ...] = ()
    skipped: tuple[Outcome, ...] = ()
    articles: tuple[str, ...] = ()  # articles holding a newly corrected sentence: redo them at the next batch


def clean(text: str) -> str:
    """A translation as stored and compared: whitespace runs collapsed, no outer whitespace."""
    return " ".join(text.split())


class Batch:
    """The finished articles of an output folder: their JSON records by manifest key."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.records: dict[str, dict] = {}
        self.outputs: dict[str, list[str]] = {}
        for key, entry in Manifest.load(out).files.items():
            name = next((o for o in entry.get("outputs", []) if o.endswith(".json")), None)
            if entry.get("status") != "done" or name is None:
                continue
            try:
                self.records[key] = json.loads((out / name).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.warning("%s: cannot read %s (%s); its corrections will be listed as skipped", key, name, exc)
                continue
            self.outputs[key] = entry.get("outputs", [])
        if not self.records:
            raise UsageError(f"{out} holds no finished batch (no manifest.json with done articles)",
                             "pass the --out folder of a `translate batch` run")
        self.sentences = {key: {s["id"]: s for p in r["paragraphs"] for s in p["sentences"]}
                          for key, r in self.records.items()}

    def containing(self, keys: set[str]) -> tuple[str, ...]:
        """The articles with a sentence whose ``human_key`` is in ``keys``."""
        return tuple(sorted(article for article, sentences in self.sentences.items()
                            if any(human_key(s["source"]) in keys for s in sentences.values())))


def _tsv_article(cf: CorrectionsFile, batch: Batch) -> str:
    """The article a TSV view belongs to: by its path in OUT, its file name, or its sentences."""
    path = cf.path.resolve()
    for article, outputs in batch.outputs.items():
        if any((batch.out / o).resolve() == path for o in outputs):
            return article
    named = [a for a, outputs in batch.outputs.items() if any(Path(o).name == cf.path.name for o in outputs)]
    if len(named) == 1:
        return named[0]
    pairs = {(c.id, human_key(c.source)) for c in cf.corrections}
    same = [a for a, sentences in batch.sentences.items()
            if pairs == {(sid, human_key(s["source"])) for sid, s in sentences.items()}]
    if len(same) == 1:
        return same[0]
    raise CorrectionsFileError(cf.path, f"cannot tell which article of {batch.out} this TSV view belongs to",
                               "import it under the name the batch gave it (<name>.tsv), or from the output folder")


def _resolve(cf: CorrectionsFile, batch: Batch) -> tuple[Correction, ...]:
    if cf.format == "tsv":
        if not cf.corrections:
            return ()
        article = _tsv_article(cf, batch)
        return tuple(Correction(article, c.id, c.source, c.target, c.state, c.explicit) for c in cf.corrections)
    named = {c.article for c in cf.corrections}
    if named and not named & batch.records.keys():
        raise CorrectionsFileError(cf.path, f"names no article of {batch.out} ({', '.join(sorted(named)[:3])})",
                                   "pass the --out folder of the batch that produced it")
    return cf.corrections


@dataclass
class _FileResult:
    entries: list[tuple[str, Human]] = field(default_factory=list)
    applied: list[Outcome] = field(default_factory=list)
    unchanged: int = 0
    stale: list[Outcome] = field(default_factory=list)
    skipped: list[Outcome] = field(default_factory=list)


def _earlier(memory: TranslationMemory, key: str, current: Human) -> set[str]:
    """Translations a sentence had before its current human one."""
    texts = {current.replaced or ""}
    for old in memory.human_history(key):
        texts |= {old.text, old.replaced or ""}
    return {clean(t) for t in texts if t}


def _decide(cf: CorrectionsFile, corrections: Sequence[Correction], batch: Batch, memory: TranslationMemory, *,
            reviewer: str | None, now: str, max_characters: int) -> _FileResult:
    result = _FileResult()
    name = str(cf.path)
    pending: dict[str, Human] = {}
    for article, sid, reason in cf.skipped:
        result.skipped.append(Outcome(name, article, sid, reason))
    for c in corrections:
        sentence = batch.sentences.get(c.article or "", {}).get(c.id)
        if c.article not in batch.sentences:
            result.skipped.append(Outcome(name, c.article or "", c.id, f"no article {c.article} in {batch.out}"))
            continue
        if sentence is None:
            result.stale.append(Outcome(name, c.article, c.id, "no such sentence in the current article"))
            continue
        key = human_key(sentence["source"])
        if human_key(strip_markdown(c.source)) != human_key(strip_markdown(sentence["source"])):  # the page shows
            # a Markdown article's Arabic without its emphasis markers
            result.stale.append(Outcome(name, c.article, c.id, "the Arabic no longer matches the current article text"))
            continue
        new = clean(c.target)
        current = pending.get(key) or memory.human_lookup([key]).get(key)
        before = current.text if current else sentence.get("target", "")
        reason = ""
        if new == clean(before):
            result.unchanged += 1
            continue
        if max_characters and len(new) > max_characters:
            reason = (f"{len(new):,} characters, more than review.max_correction_characters ({max_characters:,}) in "
                      "models.yaml: split the text or raise the limit")
        elif c.state is not None and c.state not in XLIFF_DONE_STATES:
            reason = f"state {c.state!r}: set the unit to translated, final or signed-off to import it"
        elif not new:
            reason = "empty translation"
        elif current and not c.explicit and new in _earlier(memory, key, current):
            reason = "a translation this sentence had before its current correction (the file is older)"
        if reason:
            result.skipped.append(Outcome(name, c.article, c.id, reason))
            continue
        human = Human(new, reviewer, now, str(cf.path.resolve()), sentence["source"], before)
        pending[key] = human
        result.entries.append((key, human))
        result.applied.append(Outcome(name, c.article, c.id, before=before, after=new))
    return result


def review_import(files: Sequence[Path], *, out: Path, memory_path: Path | None = None,
                  reviewer: str | None = None, max_characters: int = 10_000) -> ImportReport:
    """``translate review import``: ``import_corrections`` under the output folder's lock, the
    articles holding a corrected sentence marked in the run journal (the next batch redoes them)
    before the corrections are committed to the memory, so a crash between the two never strands
    a correction. ``memory_path``: default OUT/translation-memory.sqlite."""
    from ..runners.journal import Journal
    from ..runners.lock import folder_lock

    with folder_lock(out):
        journal = Journal(out)
        try:
            return import_corrections(files, out=out, memory_path=memory_path or out / MEMORY_FILE, reviewer=reviewer,
                                      before_commit=journal.mark_changed, max_characters=max_characters)
        finally:
            journal.close()


def import_corrections(files: Sequence[Path], *, out: Path, memory_path: Path, reviewer: str | None = None,
                       before_commit: Callable[[Iterable[str]], object] | None = None,
                       max_characters: int = 10_000) -> ImportReport:
    """Import corrections files into the translation memory at ``memory_path`` as human
    translations, matched against the batch in ``out``. ``reviewer`` overrides a name in the files.
    ``before_commit``: called with the articles a file's corrections touch, before they are stored.
    ``max_characters``: a longer correction of one sentence is skipped (0: no limit)."""
    parsed = [read_corrections(Path(f)) for f in files]
    batch = Batch(out)
    resolved = [(cf, _resolve(cf, batch)) for cf in parsed]
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    applied: list[Outcome] = []
    stale: list[Outcome] = []
    skipped: list[Outcome] = []
    unchanged = 0
    keys: set[str] = set()
    memory = TranslationMemory(memory_path)
    try:
        for cf, corrections in resolved:
            result = _decide(cf, corrections, batch, memory, reviewer=reviewer or cf.reviewer, now=now,
                             max_characters=max_characters)
            if before_commit is not None and result.entries:
                before_commit(batch.containing({key for key, _ in result.entries}))
            memory.store_human(result.entries)  # one transaction per file
            applied += result.applied
            stale += result.stale
            skipped += result.skipped
            unchanged += result.unchanged
            keys |= {key for key, _ in result.entries}
    finally:
        memory.close()
    return ImportReport(tuple(applied), unchanged, tuple(stale), tuple(skipped), batch.containing(keys))


def _short(text: str, limit: int = 200) -> str:
    """A text as the terminal shows it: at most ``limit`` characters."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def render_import(report: ImportReport) -> str:
    """The import report for the terminal."""
    lines = [f"{len(report.applied)} correction(s) applied, {report.unchanged} unchanged, "
             f"{len(report.stale)} stale, {len(report.skipped)} skipped"]
    for o in report.applied:
        lines.append(f"  applied  {o.article} {o.id}: {_short(o.before)!r} -> {_short(o.after)!r}")
    for label, outcomes in (("stale", report.stale), ("skipped", report.skipped)):
        lines += [f"  {label:<8} {o.article or '?'} {o.id}: {o.reason} ({o.file})" for o in outcomes]
    if report.articles:
        lines.append(f"the next `translate batch` redoes {len(report.articles)} article(s): "
                     f"{', '.join(report.articles)}")
    return "\n".join(lines) + "\n"

"""The article work every engine runs, wherever it runs: an article prepared (read, segmented,
planned), and a window of prepared articles processed — translated together (length-sorted across
articles), summarized together (every round of every article's summary in one call), each built
into its record and written with its views. A failure costs only its own article(s).

What happens to the results is the caller's: finished and failed articles go to a ``Sink`` (the
run core's journal and report locally; events carried back to the driver on a Ray replica), and the
new translations to ``RunModels.on_outputs`` (the translation memory, as they arrive)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Protocol, Sequence

from ..backends.base import Backend, Output
from ..backends.stack import Loader, Stack, Store, build_stack
from ..config import Profile
from ..errors import InputError, UsageError
from ..outputs import render_views
from ..outputs.atomic import write_atomic, write_atomic_bytes
from ..outputs.escape import display_name
from ..record import Human, review_counts
from ..stages.align import assemble
from ..stages.article import Prepared, build_record, plan_summary, prepare
from ..stages.duplicates import story_signature
from ..stages.flags import Glossary
from ..stages.summarize import Summary, run_plans
from .plan import Window, now

log = logging.getLogger("translate")


class Sink(Protocol):
    """Where an article's outcome goes."""

    def failed(self, key: str, code: str, reason: str, hint: str) -> None: ...

    def done(self, key: str, entry: dict) -> None: ...


@dataclass(frozen=True)
class Job:
    """What every article of a run is processed with (the same on every machine of a run)."""

    profile: Profile
    out: Path
    input: Path
    fingerprint: str
    glossary: Glossary | None
    debug: bool = False


class RunModels:
    """The backend stacks of a run, each built on first use: a run with nothing to do loads nothing,
    and the weights load only when a segment is not in the translation memory."""

    def __init__(self, profile: Profile, *, loader: Loader | None = None,
                 on_batch: Callable[[int], None] | None = None) -> None:
        self.profile = profile
        self.loader = loader
        self.on_batch = on_batch
        self.on_outputs: Store | None = None  # handed every new translation the moment the model has it
        self.on_summary: Callable[[str, int], None] | None = None  # ("start" / "done", articles): progress
        self._translator: Stack | None = None
        self._summarizer: Stack | None = None

    def _progress(self, n: int) -> None:
        if self.on_batch:
            self.on_batch(n)

    @property
    def translator(self) -> Stack:
        if self._translator is None:
            self._translator = build_stack(self.profile.translation, role="translation", loader=self.loader,
                                           cache=True, on_batch=self._progress, store=self._store)
        return self._translator

    def _store(self, pairs: Sequence[tuple[str, Output]]) -> None:
        if self.on_outputs:
            self.on_outputs(pairs)

    def summarizer(self) -> Stack:
        if self._summarizer is None:
            self._summarizer = build_stack(self.profile.summary, role="summary", loader=self.loader)
        return self._summarizer

    def check(self) -> None:
        """Find and inspect the models the run needs (tokenizer, config, family: no weights), so a
        model that is missing or refused stops the run before any article is read."""
        _ = self.translator  # the property builds the stack
        if self.profile.summary.method == "abstractive":
            self.summarizer()

    @property
    def translation_calls(self) -> int:
        return self._translator.calls if self._translator else 0


def guarded(keys: list[str], action: Callable[[], object], *, sink: Sink, debug: bool) -> object:
    """Run ``action``; any error but a run-stopping one (``UsageError``: configuration, model, output
    folder; an interrupt) fails ``keys`` only, and the batch goes on. None when it failed."""
    try:
        return action()
    except UsageError:
        raise
    except InputError as exc:
        for key in keys:
            sink.failed(key, exc.code, exc.reason, exc.hint)
    except Exception as exc:  # noqa: BLE001 - contained per article, as promised by the exit codes
        if debug:
            raise
        log.debug("unexpected error", exc_info=True)
        for key in keys:
            sink.failed(key, "internal", f"internal error while processing ({type(exc).__name__}: {exc})",
                        "run again with --debug for a traceback, and report it")
    return None


def prepare_article(job: Job, path: Path, key: str, *, counter: Backend, budget: int,
                    human_lookup: Callable[[list[str]], Mapping[str, Human]] | None,
                    suggest: Callable[[str], list[dict]] | None = None) -> Prepared:
    """Read, segment and plan one article for the translation model (``counter`` counts its tokens);
    ``human_lookup`` and ``suggest``: the reviewed translations of its sentences and of similar ones."""
    return prepare(path, key=key, translator=counter, budget=budget, explicit=path == job.input,
                   max_characters=job.profile.input.max_characters,
                   min_arabic_letters=job.profile.input.min_arabic_letters, human_lookup=human_lookup, suggest=suggest,
                   patterns=job.profile.input.patterns())


def inputs_of(window: Window) -> list[str]:
    """The distinct model inputs of a window, in order."""
    return list(dict.fromkeys(text for prepared, _ in window for text in prepared.inputs))


def process_window(window: Window, *, job: Job, models: RunModels, sink: Sink, known: Mapping[str, Output]) -> None:
    """Translate what ``known`` (the translation memory's answers) lacks (``models.on_outputs`` is
    handed the new translations as they come), summarize the window's articles together, then build
    and write each one."""
    if not window:
        return
    inputs = inputs_of(window)
    missing = [text for text in inputs if text not in known]
    asked = set(missing)
    context = {text: c for prepared, _ in window for text, c in prepared.contexts.items() if text in asked}
    started = time.perf_counter()
    translated = guarded([p.key for p, _ in window], lambda: models.translator.top.translate(missing, context=context),
                         sink=sink, debug=job.debug)
    if translated is None:
        return
    outputs = {**known, **dict(zip(missing, translated))}
    elapsed = time.perf_counter() - started
    assembled = []
    for prepared, stem in window:
        prepared.timings["translate_s"] = elapsed * len(prepared.inputs) / max(len(inputs), 1)  # shared by segments
        failed = next((seg for seg in prepared.segments if seg.model_input and outputs[seg.model_input].error), None)
        if failed is not None:
            sink.failed(prepared.key, "model", f"the translation model failed on segment p{failed.block + 1}."
                        f"s{failed.sentence + 1} ({outputs[failed.model_input].error})",
                        "the other articles are done; run again with --debug for details, or try another backend "
                        "or model for this article")
            continue
        found = guarded([prepared.key], lambda: _assemble(job, models, prepared, outputs), sink=sink, debug=job.debug)
        if found is not None:
            assembled.append((prepared, stem, *found))
    summaries = _summarize(job, models, sink, [(prepared, plan) for prepared, _, _, plan in assembled])
    for (prepared, stem, paragraphs, _), summary in zip(assembled, summaries):
        if isinstance(summary, Exception):
            guarded([prepared.key], lambda: _raise(summary), sink=sink, debug=job.debug)
        elif summary is not None:  # None: the whole summary call failed, already recorded
            guarded([prepared.key], lambda: _write(job, models, sink, prepared, stem, outputs, paragraphs, summary),
                    sink=sink, debug=job.debug)


def _review_entry(record: dict) -> dict:
    """What the indexes and ``review status`` show of an article's review: to do, unsure, confidence;
    and its story's signature (``runners.stories``)."""
    counts = review_counts(record)
    return {"to_review": counts["to_review"], "low_confidence": counts["low_confidence"],
            "confidence_min": record["confidence"]["min"], "story": story_signature(record)}


def _raise(exc: Exception) -> None:
    raise exc


def _assemble(job: Job, models: RunModels, prepared: Prepared, outputs: Mapping[str, Output]) -> tuple[list, object]:
    started = time.perf_counter()
    paragraphs = assemble(prepared.doc, prepared.segments, outputs, glossary=job.glossary, human=prepared.human,
                          low_confidence=job.profile.translation.low_confidence,
                          suggest=lambda text: prepared.suggestions.get(text, []))
    plan = plan_summary(prepared.doc, paragraphs, job.profile, models.summarizer)
    prepared.timings["finish_s"] = time.perf_counter() - started
    return paragraphs, plan


def _summarize(job: Job, models: RunModels, sink: Sink, planned: list[tuple[Prepared, object]]) -> list[object]:
    """Each article's summary (or the exception that failed it); abstractive plans run together."""
    results: list[object] = [plan for _, plan in planned]
    waiting = [i for i, (_, plan) in enumerate(planned) if not isinstance(plan, Summary)]
    if not waiting:
        return results
    started = time.perf_counter()
    if models.on_summary:
        models.on_summary("start", len(waiting))
    done = guarded([planned[i][0].key for i in waiting],
                   lambda: run_plans([planned[i][1] for i in waiting], models.summarizer().top), sink=sink,
                   debug=job.debug)
    if models.on_summary:
        models.on_summary("done", len(waiting))
    for i, summary in zip(waiting, done or [None] * len(waiting)):
        results[i] = summary
        planned[i][0].timings["summary_s"] = (time.perf_counter() - started) / len(waiting)
    return results


def _write(job: Job, models: RunModels, sink: Sink, prepared: Prepared, stem: Path, outputs: Mapping[str, Output],
           paragraphs: list[dict], summary: Summary) -> None:
    """Build the article's record, write it and its views, and hand its journal entry to ``sink``."""
    record, stats = build_record(prepared, outputs, paragraphs, summary, profile=job.profile,
                                 translator=models.translator.model, summarizer=models.summarizer,
                                 glossary=job.glossary, settings_hash=job.fingerprint)
    if record["summary"].get("fallback_from"):
        log.warning("%s: the abstractive summary did not shrink (%s); the extractive summary is used",
                    display_name(prepared.key), record["summary"].get("reason"))
    names = []
    for extension, content in render_views(record, job.profile.output.formats):
        name = (stem.parent / f"{stem.name}.{extension}").as_posix()
        if isinstance(content, bytes):  # a binary view (a word-processor document, say)
            write_atomic_bytes(job.out / name, content)
        else:
            write_atomic(job.out / name, content)
        names.append(name)
    stats["timings"]["total_s"] = round(sum(stats["timings"].values()), 3)
    sink.done(prepared.key, {
        "status": "done", "sha256": record["source"]["sha256"], "settings_hash": job.fingerprint, "outputs": names,
        "title": record["title"], "title_target": record["title_target"], "date": record["date"],
        "summary": record["summary"]["text"], "flagged": stats["counts"]["flagged_sentences"], **_review_entry(record),
        **stats, "finished": now(),
    })

"""What runs on the Ray workers of ``--engine ray`` (driven by ``runners.ray``): reading and
segmenting articles (``prepare_rows``, a Ray Data task), and ``ModelWorker``, one model replica
that translates, summarizes and writes whole windows of articles with the local engine's own
window code (``local.translate_window``). Imported by a Ray run only, never by ``import translate``.

Nothing here touches the run journal or the translation memory: the driver sends each window the
memory's answers for its segments and gets back the new translations, the journal entries, the
progress and the log lines, which it records and replays in order, so a Ray run reads like a local one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
import pickle
import traceback
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

from ..backends.base import Output
from ..memory import MemoryBackend
from ..stages.article import Prepared, prepare
from .common import BatchReport, Models, RunOptions
from .local import RunState, translate_window

log = logging.getLogger("translate")


class _Keep(logging.Handler):
    def __init__(self, events: list, level: int) -> None:
        super().__init__(level)
        self.events = events
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.events.append(("log", record.levelno, self.format(record)))
        except Exception:  # noqa: BLE001 - as logging's own handlers: a bad record never stops the work
            self.handleError(record)


@contextlib.contextmanager
def captured_logs(events: list, level: int) -> Iterator[list]:
    """The package's log records while the block runs, appended to ``events`` as ("log", level,
    text) instead of printed on the worker; the driver logs them again (``replay``)."""
    logger = logging.getLogger("translate")
    handler = _Keep(events, level)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    try:
        yield events
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _pickles(value: object) -> bool:
    try:
        pickle.dumps(value)
    except Exception:  # noqa: BLE001 - anything that cannot be pickled is left behind
        return False
    return True


@dataclasses.dataclass(frozen=True)
class RemoteError:
    """An exception raised on a worker, carried to the driver: the exception itself when it
    survives pickling (``OutputError``'s keyword-only constructor does not), else its class (by
    name), arguments and attributes; plus the worker's traceback for ``--debug``."""

    exception: BaseException | None
    module: str
    name: str
    args: tuple
    state: dict
    text: str
    trace: str

    @classmethod
    def of(cls, exc: BaseException) -> "RemoteError":
        try:
            carried = pickle.loads(pickle.dumps(exc))
        except Exception:  # noqa: BLE001 - rebuilt from its parts below
            carried = None
        state = {k: v for k, v in vars(exc).items() if _pickles(v)}
        args = exc.args if _pickles(exc.args) else (str(exc),)
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(carried, type(exc).__module__, type(exc).__qualname__, args, state, str(exc), trace)

    def rebuild(self) -> BaseException:
        log.debug("raised on a Ray worker:\n%s", self.trace)
        if self.exception is not None:
            return self.exception
        try:
            klass = getattr(importlib.import_module(self.module), self.name)
            exc = klass.__new__(klass)
            exc.args = self.args
            exc.__dict__.update(self.state)
        except (ImportError, AttributeError, TypeError):
            exc = type(self.name, (Exception,), {})(self.text)
        return exc


@dataclasses.dataclass
class Prepped:
    """One article out of ``prepare_rows``: prepared, or the error that failed it, and its log."""

    key: str
    prepared: Prepared | None
    error: RemoteError | None
    events: list


_COUNTERS: dict[str, object] = {}  # per worker process: the translation model's tokenizer, loaded once


def token_counter(options, loader: Callable) -> object:
    """The translation model's token counting (tokenizer and config only: no weights, no GPU), built
    once per worker process. CTranslate2 and Transformers count with the same tokenizer."""
    key = repr(options)
    if key not in _COUNTERS:
        light = dataclasses.replace(options, device="cpu")
        if options.backend in ("auto", "ctranslate2") and getattr(options, "llm", None) is None:
            light = dataclasses.replace(light, backend="transformers")  # loads its weights only when used
        with captured_logs([], logging.CRITICAL):  # the replicas' check already said it
            _COUNTERS[key] = loader(light, role="translation")
    return _COUNTERS[key]


def prepare_rows(batch: Mapping[str, Sequence], *, profile, input_path: str, human: Mapping, loader: Callable,
                 level: int) -> dict:
    """Ray Data ``map_batches`` function: read, segment and plan each article of ``batch`` (columns
    ``path`` and ``key``) exactly as the local engine does; one pickled ``Prepped`` per article."""
    import numpy as np

    lookup = (lambda keys: {k: human[k] for k in keys if k in human})
    payloads = []
    for path, key in zip(batch["path"], batch["key"]):
        path, key, events = Path(str(path)), str(key), []
        with captured_logs(events, level):
            try:
                counter = token_counter(profile.translation, loader)
                budget = min(profile.translation.max_input_tokens, counter.max_input_tokens)
                prepared = prepare(path, key=key, translator=counter, budget=budget, explicit=path == Path(input_path),
                                   max_characters=profile.input.max_characters, human_lookup=lookup)
                item = Prepped(key, prepared, None, events)
            except Exception as exc:  # noqa: BLE001 - the driver decides, as the local engine's guard does
                item = Prepped(key, None, RemoteError.of(exc), events)
        payloads.append(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
    return {"payload": np.array(payloads, dtype=object)}


class _WindowMemory:
    """The translation memory as a replica sees it: the driver's answers for the window's segments,
    and the new translations to hand back (the driver stores them)."""

    def __init__(self) -> None:
        self.known: dict[str, Output] = {}
        self.fresh: list[tuple[str, Output]] = []

    def reset(self, known: Mapping[str, Output]) -> None:
        self.known, self.fresh = dict(known), []

    def lookup(self, settings: str, sources: Sequence[str]) -> dict[str, Output]:
        return {s: self.known[s] for s in sources if s in self.known}

    def store(self, settings: str, pairs: Sequence[tuple[str, Output]]) -> None:
        self.fresh.extend(pairs)
        self.known.update(pairs)

    def close(self) -> None:
        pass


class _ReplicaModels(Models):
    """The local engine's backend stack, with the SQLite translation memory replaced by the
    driver's answers for the current window (``_WindowMemory``)."""

    def __init__(self, profile, *, machine_memory: bool, loader: Callable) -> None:
        super().__init__(profile, memory_path=Path("translation-memory-on-the-driver"), machine_memory=machine_memory,
                         loader=loader)
        self.window_memory = _WindowMemory()
        self.batched = 0
        self.on_batch = self._count

    def _count(self, n: int) -> None:
        self.batched += n

    def open_memory(self):
        return self.window_memory

    def human_lookup(self, keys: list[str]) -> dict:
        return {}  # applied when the article was prepared


class _Recorder:
    """The journal and progress of a replica: what the window code records, kept in order for the driver."""

    def __init__(self, events: list) -> None:
        self.events = events

    def record(self, key: str, entry: dict) -> None:
        self.events.append(("record", key, entry))

    def finished(self, name: str, status: str) -> None:
        self.events.append(("finished", name, status))

    def start(self, total_articles: int) -> None:
        pass

    def article(self, name: str, segments: int) -> None:
        pass

    def segments_done(self, n: int) -> None:
        pass


def with_threads(profile, cpus: int):
    """``threads: 0`` (all cores) means the replica's share of cores here, not the whole node's."""
    translation, summary = profile.translation, profile.summary
    if not translation.threads:
        translation = dataclasses.replace(translation, threads=cpus)
    if not summary.threads:
        summary = dataclasses.replace(summary, threads=cpus)
    return dataclasses.replace(profile, translation=translation, summary=summary)


class ModelWorker:
    """One model replica (a Ray actor: ``ray.remote(...)(ModelWorker)``): the translation model and
    the summarizer, each loaded once, on first use, and the local engine's window code."""

    def __init__(self, *, profile, run: RunOptions, fingerprint: str, glossary, loader: Callable, cpus: int,
                 level: int) -> None:
        self.profile = with_threads(profile, cpus)
        self.run = run
        self.fingerprint = fingerprint
        self.glossary = glossary
        self.level = level
        self.models = _ReplicaModels(self.profile, machine_memory=run.memory, loader=loader)

    def check(self) -> dict:
        """``Models.check`` here (a model that cannot be used stops the run before any article is
        read), and the translation memory's key for this model and its settings."""
        events: list = []
        key, error = None, None
        with captured_logs(events, self.level):
            try:
                self.models.check()
                key = MemoryBackend(self.models.translator, None).settings_key
            except Exception as exc:  # noqa: BLE001 - raised again on the driver
                error = RemoteError.of(exc)
        return {"events": events, "memory_key": key, "error": error}

    def window(self, window: list[tuple[Prepared, Path]], known: Mapping[str, Output]) -> dict:
        """Translate, summarize and write one window of articles (``local.translate_window``);
        ``known``: the translation memory's answers for its segments."""
        models = self.models
        models.window_memory.reset(known)
        calls, hits, models.batched = models.model_calls, models.memory_hits, 0
        events: list = []
        recorder = _Recorder(events)
        report = BatchReport()
        state = RunState(self.profile, self.run, models, recorder, recorder, report, self.fingerprint, self.glossary)
        error = None
        with captured_logs(events, self.level):
            try:
                translate_window(state, window)
            except Exception as exc:  # noqa: BLE001 - a run-stopping error: raised again on the driver
                error = RemoteError.of(exc)
        return {"events": events, "done": report.done, "failed": report.failed, "error": error,
                "fresh": models.window_memory.fresh, "calls": models.model_calls - calls,
                "hits": models.memory_hits - hits, "segments": models.batched}

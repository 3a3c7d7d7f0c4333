"""What runs on the Ray workers of ``--engine ray`` (driven by ``runners.ray``): reading and
segmenting articles (``prepare_rows``, a Ray Data task), and ``ModelWorker``, one model replica
that processes whole windows of articles with the engine-neutral window code
(``window.process_window``). Imported by a Ray run only, never by ``import translate``.

Nothing here touches the run journal or the translation memory: the driver sends each window the
memory's answers for its segments and gets back the new translations, what each article became
and the log lines, which it records and replays in order, so a Ray run reads like a local one.
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

from ..backends.base import Backend, Output
from ..backends.stack import counting_backend, input_budget
from ..stages.article import Prepared
from ..stages.suggest import SuggestionIndex
from .plan import Window
from .window import Job, RunModels, prepare_article, process_window

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
class PrepareResult:
    """One article out of ``prepare_rows``: prepared, or the error that failed it, and its log."""

    key: str
    prepared: Prepared | None
    error: RemoteError | None
    events: list


_COUNTERS: dict[str, Backend] = {}  # per worker process: the translation model's tokenizer, loaded once


def token_counter(options, loader: Callable | None) -> Backend:
    """``stack.counting_backend`` built once per worker process."""
    key = repr(options)
    if key not in _COUNTERS:
        with captured_logs([], logging.CRITICAL):  # the replicas' check already said it
            _COUNTERS[key] = counting_backend(options, loader=loader)
    return _COUNTERS[key]


_INDEXES: dict[str, SuggestionIndex] = {}  # per worker process: the run's reviewed translations, indexed once


def suggestion_index(human: Mapping, version: str) -> SuggestionIndex:
    """The index of ``human``, built once per worker process for each ``version`` (the driver's
    fingerprint of the mapping: no per-task hashing of every key)."""
    if version not in _INDEXES:
        _INDEXES.clear()
        _INDEXES[version] = SuggestionIndex(human)
    return _INDEXES[version]


def prepare_rows(batch: Mapping[str, Sequence], *, job: Job, human: Mapping, human_version: str,
                 loader: Callable | None, level: int) -> dict:
    """Ray Data ``map_batches`` function: read, segment and plan each article of ``batch`` (columns
    ``path`` and ``key``) exactly as the local engine does; one pickled ``PrepareResult`` per article.
    ``human``: every reviewed translation, ``human_version`` its fingerprint."""
    import numpy as np

    index = suggestion_index(human, human_version)
    payloads = []
    for path, key in zip(batch["path"], batch["key"]):
        path, key, events = Path(str(path)), str(key), []
        with captured_logs(events, level):
            try:
                counter = token_counter(job.profile.translation, loader)
                prepared = prepare_article(job, path, key, counter=counter,
                                           budget=input_budget(job.profile.translation, counter),
                                           human_lookup=lambda keys: {k: human[k] for k in keys if k in human},
                                           suggest=index.suggest if len(index) else None)
                item = PrepareResult(key, prepared, None, events)
            except Exception as exc:  # noqa: BLE001 - the driver decides, as the local engine's guard does
                item = PrepareResult(key, None, RemoteError.of(exc), events)
        payloads.append(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
    return {"payload": np.array(payloads, dtype=object)}


class EventSink:
    """A replica's ``window.Sink``: what its articles became, kept in order for the driver."""

    def __init__(self, events: list) -> None:
        self.events = events

    def failed(self, key: str, code: str, reason: str, hint: str) -> None:
        self.events.append(("failed", key, code, reason, hint))

    def done(self, key: str, entry: dict) -> None:
        self.events.append(("done", key, entry))


@dataclasses.dataclass(frozen=True)
class CheckResult:
    events: list
    settings: dict  # the translation model's settings (the translation memory's key)
    error: RemoteError | None


@dataclasses.dataclass(frozen=True)
class WindowResult:
    events: list  # log lines and article outcomes, in order
    fresh: list[tuple[str, Output]]  # new translations, for the driver's translation memory
    calls: int  # inputs the translation model translated
    segments: int  # inputs done, for progress
    error: RemoteError | None  # a run-stopping error, raised again on the driver


def with_threads(profile, cpus: int):
    """``threads: 0`` (all cores) means the replica's share of cores here, not the whole node's; the
    backend splits that share between parallel batches as the local engine splits the machine
    (``backends.devices.threads``: ``parallel_batches`` auto or the profile's)."""
    translation, summary = profile.translation, profile.summary
    if not translation.threads:
        translation = dataclasses.replace(translation, threads=cpus)
    if not summary.threads:
        summary = dataclasses.replace(summary, threads=cpus)
    return dataclasses.replace(profile, translation=translation, summary=summary)


class ModelWorker:
    """One model replica (a Ray actor: ``ray.remote(...)(ModelWorker)``): the translation model and
    the summarizer, each loaded once, on first use, and the engine-neutral window code."""

    def __init__(self, *, job: Job, loader: Callable | None, cpus: int, level: int) -> None:
        self.job = dataclasses.replace(job, profile=with_threads(job.profile, cpus))
        self.level = level
        self.segments = 0
        self.models = RunModels(self.job.profile, loader=loader, on_batch=self._count)

    def _count(self, n: int) -> None:
        self.segments += n

    def check(self) -> CheckResult:
        """``RunModels.check`` here (a model that cannot be used stops the run before any article is
        read), and the translation model's settings (the translation memory's key)."""
        events: list = []
        settings, error = {}, None
        with captured_logs(events, self.level):
            try:
                self.models.check()
                settings = self.models.translator.model.settings()
            except Exception as exc:  # noqa: BLE001 - raised again on the driver
                error = RemoteError.of(exc)
        return CheckResult(events, settings, error)

    def window(self, window: Window, known: Mapping[str, Output]) -> WindowResult:
        """Process one window of articles (``window.process_window``); ``known``: the translation
        memory's answers for its segments."""
        calls, self.segments = self.models.translation_calls, 0
        events: list = []
        fresh: list[tuple[str, Output]] = []
        error = None
        self.models.on_outputs = fresh.extend
        with captured_logs(events, self.level):
            try:
                process_window(window, job=self.job, models=self.models, sink=EventSink(events), known=known)
            except Exception as exc:  # noqa: BLE001 - a run-stopping error: raised again on the driver
                error = RemoteError.of(exc)
        return WindowResult(events, fresh, self.models.translation_calls - calls, self.segments, error)

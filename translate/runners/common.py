"""What the runners share (``local`` here, ``ray`` across machines): run options, progress,
the report, the backend stacks of a run, settings fingerprints and output names."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from ..backends import Backend, BatchingBackend, IsolatingBackend, MemoBackend, load_backend
from ..backends.devices import budgets
from ..config import Profile, settings_record
from ..memory import MemoryBackend, TranslationMemory
from ..outputs.escape import display_name
from ..reading.files import FORMATS, sha256_file
from ..stages.article import SCHEMA

log = logging.getLogger("translate")
MEMORY_FILE = "translation-memory.sqlite"


@dataclass(frozen=True)
class RunOptions:
    input: Path
    out: Path
    force: bool = False
    debug: bool = False  # re-raise unexpected errors instead of recording them
    extensions: tuple[str, ...] = tuple(FORMATS)
    memory: bool = True  # use the translation memory (--no-cache: False)
    memory_path: Path | None = None  # default: <out>/translation-memory.sqlite
    window_segments: int = 2000  # segments of several articles translated together (bounds memory)
    wait: bool = True  # another run holds --out: wait for it (False: refuse, --no-wait)
    follow_symlinks: bool = False  # read symbolic links that lead outside the input folder


class Progress(Protocol):
    def start(self, total_articles: int) -> None: ...
    def article(self, name: str, segments: int) -> None: ...
    def segments_done(self, n: int) -> None: ...
    def finished(self, name: str, status: str) -> None: ...


class LogProgress:
    """Plain log lines; the CLI swaps in progress bars on a terminal."""

    def start(self, total_articles: int) -> None:
        log.info("%d article(s) to process", total_articles)

    def article(self, name: str, segments: int) -> None:
        log.info("%s: %d segment(s) to translate", display_name(name), segments)

    def segments_done(self, n: int) -> None:
        pass

    def finished(self, name: str, status: str) -> None:
        log.info("%s: %s", display_name(name), status)


@dataclass
class BatchReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # unsupported extensions
    translation_calls: int = 0  # segments the translation model actually translated
    memory_hits: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def batched(inner: Backend, options, *, role: str, device: str, on_batch=None) -> BatchingBackend:
    """``inner`` in length-sorted batches sized for ``device`` (``backends.devices``): at most
    ``batch_tokens`` padded tokens, and segments x beams <= ``max_hypotheses`` (the output-vocabulary
    scores of every hypothesis are held at once, so this bounds memory when short segments abound)."""
    found = budgets(options, device=device, role=role)
    return BatchingBackend(inner, batch_tokens=found.batch_tokens, on_batch=on_batch,
                           max_items=max(1, found.max_hypotheses // options.generation.num_beams))


class Models:
    """The backends of a run, built on first use: a run with nothing to do loads nothing, and the
    weights load only when a segment is not in the translation memory."""

    def __init__(self, profile: Profile, *, memory_path: Path | None = None, machine_memory: bool = True,
                 loader: Callable[..., Backend] = load_backend) -> None:
        self.profile = profile
        self.loader = loader
        self.memory_path = memory_path  # reviewers' translations, and machine ones when machine_memory
        self.machine_memory = machine_memory
        self.memory: TranslationMemory | None = None
        self.on_batch: Callable[[int], None] | None = None
        self._inner = self._stack = self._memory_backend = self._summarizer = None

    @property
    def translator(self) -> MemoBackend:
        if self._stack is None:
            options = self.profile.translation
            self._inner = inner = self.loader(options, role="translation")
            if self.memory_path is not None and self.machine_memory:
                inner = self._memory_backend = MemoryBackend(inner, self.open_memory())
            progress = lambda n: self.on_batch and self.on_batch(n)  # noqa: E731
            if getattr(self._inner, "groups_paragraphs", False):
                # an LLM translates a paragraph's sentences in one request: length-sorted batches
                # would tear paragraphs apart; it bounds its own requests in flight
                self._inner.on_progress = progress
                self._stack = MemoBackend(IsolatingBackend(inner))
            else:
                self._stack = MemoBackend(batched(IsolatingBackend(inner), options, role="translation",
                                                  device=self._inner.device, on_batch=progress))
        return self._stack

    def summarizer(self) -> Backend:
        if self._summarizer is None:
            options = self.profile.summary
            inner = IsolatingBackend(self.loader(options, role="summary"))
            self._summarizer = inner if getattr(inner.inner, "groups_paragraphs", False) else batched(
                inner, options, role="summary", device=inner.inner.device)
        return self._summarizer

    def open_memory(self) -> TranslationMemory:
        if self.memory is None:
            self.memory = TranslationMemory(self.memory_path)
        return self.memory

    def human_lookup(self, keys: list[str]) -> dict:
        """Reviewers' translations of these sentence keys (always used, even with --no-cache)."""
        if self.memory_path is None or (self.memory is None and not self.memory_path.exists()):
            return {}
        return self.open_memory().human_lookup(keys)

    def check(self) -> None:
        """Find and inspect the models the run needs (tokenizer, config, family: no weights), so a
        model that is missing or refused stops the run before any article is read."""
        self.translator
        if self.profile.summary.method == "abstractive":
            self.summarizer()

    @property
    def model_calls(self) -> int:
        return getattr(self._inner, "calls", 0)

    @property
    def memory_hits(self) -> int:
        return self._memory_backend.hits if self._memory_backend else 0

    def close(self) -> None:
        if self.memory is not None:
            self.memory.close()


def settings_hash(profile: Profile) -> str:
    """Fingerprint of everything that changes an article's output (not the profile's name)."""
    settings = settings_record(profile)
    settings.pop("profile")
    settings.pop("input")  # limits decide whether an article is processed, not what it becomes
    if profile.output.glossary:
        settings["glossary_sha256"] = sha256_file(Path(profile.output.glossary))
    if profile.summary.method != "abstractive":
        settings["summary"] = {"method": profile.summary.method, "sentences": profile.summary.sentences}
    for part in ("translation", "summary"):  # threads and batch sizes change speed, not output
        for key in ("threads", "batch_tokens", "max_hypotheses"):
            settings[part].pop(key, None)
    blob = json.dumps({"schema": SCHEMA, **settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def output_names(files: list[Path], root: Path) -> dict[Path, tuple[str, Path]]:
    """(manifest key, output stem) per input; ``a.txt`` and ``a.md`` side by side keep their extension."""
    stems: dict[Path, int] = {}
    rels = {f: (f.relative_to(root) if f != root else Path(f.name)) for f in files}
    for rel in rels.values():
        stems[rel.with_suffix("")] = stems.get(rel.with_suffix(""), 0) + 1
    return {f: (rel.as_posix(), rel.with_suffix("") if stems[rel.with_suffix("")] == 1 else rel)
            for f, rel in rels.items()}

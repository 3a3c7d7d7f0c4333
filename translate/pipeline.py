"""The batch: a folder of articles in; per article an aligned JSON record and a review file out,
plus ``index.md`` and ``manifest.json`` for the batch. Re-runs redo only what changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from . import __version__
from .align import Segment, assemble, plan
from .backends import Backend, BatchingBackend, MemoBackend, load_backend
from .config import Profile, settings_record
from .errors import InputError
from .flags import Glossary, load_glossary
from .io import FORMATS, discover, read_document, sha256_file, write_atomic
from .manifest import Manifest
from .segment import segment
from .summarize import Candidate, Summary, abstractive, extractive
from .writers import render_article_html, render_index, render_index_html, render_markdown, render_tmx, render_tsv

log = logging.getLogger("translate")
SCHEMA = "translate.article/1"


@dataclass(frozen=True)
class RunOptions:
    input: Path
    out: Path
    force: bool = False
    debug: bool = False  # re-raise unexpected errors instead of recording them
    extensions: tuple[str, ...] = tuple(FORMATS)


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
        log.info("%s: translating %d segment(s)", name, segments)

    def segments_done(self, n: int) -> None:
        pass

    def finished(self, name: str, status: str) -> None:
        log.info("%s: %s", name, status)


@dataclass
class BatchReport:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # unsupported extensions
    translation_calls: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


class Models:
    """The backends of a run, loaded on first use (a run with nothing to do loads nothing)."""

    def __init__(self, profile: Profile, loader: Callable[..., Backend] = load_backend) -> None:
        self.profile = profile
        self.loader = loader
        self._translator: MemoBackend | None = None
        self._summarizer: Backend | None = None
        self.on_batch: Callable[[int], None] | None = None

    @property
    def translator(self) -> MemoBackend:
        if self._translator is None:
            options = self.profile.translation
            inner = self.loader(options, role="translation")
            self._translator = MemoBackend(BatchingBackend(inner, batch_tokens=options.batch_tokens,
                                                           on_batch=lambda n: self.on_batch and self.on_batch(n)))
        return self._translator

    @property
    def summarizer(self) -> Backend:
        if self._summarizer is None:
            options = self.profile.summary
            self._summarizer = BatchingBackend(self.loader(options, role="summary"), batch_tokens=options.batch_tokens)
        return self._summarizer


def settings_hash(profile: Profile) -> str:
    """Fingerprint of everything that changes an article's output (not the profile's name)."""
    settings = settings_record(profile)
    settings.pop("profile")
    if profile.output.glossary:
        settings["glossary_sha256"] = sha256_file(Path(profile.output.glossary))
    if profile.summary.method != "abstractive":
        settings["summary"] = {"method": profile.summary.method, "sentences": profile.summary.sentences}
    blob = json.dumps({"schema": SCHEMA, **settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _signature(profile: Profile, translation: dict) -> str:
    gen = profile.translation.generation
    summary = profile.summary
    parts = [f"translate:{__version__}", f"mt:{translation['model']}@{translation.get('resolved_revision') or translation.get('revision') or 'local'}",
             f"backend:{translation['backend']}", f"device:{translation['device']}", f"beams:{gen.num_beams}",
             f"budget:{profile.translation.max_input_tokens}", f"summary:{summary.method}"]
    if summary.method == "abstractive":
        parts.append(f"sum:{summary.model}")
    return "|".join(parts)


def _summary(doc, paragraphs: list[dict], profile: Profile, models: Models) -> Summary:
    method = profile.summary.method
    body = [p for p, block in zip(paragraphs, doc.blocks) if block.kind == "body"]
    if method == "none":
        return Summary("", "none", None, ())
    if method == "extractive":
        candidates = [Candidate(p["id"], s["id"], s["source"], s["target"]) for p in body for s in p["sentences"]
                      if not s.get("dateline") and not s.get("copied")]
        return extractive(candidates, sentences=profile.summary.sentences)
    english = [(p["id"], " ".join(s["target"] for s in p["sentences"] if not s.get("dateline"))) for p in body]
    return abstractive(english, models.summarizer, model=profile.summary.model,
                       max_input_tokens=profile.summary.max_input_tokens)


def process_article(path: Path, *, rel: str, profile: Profile, models: Models, progress: Progress,
                    explicit: bool = False, glossary: Glossary | None = None) -> tuple[dict, dict]:
    """Translate and summarize one article: (canonical record, counts and timings)."""
    clock = {"start": time.perf_counter()}
    doc = segment(read_document(path, explicit=explicit))
    clock["segmented"] = time.perf_counter()
    translator = models.translator
    budget = min(profile.translation.max_input_tokens, translator.max_input_tokens)
    segments: list[Segment] = plan(doc, count=translator.count_tokens, budget=budget)
    inputs = [s.model_input for s in segments if s.model_input]
    progress.article(rel, len(inputs))
    outputs = dict(zip(inputs, translator.translate(inputs)))
    clock["translated"] = time.perf_counter()
    paragraphs = assemble(doc, segments, outputs, glossary=glossary)
    summary = _summary(doc, paragraphs, profile, models)
    clock["summarized"] = time.perf_counter()
    translation_prov = translator.provenance()
    title_target = next((p["target"] for p in paragraphs if p["kind"] == "title"), None)
    record = {
        "schema": SCHEMA,
        "source": {"path": rel, "sha256": doc.sha256, "encoding": doc.encoding, "format": doc.format,
                   "characters": len(doc.text)},
        "source_lang": "ar", "target_lang": "en",
        "title": doc.title, "title_target": title_target, "date": doc.date,
        "summary": summary.as_record(),
        "paragraphs": paragraphs,
        "provenance": {
            "signature": _signature(profile, translation_prov),
            "tool": {"name": "translate", "version": __version__},
            "profile": profile.name,
            "settings_hash": settings_hash(profile),
            "translation": translation_prov,
            "summary": models.summarizer.provenance() if summary.method == "abstractive" else {"method": summary.method},
            "token_budget": budget,
            "glossary": glossary.path if glossary else None,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        },
    }
    counts = {
        "paragraphs": len(paragraphs),
        "body_paragraphs": sum(p["kind"] == "body" for p in paragraphs),
        "sentences": sum(len(p["sentences"]) for p in paragraphs),
        "segments": len(segments),
        "split_sentences": sum(1 for p in paragraphs for s in p["sentences"] if "segments" in s),
        "source_characters": len(doc.text),
        "target_tokens": sum(outputs[i].tokens for i in inputs),
        "flagged_sentences": sum(1 for p in paragraphs for s in p["sentences"] if s.get("flags")),
    }
    timings = {"segment_s": clock["segmented"] - clock["start"], "translate_s": clock["translated"] - clock["segmented"],
               "summarize_s": clock["summarized"] - clock["translated"]}
    return record, {"counts": counts, "timings": {k: round(v, 3) for k, v in timings.items()}}


def _render(record: dict, formats: tuple[str, ...]):
    """(extension, text) of every output file of one article; the JSON record always comes first."""
    yield "json", json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    renderers = {"md": render_markdown, "html": render_article_html, "tsv": render_tsv,
                 "tmx": lambda r: render_tmx(r, created=r["provenance"]["created"].replace("-", "").replace(":", "")[:15] + "Z")}
    for fmt in formats:
        yield fmt, renderers[fmt](record)


def _output_names(files: list[Path], root: Path) -> dict[Path, tuple[str, Path]]:
    """(manifest key, output stem) per input; ``a.txt`` and ``a.md`` side by side keep their extension."""
    stems: dict[Path, int] = {}
    rels = {f: (f.relative_to(root) if f != root else Path(f.name)) for f in files}
    for rel in rels.values():
        stems[rel.with_suffix("")] = stems.get(rel.with_suffix(""), 0) + 1
    return {f: (rel.as_posix(), rel.with_suffix("") if stems[rel.with_suffix("")] == 1 else rel)
            for f, rel in rels.items()}


def run_batch(*, profile: Profile, run: RunOptions, progress: Progress | None = None,
              models: Models | None = None) -> BatchReport:
    """Process every article under ``run.input`` into ``run.out``. Never exits; see ``BatchReport``."""
    progress = progress or LogProgress()
    models = models or Models(profile)
    files, ignored = discover(run.input, extensions=run.extensions)
    report = BatchReport(ignored=[str(p) for p in ignored])
    for path in ignored:
        log.warning("%s: skipped (extension not in %s; pass the file explicitly to try it)", path, ", ".join(run.extensions))
    glossary = load_glossary(Path(profile.output.glossary)) if profile.output.glossary else None
    fingerprint = settings_hash(profile)
    run.out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest.load(run.out)
    manifest.run = {"tool_version": __version__, "settings_hash": fingerprint, **settings_record(profile),
                    "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    names = _output_names(files, run.input if run.input.is_dir() else run.input.parent)
    todo = []
    for path in files:
        key, stem = names[path]
        try:
            digest = sha256_file(path)
        except OSError:
            digest = None  # read_document reports it properly
        if not run.force and digest and manifest.is_current(key, digest, fingerprint, run.out):
            report.skipped.append(key)
            log.info("%s: unchanged since the last run, skipped (use --force to redo)", key)
        else:
            todo.append((path, key, stem))
    progress.start(len(todo))
    models.on_batch = progress.segments_done
    try:
        for path, key, stem in todo:
            _one(path, key, stem, profile=profile, run=run, models=models, manifest=manifest, progress=progress,
                 report=report, fingerprint=fingerprint, glossary=glossary)
    finally:
        write_atomic(run.out / "index.md", render_index(manifest.files, settings=manifest.run))
        write_atomic(run.out / "index.html", render_index_html(manifest.files, settings=manifest.run))
        manifest.save()
    if models._translator is not None:
        report.translation_calls = models._translator.calls
    return report


def _one(path: Path, key: str, stem: Path, *, profile, run, models, manifest, progress, report, fingerprint,
         glossary) -> None:
    started = time.perf_counter()
    try:
        record, stats = process_article(path, rel=key, profile=profile, models=models, progress=progress,
                                        explicit=path == run.input, glossary=glossary)
    except InputError as exc:
        manifest.record(key, {"status": "failed", "error": {"code": exc.code, "reason": exc.reason, "hint": exc.hint}})
        report.failed[key] = f"{exc.reason} — fix: {exc.hint}"
        log.error("%s: %s\n  fix: %s", key, exc.reason, exc.hint)
        progress.finished(key, "failed")
        return
    except (RuntimeError, ValueError, KeyError, IndexError, TypeError, MemoryError) as exc:
        if run.debug:
            raise
        reason = f"internal error while processing ({type(exc).__name__}: {exc})"
        hint = "run again with --debug for a traceback, and report it"
        manifest.record(key, {"status": "failed", "error": {"code": "internal", "reason": reason, "hint": hint}})
        report.failed[key] = f"{reason} — fix: {hint}"
        log.error("%s: %s\n  fix: %s", key, reason, hint)
        progress.finished(key, "failed")
        return
    outputs = []
    for fmt, text in _render(record, profile.output.formats):
        name = (stem.parent / f"{stem.name}.{fmt}").as_posix()
        write_atomic(run.out / name, text)
        outputs.append(name)
    stats["timings"]["total_s"] = round(time.perf_counter() - started, 3)
    manifest.record(key, {
        "status": "done", "sha256": record["source"]["sha256"], "settings_hash": fingerprint, "outputs": outputs,
        "title": record["title"], "title_target": record["title_target"], "date": record["date"],
        "summary": record["summary"]["text"], "flagged": stats["counts"]["flagged_sentences"], **stats,
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    })
    report.done.append(key)
    progress.finished(key, f"done in {stats['timings']['total_s']:.1f}s")

"""Command line: thin typer commands over ordinary functions. Exit codes:

0 everything done (or already up to date) · 1 some files failed, the rest are done ·
2 usage, configuration, model or output-folder error (the run could not go on) ·
130 interrupted (Ctrl-C) · 143 terminated (SIGTERM): finished articles are kept, re-run to resume.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from .errors import InputError, UsageError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Translate folders of Arabic news articles into aligned English with summaries.")
models_app = typer.Typer(no_args_is_help=True, help="List or download the models named in models.yaml.")
app.add_typer(models_app, name="models")
log = logging.getLogger("translate")

ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="models.yaml to use [default: ./models.yaml]")]
ProfileOpt = Annotated[Optional[str], typer.Option("--profile", "-p", help="Profile in models.yaml [default: its default_profile]")]


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _setup_logging(*, quiet: bool = False, debug: bool = False) -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not debug:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s" if debug else "%(message)s"))
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)


class Terminated(KeyboardInterrupt):
    """SIGTERM (schedulers, containers, `timeout`), handled like Ctrl-C: finished articles are
    recorded and the indexes written; exit code 143."""

    signum = signal.SIGTERM


@contextlib.contextmanager
def _terminate_as_interrupt():
    def handler(signum, frame):
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. embedded): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(exc: UsageError, debug: bool) -> None:
    if debug:
        raise exc
    typer.echo(f"error: {exc.reason}", err=True)
    if exc.hint:
        typer.echo(f"  fix: {exc.hint}", err=True)
    raise typer.Exit(2)


class BarProgress:
    """tqdm bars on a terminal: articles finished, and segments translated (its total grows as
    articles are segmented, since segments of several articles are translated together)."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.articles = self.segments = None

    def start(self, total_articles: int) -> None:
        self.articles = self._tqdm(total=total_articles, unit="article", position=0, dynamic_ncols=True)
        self.segments = self._tqdm(total=0, unit="seg", desc="segments", position=1, dynamic_ncols=True)

    def article(self, name: str, segments: int) -> None:
        self.segments.total += segments
        self.segments.refresh()

    def segments_done(self, n: int) -> None:
        self.segments.update(n)

    def finished(self, name: str, status: str) -> None:
        self.articles.update(1)
        if status == "failed":
            from .outputs.escape import display_name

            self.articles.write(f"{display_name(name)}: failed")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"translate {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    """Translate folders of Arabic news articles into aligned English with summaries."""


@app.command()
def batch(
    input: Annotated[Path, typer.Argument(help="Folder of articles (.txt, .md, .html), or one file.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("outputs"),
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    translation_model: Annotated[Optional[str], typer.Option(help="Override the profile's translation model (Hub id or folder).")] = None,
    summary_model: Annotated[Optional[str], typer.Option(help="Override the profile's summarizer (Hub id or folder).")] = None,
    summary: Annotated[Optional[str], typer.Option(help="Summary method: abstractive, extractive or none.")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto, cpu or cuda (both models).")] = None,
    formats: Annotated[Optional[str], typer.Option(help="Views besides the JSON record: md,html,tmx,tsv or all [default: the profile's].")] = None,
    glossary: Annotated[Optional[Path], typer.Option(help="Glossary (.yaml or .tsv: Arabic term -> English) for the glossary flag.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo every article, even unchanged ones.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the translation memory (translate every segment).")] = False,
    memory: Annotated[Optional[Path], typer.Option(help="Translation memory file [default: OUT/translation-memory.sqlite].")] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="If another run is writing to OUT, stop (exit 2) instead of waiting.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Verbose logs; tracebacks on errors.")] = False,
) -> None:
    """Translate and summarize every article in INPUT; write aligned files, index.md and manifest.json."""
    _setup_logging(quiet=quiet, debug=debug)
    from .config import load_config, with_overrides
    from .runners.common import LogProgress, RunOptions
    from .runners.local import run_batch

    try:
        chosen = load_config(config).profile(profile)
        chosen = with_overrides(chosen, translation_model=translation_model, summary_model=summary_model,
                                 summary=summary, device=device, formats=formats, glossary=glossary)
        if not input.exists():
            raise UsageError(f"input {input} does not exist", "pass a folder of articles or a file")
        progress = BarProgress() if (sys.stderr.isatty() and not quiet) else LogProgress()
        run = RunOptions(input=input, out=out, force=force, debug=debug, memory=not no_cache, memory_path=memory,
                         wait=not no_wait)
        with _terminate_as_interrupt():
            report = run_batch(profile=chosen, run=run, progress=progress)
    except UsageError as exc:
        _fail(exc, debug)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        name = "terminated" if signum == signal.SIGTERM else "interrupted"
        typer.echo(f"{name}: finished articles are saved and listed in {out / 'index.md'}; "
                   "run the same command again to resume", err=True)
        raise typer.Exit(128 + signum)
    log.warning("%d done, %d unchanged, %d failed -> %s (%d segments translated, %d from the translation memory)",
                len(report.done), len(report.skipped), len(report.failed), out / "index.md",
                report.translation_calls, report.memory_hits)
    from .outputs.escape import display_name

    for name, reason in report.failed.items():
        log.warning("  failed: %s: %s", display_name(name), reason)
    raise typer.Exit(report.exit_code)


@app.command("segment")
def segment_cmd(
    files: Annotated[list[Path], typer.Argument(help="Article files to segment.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the structure as JSON (a list, one object per file).")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks on errors.")] = False,
) -> None:
    """Show how articles are segmented (title, date, blocks with kinds, sentences). No model is loaded."""
    _setup_logging(debug=debug)
    from .text.view import describe, render_text

    results, failed = [], 0
    for path in files:
        try:
            results.append(describe(path))
        except InputError as exc:
            failed += 1
            typer.echo(f"error: {path}: {exc.reason}\n  fix: {exc.hint}", err=True)
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        for item in results:
            typer.echo(render_text(item))
    raise typer.Exit(1 if failed else 0)


class _ShowByDefault(TyperGroup):
    """`translate review OUT` (no sub-command) means `translate review show OUT`."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().resolve_command(ctx, args)


review_app = typer.Typer(cls=_ShowByDefault, no_args_is_help=True,
                         help="Review a finished batch: show pairs, import reviewers' corrections, see what is left.")
app.add_typer(review_app, name="review")
MemoryOpt = Annotated[Optional[Path], typer.Option(help="Translation memory [default: OUT/translation-memory.sqlite].")]


@review_app.command("show")
def review_show(
    out_dir: Annotated[Path, typer.Argument(help="The --out folder of a batch run.")],
    flagged: Annotated[bool, typer.Option("--flagged", help="Only sentences with quality flags.")] = False,
    article: Annotated[Optional[str], typer.Option(help="Only this article (file name, with or without extension).")] = None,
) -> None:
    """Show aligned Arabic-English pairs of a finished batch, flagged ones first with the reason."""
    _setup_logging()
    from .review.show import review_lines

    try:
        for line in review_lines(out_dir, flagged_only=flagged, article=article):
            typer.echo(line)
    except UsageError as exc:
        _fail(exc, False)


@review_app.command("import")
def review_import(
    files: Annotated[list[Path], typer.Argument(help="Corrections: the review page's download (.json), XLIFF, TMX or TSV.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The --out folder of the batch the files came from.")],
    memory: MemoryOpt = None,
    reviewer: Annotated[Optional[str], typer.Option(help="Reviewer name, when the file does not carry one.")] = None,
) -> None:
    """Store reviewers' corrections as human translations: they win on every later run (each file
    all or nothing). The articles they touch are redone by the next `translate batch`."""
    _setup_logging()
    from .review.importing import import_corrections, render_import
    from .runners.common import MEMORY_FILE
    from .runners.journal import Journal
    from .runners.lock import folder_lock

    try:
        with folder_lock(out):
            report = import_corrections(files, out=out, memory_path=memory or out / MEMORY_FILE, reviewer=reviewer)
            journal = Journal(out)
            try:
                journal.mark_changed(report.articles)
            finally:
                journal.close()
    except UsageError as exc:
        _fail(exc, False)
    typer.echo(render_import(report))


@review_app.command("status")
def review_status_cmd(out_dir: Annotated[Path, typer.Argument(help="The --out folder of a batch run.")],
                      memory: MemoryOpt = None) -> None:
    """Per article and in total: sentences, reviewed, flagged, flagged and not yet reviewed."""
    _setup_logging()
    from .review.status import render_status, review_status

    try:
        typer.echo(render_status(review_status(out_dir, memory_path=memory)))
    except UsageError as exc:
        _fail(exc, False)


@app.command("eval")
def eval_cmd(
    references: Annotated[list[Path], typer.Argument(help="Reference translations: a TSV (source<TAB>reference), a TMX, "
                                                          "or two line-aligned files (FLORES-200 style).")],
    config: ConfigOpt = None,
    profile: Annotated[Optional[str], typer.Option("--profile", "-p", help="Profile(s) to compare, comma-separated [default: the default profile].")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the results as JSON to this file.")] = None,
    hypotheses: Annotated[Optional[Path], typer.Option(help="Write each profile's translations to DIR/<profile>.txt.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Verbose logs; tracebacks on errors.")] = False,
) -> None:
    """Score profiles on your reference translations (sacrebleu BLEU and chrF++) with their speed."""
    _setup_logging(debug=debug)
    from .config import load_config
    from .evaluation import as_json, load_references, render_table
    from .evaluation.run import evaluate_profile
    from .outputs.atomic import write_atomic

    try:
        loaded = load_config(config)
        names = [n.strip() for n in (profile or loaded.default_profile).split(",") if n.strip()]
        profiles = [loaded.profile(name) for name in names]
        refs = load_references(references)
        results = []
        for chosen in profiles:
            log.warning("evaluating %s on %d sentences (%s)...", chosen.name, len(refs), refs.origin)
            results.append(evaluate_profile(chosen, refs, keep_hypotheses=hypotheses is not None))
            if hypotheses is not None:
                write_atomic(hypotheses / f"{chosen.name}.txt", "\n".join(results[-1].hypotheses) + "\n")
        if json_out is not None:
            write_atomic(json_out, json.dumps(as_json(results, refs), ensure_ascii=False, indent=1) + "\n")
    except UsageError as exc:
        _fail(exc, debug)
    typer.echo(render_table(results))


@models_app.command("list")
def models_list(config: ConfigOpt = None) -> None:
    """Show the profiles and whether each model is available on this machine."""
    _setup_logging()
    from .config import load_config
    from .models import describe_profiles

    try:
        typer.echo(describe_profiles(load_config(config)))
    except UsageError as exc:
        _fail(exc, False)


def _each_profile_model(action: str, config: Path | None, profile: str | None) -> None:
    """Run ``translate.models.<action>`` on a profile, printing its progress lines."""
    _setup_logging()
    from . import models
    from .config import load_config

    try:
        for line in getattr(models, action)(load_config(config).profile(profile)):
            typer.echo(line)
    except UsageError as exc:
        _fail(exc, False)


@models_app.command("check")
def models_check(config: ConfigOpt = None, profile: ProfileOpt = None) -> None:
    """Load a profile's translation model and translate a few built-in Arabic sentences; flags output
    that is empty, not English script, loses numbers or loops (wrong language tags, broken weights).
    Exit code 1 when any translation looks wrong."""
    _setup_logging()
    from .config import load_config
    from .models import check_profile

    try:
        lines, bad = check_profile(load_config(config).profile(profile))
    except UsageError as exc:
        _fail(exc, False)
    for line in lines:
        typer.echo(line)
    raise typer.Exit(1 if bad else 0)


@models_app.command("download")
def models_download(config: ConfigOpt = None, profile: ProfileOpt = None) -> None:
    """Fetch a profile's models into the Hugging Face cache (needs internet)."""
    _each_profile_model("download_profile", config, profile)


@models_app.command("convert")
def models_convert(config: ConfigOpt = None, profile: ProfileOpt = None) -> None:
    """Convert a profile's models to CTranslate2 once (batch does it on first use otherwise)."""
    _each_profile_model("convert_profile", config, profile)


def main() -> None:
    app(prog_name="translate")

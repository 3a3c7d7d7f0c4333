"""`translate batch`: the main job, with progress bars on a terminal and signals as interrupts."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from . import ConfigOpt, ProfileOpt, _fail, _setup_logging, app, log


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
            from ..outputs.escape import display_name

            self.articles.write(f"{display_name(name)}: failed")


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
    formats: Annotated[Optional[str], typer.Option(help="Views besides the JSON record: md,html,tmx,tsv,xliff or all [default: the profile's].")] = None,
    glossary: Annotated[Optional[Path], typer.Option(help="Glossary (.yaml or .tsv: Arabic term -> English) for the glossary flag.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo every article, even unchanged ones.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the translation memory (translate every segment).")] = False,
    memory: Annotated[Optional[Path], typer.Option(help="Translation memory file [default: OUT/translation-memory.sqlite].")] = None,
    engine: Annotated[str, typer.Option(help="local (this process) or ray (a Ray cluster, or a local Ray instance).")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(help="With --engine ray: the cluster (auto, ray://HOST:10001) [default: start a local instance].")] = None,
    ray_workers: Annotated[int, typer.Option(help="With --engine ray: model replicas [default: one per GPU, or per 4 CPUs].")] = 0,
    follow_symlinks: Annotated[bool, typer.Option("--follow-symlinks", help="Also read symbolic links that lead outside INPUT.")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="If another run is writing to OUT, stop (exit 2) instead of waiting.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Verbose logs; tracebacks on errors.")] = False,
) -> None:
    """Translate and summarize every article in INPUT; write aligned files, index.md and manifest.json."""
    _setup_logging(quiet=quiet, debug=debug)
    from ..config import load_config, with_overrides
    from ..runners import LogProgress, engine_named, run_batch
    from ..runners.plan import RunOptions

    try:
        chosen = load_config(config).profile(profile)
        chosen = with_overrides(chosen, translation_model=translation_model, summary_model=summary_model,
                                 summary=summary, device=device, formats=formats, glossary=glossary)
        if not input.exists():
            raise UsageError(f"input {input} does not exist", "pass a folder of articles or a file")
        progress = BarProgress() if (sys.stderr.isatty() and not quiet) else LogProgress()
        run = RunOptions(input=input, out=out, force=force, debug=debug, reuse_translations=not no_cache,
                         memory_path=memory, wait=not no_wait, follow_symlinks=follow_symlinks)
        chosen_engine = engine_named(engine, ray_address=ray_address, ray_workers=ray_workers)
        with _terminate_as_interrupt():
            report = run_batch(profile=chosen, run=run, progress=progress, engine=chosen_engine)
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
    from ..outputs.escape import display_name

    for name, reason in report.failed.items():
        log.warning("  failed: %s: %s", display_name(name), reason)
    raise typer.Exit(report.exit_code)

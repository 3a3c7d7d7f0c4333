"""`translate batch`: the main job, with a status line and progress bars on a terminal (closed
before the final line) and signals as interrupts; ``--dry-run`` and ``--limit``; ``-`` as INPUT
translates standard input to standard output (as ``translate text``)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from . import ConfigOpt, ProfileOpt, _fail, _setup_logging, app, log
from .options import DebugOpt, SummaryModelOpt, TranslationModelOpt


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


def _rerun_argv(input: Path, out: Path, config: Path | None, given: list[tuple[str, object]]) -> tuple[str, ...]:
    """The command that runs this batch again (``review status`` prints it): the options given,
    without the one-off ones (--force, --dry-run, --limit, --quiet, --debug, --no-wait)."""
    argv = ["translate", "batch", str(input), "--out", str(out)]
    if config is None and os.environ.get("TRANSLATE_CONFIG"):
        config = Path(os.environ["TRANSLATE_CONFIG"])  # named, so the command works in another shell too
    if config is not None:
        argv += ["--config", str(config)]
    for flag, value in given:
        if value is True:
            argv.append(flag)
        elif value not in (None, False):
            argv += [flag, str(value)]
    return tuple(argv)


@app.command()
def batch(
    input: Annotated[Path, typer.Argument(
        metavar="INPUT", help="Folder of articles (.txt, .md, .html), one file, or - for standard input "
                              "(the English to standard output).")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FOLDER", help="Output folder.")] = Path("outputs"),
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    translation_model: TranslationModelOpt = None,
    summary_model: SummaryModelOpt = None,
    summary: Annotated[Optional[str], typer.Option(
        metavar="METHOD", help="Summary method: abstractive, extractive or none.",
        show_default="the profile's")] = None,
    device: Annotated[Optional[str], typer.Option(
        metavar="DEVICE", help="auto, cpu or cuda (both models).", show_default="the profile's")] = None,
    formats: Annotated[Optional[str], typer.Option(
        metavar="LIST", help="Views besides the JSON record: md,html,tmx,tsv,xliff or all.",
        show_default="the profile's")] = None,
    glossary: Annotated[Optional[Path], typer.Option(
        metavar="FILE", help="Glossary (.yaml or .tsv: Arabic term -> English) for the glossary flag.",
        show_default="the profile's")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Redo every article, even unchanged ones, and translate every segment again (the "
                        "memory's machine translations are not used; reviewers' translations are).")] = False,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Bypass the translation memory for machine translations (translate every "
                           "segment).")] = False,
    memory: Annotated[Optional[Path], typer.Option(
        metavar="FILE", help="Translation memory file.", show_default="OUT/translation-memory.sqlite")] = None,
    limit: Annotated[Optional[int], typer.Option(
        metavar="N", min=1, help="(Re)do at most N articles (in input order); the others are left for a later run.",
        show_default="no limit")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print what would be translated, redone, skipped or left for later, and why; "
                          "change nothing on disk and load no model.")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="With INPUT -: print the record (JSON) instead of the English.")] = False,
    engine: Annotated[str, typer.Option(
        metavar="ENGINE", help="local (this process) or ray (a Ray cluster, or a local Ray instance).")] = "local",
    ray_address: Annotated[Optional[str], typer.Option(
        metavar="ADDRESS", help="With --engine ray: the cluster (auto, ray://HOST:10001).",
        show_default="start a local instance")] = None,
    ray_workers: Annotated[int, typer.Option(
        metavar="N", min=0, help="With --engine ray: model replicas; 0 = chosen from the cluster: one per GPU, "
                                 "else one per 4 CPUs (one CPU left for reading).",
        show_default="0, chosen from the cluster")] = 0,
    follow_symlinks: Annotated[bool, typer.Option(
        "--follow-symlinks", help="Also read symbolic links that lead outside INPUT.")] = False,
    no_wait: Annotated[bool, typer.Option(
        "--no-wait", help="If another run is writing to OUT, stop (exit 2) instead of waiting.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Translate and summarize every article in INPUT; write aligned files, index.md and manifest.json."""
    _setup_logging(quiet=quiet, debug=debug)
    if str(input) == "-":
        from .text import translate_stdin

        translate_stdin(config=config, profile=profile, translation_model=translation_model, summary=summary,
                        summary_model=summary_model, device=device, glossary=glossary, memory=memory,
                        no_cache=no_cache or force, as_json=as_json, debug=debug)
        return
    from ..config import load_config, with_overrides
    from ..runners import LogProgress, engine_named, run_batch
    from ..runners.batch import plan_batch
    from ..runners.plan import RunOptions, render_dry_run
    from .terminal import BarProgress, Display, opened

    given = [("--profile", profile), ("--translation-model", translation_model), ("--summary-model", summary_model),
             ("--summary", summary), ("--device", device), ("--formats", formats), ("--glossary", glossary),
             ("--no-cache", no_cache), ("--memory", memory), ("--engine", engine if engine != "local" else None),
             ("--ray-address", ray_address), ("--ray-workers", ray_workers or None),
             ("--follow-symlinks", follow_symlinks)]
    display = Display() if (Display.wanted() and not quiet and not dry_run) else None
    try:
        with opened(display):
            if display:
                display.status("reading the configuration and the input folder…")
            chosen = load_config(config).profile(profile)
            chosen = with_overrides(chosen, translation_model=translation_model, summary_model=summary_model,
                                    summary=summary, device=device, formats=formats, glossary=glossary)
            if not input.exists():
                raise UsageError(f"input {input} does not exist", "pass a folder of articles, a file, or - for "
                                                                  "standard input")
            run = RunOptions(input=input, out=out, force=force, debug=debug, reuse_translations=not no_cache,
                             memory_path=memory, wait=not no_wait, follow_symlinks=follow_symlinks, limit=limit,
                             command=_rerun_argv(input, out, config, given))
            if dry_run:
                typer.echo(render_dry_run(plan_batch(profile=chosen, run=run)), nl=False)
                return
            if force:
                log.info("--force: every article is redone and every segment translated again (the translation "
                         "memory's machine translations are not used; reviewers' translations are)")
            progress = BarProgress(display) if display else LogProgress()
            chosen_engine = engine_named(engine, ray_address=ray_address, ray_workers=ray_workers)
            if display:
                display.status("checking the models…")
            with _terminate_as_interrupt():
                report = run_batch(profile=chosen, run=run, progress=progress, engine=chosen_engine)
    except UsageError as exc:
        _fail(exc, debug)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        name = "terminated" if signum == signal.SIGTERM else "interrupted"
        resume = ("run the same command without --force to resume (with --force every article is redone)"
                  if force else "run the same command again to resume")
        typer.echo(f"{name}: finished articles are saved and listed in {out / 'index.md'}; {resume}", err=True)
        raise typer.Exit(128 + signum) from None
    memory_note = (f"{report.memory_hits} from the translation memory" if run.machine_translations_reused else
                   "the translation memory's machine translations not used: " + ("--force" if force else "--no-cache"))
    later = f", {len(report.deferred)} left for later (--limit)" if report.deferred else ""
    log.warning("%d done, %d unchanged, %d failed%s -> %s (%d segments translated, %s)",
                len(report.done), len(report.skipped), len(report.failed), later, out / "index.md",
                report.translation_calls, memory_note)
    from ..outputs.escape import display_name

    for name, reason in report.failed.items():
        log.warning("  failed: %s: %s", display_name(name), reason)
    if report.deferred:
        log.warning("  %d article(s) left for a later run: %s (or again with --limit)", len(report.deferred),
                    shlex.join(run.command))
    raise typer.Exit(report.exit_code)

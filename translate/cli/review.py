"""`translate review`: show pairs, import reviewers' corrections, status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from . import App, ConfigOpt, Group, ProfileOpt, _fail, _setup_logging, app


class _ShowByDefault(Group):
    """`translate review OUT` (no sub-command) means `translate review show OUT`."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().resolve_command(ctx, args)


review_app = App(cls=_ShowByDefault, no_args_is_help=True,
                 help="Review a finished batch: show pairs, import reviewers' corrections, see what is left.")
app.add_typer(review_app, name="review")
MemoryOpt = Annotated[Optional[Path], typer.Option(metavar="FILE", help="Translation memory.",
                                                   show_default="OUT/translation-memory.sqlite")]
OutDir = Annotated[Path, typer.Argument(metavar="OUT", help="The --out folder of a batch run.")]


def _rerun_line(out: Path) -> str:
    """``  next: <the command the batch in OUT was run with>`` (from its manifest), or ``""``."""
    from ..outputs.manifest import Manifest
    from ..runners.plan import rerun_command

    command = rerun_command(Manifest.load(out).run)
    return f"  the command: {command}" if command else ""


@review_app.command("show")
def review_show(
    out_dir: OutDir,
    flagged: Annotated[bool, typer.Option("--flagged", help="Only sentences with quality flags.")] = False,
    article: Annotated[Optional[str], typer.Option(
        metavar="NAME", help="Only this article (file name, with or without extension).",
        show_default="every article")] = None,
    worst: Annotated[int, typer.Option(metavar="N", help="Only the N least confident machine sentences of the batch, "
                                                         "least first; 0: off.")] = 0,
) -> None:
    """Show aligned Arabic-English pairs of a finished batch, flagged ones first with the reason."""
    _setup_logging()
    from ..review.show import review_lines, worst_lines

    try:
        lines = worst_lines(out_dir, count=worst) if worst else review_lines(out_dir, flagged_only=flagged,
                                                                             article=article)
        for line in lines:
            typer.echo(line)
    except UsageError as exc:
        _fail(exc, False)


@review_app.command("import")
def review_import(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help="Corrections: the review page's download (.json), XLIFF, TMX or TSV.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FOLDER",
                                      help="The --out folder of the batch the files came from.")],
    memory: MemoryOpt = None,
    reviewer: Annotated[Optional[str], typer.Option(
        metavar="NAME", help="Reviewer name, when the file does not carry one.", show_default="the file's")] = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """Store reviewers' corrections as human translations: they win on every later run (each file
    all or nothing). The articles they touch are redone by the next `translate batch`. Exit code 1
    when the files held corrections but none could be applied (all stale or skipped)."""
    _setup_logging()
    from ..config import load_config
    from ..review.importing import render_import, review_import

    try:
        limit = load_config(config).profile(profile).review.max_correction_characters
        report = review_import(files, out=out, memory_path=memory, reviewer=reviewer, max_characters=limit)
    except UsageError as exc:
        _fail(exc, False)
    typer.echo(render_import(report), nl=False)
    if report.articles and (line := _rerun_line(out)):
        typer.echo(line)
    if not report.applied and (report.stale or report.skipped):
        typer.echo("error: none of the corrections could be applied (see the reasons above)", err=True)
        typer.echo("  fix: import the file exported from the current outputs (a stale correction's article "
                   "changed since), or set a translated/final state on the XLIFF units", err=True)
        raise typer.Exit(1)


@review_app.command("status")
def review_status_cmd(out_dir: OutDir, memory: MemoryOpt = None) -> None:
    """Per article and in total: sentences, reviewed, flagged, flagged and not yet reviewed."""
    _setup_logging()
    from ..review.status import render_status, review_status

    try:
        report = review_status(out_dir, memory_path=memory)
        typer.echo(render_status(report), nl=False)
        if report.total.pending and (line := _rerun_line(out_dir)):
            typer.echo(line)
    except UsageError as exc:
        _fail(exc, False)

"""`translate review`: show pairs, import reviewers' corrections, status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from ..errors import UsageError
from . import ConfigOpt, ProfileOpt, _fail, _setup_logging, app


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
    from ..review.show import review_lines

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
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """Store reviewers' corrections as human translations: they win on every later run (each file
    all or nothing). The articles they touch are redone by the next `translate batch`."""
    _setup_logging()
    from ..config import load_config
    from ..review.importing import render_import, review_import

    try:
        limit = load_config(config).profile(profile).review.max_correction_characters
        report = review_import(files, out=out, memory_path=memory, reviewer=reviewer, max_characters=limit)
    except UsageError as exc:
        _fail(exc, False)
    typer.echo(render_import(report))


@review_app.command("status")
def review_status_cmd(out_dir: Annotated[Path, typer.Argument(help="The --out folder of a batch run.")],
                      memory: MemoryOpt = None) -> None:
    """Per article and in total: sentences, reviewed, flagged, flagged and not yet reviewed."""
    _setup_logging()
    from ..review.status import render_status, review_status

    try:
        typer.echo(render_status(review_status(out_dir, memory_path=memory)))
    except UsageError as exc:
        _fail(exc, False)

"""Command line: thin typer commands over ordinary functions. Exit codes:

0 everything done (or already up to date) · 1 some files failed, the rest are done ·
2 usage, configuration, model or output-folder error (the run could not go on) ·
130 interrupted (Ctrl-C) · 143 terminated (SIGTERM): finished articles are kept, re-run to resume.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import __version__
from ..errors import UsageError

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


def _fail(exc: UsageError, debug: bool) -> None:
    if debug:
        raise exc
    typer.echo(f"error: {exc.reason}", err=True)
    if exc.hint:
        typer.echo(f"  fix: {exc.hint}", err=True)
    raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"translate {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    """Translate folders of Arabic news articles into aligned English with summaries."""


def main() -> None:
    app(prog_name="translate")


from . import batch, models, review, tools  # noqa: E402,F401  (the commands register themselves)

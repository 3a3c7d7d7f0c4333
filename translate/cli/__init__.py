"""Command line: thin typer commands over ordinary functions. Exit codes:

0 everything done (or already up to date) · 1 some files failed, the rest are done (``review
import``: the files held corrections but none could be applied; ``models check``: a check
translation looks wrong) · 2 usage, configuration, model or output-folder error (the run could not
go on) · 130 interrupted (Ctrl-C) · 143 terminated (SIGTERM): finished articles are kept, re-run to
resume.

Help pages show every default (``show_default``: never written into the help text, where typer's
markup would eat ``[default: …]``), readable metavars (``FILE``, ``NAME``; none for flags) and a
usage line in plain words (``INPUT``, not ``{input}``): ``Command`` and ``Group`` below.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from .. import __version__
from ..errors import UsageError

log = logging.getLogger("translate")

_TYPE_METAVARS = {"<path>": "PATH", "<str>": "TEXT", "<int>": "INTEGER", "<float>": "NUMBER"}


def _readable(param, ctx) -> None:
    """A metavar people read: none for a flag, ``INPUT`` for an argument, ``PATH``/``TEXT``/``INTEGER``
    for an option that names none of its own; a default given in words shown as written
    (``[default: the profile's]``, not in parentheses)."""
    if isinstance(param.show_default, str):
        param._get_default_string = lambda *args, **kwargs: param.show_default
    if isinstance(param, TyperArgument):
        param.display_type_rich = lambda *args, **kwargs: None  # the name says it; no "<path>" beside it
        if param.metavar is None:
            param.metavar = (param.name or "ARG").upper()
    elif param.metavar is not None:
        return
    elif isinstance(param, TyperOption) and param.is_flag:
        param.metavar = ""
    elif isinstance(param, TyperOption):
        shown = param.display_type(ctx)
        param.metavar = _TYPE_METAVARS.get(shown, shown.strip("<>").upper())


class _Readable:
    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            _readable(param, ctx)
        return params

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar + ("..." if param.nargs != 1 and not param.metavar.endswith("...") else "")
                pieces.append(name if param.required else f"[{name}]")
        if isinstance(self, TyperGroup):
            pieces.append(self.subcommand_metavar)
        return pieces


class Command(_Readable, TyperCommand):
    """A command whose help page shows its defaults and readable metavars."""


class Group(_Readable, TyperGroup):
    """A group of commands, likewise."""


class App(typer.Typer):
    """``typer.Typer`` whose commands are ``Command``s."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cls", Group)
        kwargs.setdefault("rich_markup_mode", "rich")
        super().__init__(**kwargs)

    def command(self, name: str | None = None, *, cls=None, **kwargs):
        return super().command(name, cls=cls or Command, **kwargs)


app = App(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
          help="Translate folders of Arabic news articles into aligned English with summaries.")
models_app = App(no_args_is_help=True, help="The models of a profile: list, check, download, convert to "
                                            "CTranslate2, export to one archive and import it on a machine "
                                            "without internet.")
app.add_typer(models_app, name="models")

ConfigOpt = Annotated[Optional[Path], typer.Option(
    "--config", "-c", metavar="FILE", help="models.yaml to use.",
    show_default="$TRANSLATE_CONFIG, else ./models.yaml, else the project's own")]
ProfileOpt = Annotated[Optional[str], typer.Option(
    "--profile", "-p", metavar="NAME", help="Profile in models.yaml.", show_default="its default_profile")]


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it); while a terminal
    display is open (progress bars, a spinner), lines go above it instead of into it."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass

    def emit(self, record: logging.LogRecord) -> None:
        from .terminal import active_display

        display = active_display()
        if display is None:
            super().emit(record)
            return
        try:
            display.write(self.format(record))
        except Exception:  # noqa: BLE001 - logging never raises
            self.handleError(record)


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


def _fail(exc: UsageError, debug: bool, code: int = 2) -> None:
    if debug:
        raise exc
    typer.echo(f"error: {exc.reason}", err=True)
    if exc.hint:
        typer.echo(f"  fix: {exc.hint}", err=True)
    raise typer.Exit(code)


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


from . import batch, models, review, text, tools  # noqa: E402,F401  (the commands register themselves)

"""Options that several commands declare alike, defined once so that their names, defaults and help
stay the same everywhere (``--config`` and ``--profile``, which nearly every command takes, are
``ConfigOpt`` and ``ProfileOpt`` in the package). A command uses one as the type of its parameter,
with the default after it: ``debug: DebugOpt = False``.

Options that share a name but not their meaning (``batch --quiet`` keeps warnings, ``text --quiet``
also hides the flags; ``batch --device`` sets both models) keep their own declarations."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

TranslationModelOpt = Annotated[Optional[str], typer.Option(
    metavar="MODEL", help="Override the profile's translation model (Hub id or folder).",
    show_default="the profile's")]
SummaryModelOpt = Annotated[Optional[str], typer.Option(
    metavar="MODEL", help="Override the profile's summarizer (Hub id or folder).",
    show_default="the profile's")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Verbose logs; tracebacks on errors.")]

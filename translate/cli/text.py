"""`translate text "…"` (and `translate batch -`): one Arabic text, from the command line or
standard input, translated with the same profiles, memory and quality flags as a batch; the English
(or with ``--json`` the record) to standard output, the flags to standard error."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError, UsageError
from . import ConfigOpt, ProfileOpt, _fail, _setup_logging, app
from .options import DebugOpt, SummaryModelOpt, TranslationModelOpt


def translate_stdin(*, text: str | None = None, config: Path | None, profile: str | None,
                    translation_model: str | None = None, summary_model: str | None = None,
                    summary: str | None = None, device: str | None = None, glossary: Path | None = None,
                    memory: Path | None = None, no_cache: bool = False, as_json: bool = False,
                    debug: bool = False, quiet: bool = False) -> None:
    """Translate ``text`` (None or ``-``: standard input) and print it; exits (0, 1 when the text
    cannot be translated, 2 when the run cannot start)."""
    from ..config import load_config, with_overrides
    from ..record import flag_reason, sentences
    from ..runners.single import english, translate_text
    from .terminal import Display, opened

    if text is None or text == "-":
        if sys.stdin.isatty():
            typer.echo("reading Arabic text from standard input (end it with Ctrl-D)…", err=True)
        data: str | bytes = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    else:
        data = text
    display = Display() if (Display.wanted() and not quiet) else None
    try:
        with opened(display):
            if display:
                display.status("loading the models and translating…")
            chosen = load_config(config).profile(profile)
            chosen = with_overrides(chosen, translation_model=translation_model, summary_model=summary_model,
                                    summary=summary or "none", device=device, glossary=glossary)
            record = translate_text(data, profile=chosen, memory=memory, summary=None,
                                    reuse_translations=not no_cache, name="text.txt" if data is text else "stdin.txt")
    except InputError as exc:  # the reason and the fix are logged already (as for an article of a batch)
        if debug:
            raise
        raise typer.Exit(1) from exc
    except UsageError as exc:
        _fail(exc, debug)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    if as_json:
        typer.echo(json.dumps(record, ensure_ascii=False, indent=1))
    else:
        typer.echo(english(record))
        if record["summary"].get("text"):
            typer.echo(f"\nSummary: {record['summary']['text']}")
    if not quiet:
        for _, s in sentences(record):
            for flag in s.get("flags", []):
                typer.echo(f"⚑ {s['id']} {flag}: {flag_reason(flag)}", err=True)


@app.command("text")
def text_cmd(
    text: Annotated[Optional[str], typer.Argument(
        metavar="TEXT", help="The Arabic text (quote it); - or nothing: read standard input.",
        show_default="standard input")] = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    translation_model: TranslationModelOpt = None,
    summary_model: SummaryModelOpt = None,
    summary: Annotated[str, typer.Option(
        metavar="METHOD", help="Summary: none, extractive or abstractive (printed after the English).")] = "none",
    device: Annotated[Optional[str], typer.Option(
        metavar="DEVICE", help="auto, cpu or cuda.", show_default="the profile's")] = None,
    glossary: Annotated[Optional[Path], typer.Option(
        metavar="FILE", help="Glossary (.yaml or .tsv) for the glossary flag.", show_default="the profile's")] = None,
    memory: Annotated[Optional[Path], typer.Option(
        metavar="FILE", help="Translation memory to use and add to (e.g. a batch's OUT/translation-memory.sqlite: "
                             "its reviewers' translations win).", show_default="none")] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Do not take machine translations from the memory.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record (JSON) instead of the English.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors (no flags on standard error).")] = False,
    debug: DebugOpt = False,
) -> None:
    """Translate one Arabic text: the English to standard output, quality flags to standard error."""
    _setup_logging(quiet=True, debug=debug)
    translate_stdin(text=text, config=config, profile=profile, translation_model=translation_model,
                    summary_model=summary_model, summary=summary, device=device, glossary=glossary, memory=memory,
                    no_cache=no_cache, as_json=as_json, debug=debug, quiet=quiet)

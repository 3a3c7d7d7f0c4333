"""`translate models`: list, check, download, convert."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import UsageError
from . import ConfigOpt, ProfileOpt, _fail, _setup_logging, models_app


@models_app.command("list")
def models_list(config: ConfigOpt = None) -> None:
    """Show the profiles and whether each model is available on this machine."""
    _setup_logging()
    from ..config import load_config
    from ..catalog import describe_profiles

    try:
        typer.echo(describe_profiles(load_config(config)))
    except UsageError as exc:
        _fail(exc, False)


def _each_profile_model(action: str, config: Path | None, profile: str | None) -> None:
    """Run ``catalog.<action>`` on a profile, printing its progress lines."""
    _setup_logging()
    from .. import catalog
    from ..config import load_config

    try:
        for line in getattr(catalog, action)(load_config(config).profile(profile)):
            typer.echo(line)
    except UsageError as exc:
        _fail(exc, False)


@models_app.command("check")
def models_check(config: ConfigOpt = None, profile: ProfileOpt = None) -> None:
    """Load a profile's translation model and translate a few built-in Arabic sentences; flags output
    that is empty, not English script, loses numbers or loops (wrong language tags, broken weights).
    Exit code 1 when any translation looks wrong."""
    _setup_logging()
    from ..config import load_config
    from ..evaluation.check import check_profile

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

"""`translate models`: list, check, download, convert, export, import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from . import ConfigOpt, ProfileOpt, _fail, _setup_logging, models_app


@models_app.command("list")
def models_list(config: ConfigOpt = None) -> None:
    """Show the profiles and whether each model is available on this machine."""
    _setup_logging()
    from ..catalog import describe_profiles
    from ..config import load_config

    try:
        typer.echo(describe_profiles(load_config(config)))
    except UsageError as exc:
        _fail(exc, False)


def _each_profile_model(action: str, config: Path | None, profile: str | None, *, require: bool = False) -> None:
    """Run ``catalog.<action>`` on a profile, printing its progress lines."""
    _setup_logging()
    from .. import catalog
    from ..config import load_config

    try:
        chosen = load_config(config).profile(profile)
        if require:
            catalog.require_models(chosen)
        for line in getattr(catalog, action)(chosen):
            typer.echo(line)
    except UsageError as exc:
        _fail(exc, False)


@models_app.command("check")
def models_check(config: ConfigOpt = None, profile: ProfileOpt = None) -> None:
    """Load a profile's translation model and translate a few built-in Arabic sentences; flags output
    that is empty, not English script, loses numbers or loops (wrong language tags, broken weights).
    Exit code 1 when any translation looks wrong."""
    _setup_logging()
    from ..catalog import require_models
    from ..config import load_config
    from ..evaluation.check import check_profile

    try:
        chosen = load_config(config).profile(profile)
        require_models(chosen)
        lines, bad = check_profile(chosen)
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
    _each_profile_model("convert_profile", config, profile, require=True)


@models_app.command("export")
def models_export(
    profile_name: Annotated[str, typer.Argument(metavar="PROFILE", help="The profile whose models to export.")],
    archive: Annotated[Path, typer.Argument(metavar="FILE", help="The archive to write (.tar; .tar.gz compressed).")],
    config: ConfigOpt = None,
) -> None:
    """Write one archive of a profile's models (their folders and CTranslate2 copies, with checksums) to
    carry to a machine without internet: there, `translate models import FILE`. Downloads and converts
    what is missing first (needs internet for models not yet here)."""
    _setup_logging()
    from ..config import load_config
    from ..model_archive import export_profile

    try:
        for line in export_profile(load_config(config).profile(profile_name), archive):
            typer.echo(line)
    except UsageError as exc:
        _fail(exc, False)


@models_app.command("import")
def models_import(
    archive: Annotated[Path, typer.Argument(metavar="FILE", help="An archive written by `translate models export`.")],
    into: Annotated[Optional[Path], typer.Option(
        metavar="FOLDER", help="Where the profile's models.yaml (and models that are local folders) go.",
        show_default="$TRANSLATE_CACHE/models/PROFILE, i.e. ~/.cache/translate/models/PROFILE")] = None,
) -> None:
    """Check an archive of `translate models export` (every file against its checksum) and install its
    models: Hub models into the Hugging Face cache, CTranslate2 copies into the translate cache, and a
    models.yaml of the profile. A damaged, altered or foreign archive installs nothing (exit 2)."""
    _setup_logging()
    from ..model_archive import import_archive

    try:
        for line in import_archive(archive, into=into):
            typer.echo(line)
    except UsageError as exc:
        _fail(exc, False)

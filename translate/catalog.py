"""The models a profile names (``translate models list/download/convert``): which they are, whether
they are on this machine (``require_models``: every missing one named at once, with the command
that fetches them), fetching them from the Hub and converting them to CTranslate2. Carrying them to
a machine without internet is ``model_archive``'s."""

from __future__ import annotations

import json
import logging
import shlex
from pathlib import Path
from typing import Iterator

from .config import Config, Profile
from .errors import ModelUnavailableError

log = logging.getLogger("translate")


def _models(profile: Profile) -> list[tuple[str, str, str | None]]:
    """(role, model, revision) of the models the profile loads from the Hub or a folder (a model
    behind an OpenAI-compatible server is not downloaded)."""
    return [(role, options.model, options.revision) for role, options in model_roles(profile)
            if options.backend != "openai"]


def served_models(profile: Profile) -> list[tuple[str, object]]:
    return [(role, options) for role, options in model_roles(profile) if options.backend == "openai"]


def model_roles(profile: Profile) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [("translation", profile.translation)]
    if profile.summary.method == "abstractive":
        found.append(("summary", profile.summary))
    return found


# ---------------------------------------------------------------- commands the user is told to run


def _config_args(profile: Profile) -> list[str]:
    """``--config FILE`` when the profile's file is not the one found without it."""
    if not profile.source:
        return []
    from .config import find_config

    try:
        default = find_config(None).resolve()
    except Exception:  # noqa: BLE001 - no default file: name this one
        default = None
    return [] if default == Path(profile.source).resolve() else ["--config", profile.source]


def models_command(action: str, profile: Profile) -> str:
    """``translate models ACTION --profile NAME [--config FILE]``, quoted for a shell; for ``export``,
    ``translate models export NAME models.tar [--config FILE]``."""
    if action == "export":
        return shlex.join(["translate", "models", "export", profile.name, "models.tar", *_config_args(profile)])
    return shlex.join(["translate", "models", action, "--profile", profile.name, *_config_args(profile)])


def _configured_models(profile: Profile) -> set[str]:
    """The models the profile names in its file (not those a command-line override put in)."""
    if not profile.source:
        return set()
    from .config import load_config

    try:
        original = load_config(Path(profile.source)).profile(profile.name)
    except Exception:  # noqa: BLE001 - the file changed since: the command is the best guess
        return set()
    return {model for _, model, _ in _models(original)}


def missing_models(profile: Profile) -> list[tuple[str, str, str]]:
    """(role, model, why) of every model the profile needs that cannot be had here: a local folder
    without a model, or a Hub model neither in the cache nor downloadable (the Hub unreachable)."""
    from .backends.hub import hub_reachable, is_cached, is_local

    missing, from_hub = [], []
    for role, model, revision in _models(profile):
        if is_cached(model, revision):
            continue
        if is_local(model):
            missing.append((role, model, "the folder does not exist or holds no config.json"))
        else:
            from_hub.append((role, model + (f"@{revision}" if revision else ""), "not in the local Hugging Face cache"))
    if from_hub and not hub_reachable():
        missing += from_hub
    return missing


def require_models(profile: Profile) -> None:
    """Stop (``ModelUnavailableError``, exit 2) before any article when a model the profile needs
    cannot be had here, naming every missing model at once and the command that fetches them."""
    missing = missing_models(profile)
    if not missing:
        return
    names = "; ".join(f"{role} model {model!r} ({why})" for role, model, why in missing)
    hub = [(role, model) for role, model, why in missing if why.startswith("not in")]
    fixes = []
    if hub:
        configured = _configured_models(profile)
        listed = [m for _, m in hub if m.split("@")[0] in configured]
        others = [m for _, m in hub if m.split("@")[0] not in configured]
        if listed:
            fixes.append(f"on a machine with internet access run `{models_command('download', profile)}`, then copy "
                         "the Hugging Face cache (~/.cache/huggingface) here — or there run "
                         f"`{models_command('export', profile)}` and here "
                         "`translate models import models.tar`")
        for model in others:
            fixes.append(f"fetch {model} on a machine with internet access (`hf download {model.split('@')[0]}`, or "
                         "name it in a profile of models.yaml and run `translate models download --profile NAME`), "
                         "then copy the Hugging Face cache here, or pass a local folder instead")
    for role, _model, why in missing:
        if not why.startswith("not in"):
            fixes.append(f"point `{role}.model` in {profile.source or 'models.yaml'} at a folder saved with "
                         "save_pretrained() (or a Hub id)")
    if any(role == "summary" for role, _, _ in missing):
        fixes.append("or use --summary extractive, which needs no summarizer")
    reason = (f"{len(missing)} model(s) of profile {profile.name!r} cannot be used here: {names}"
              + ("; the Hugging Face Hub (huggingface.co) cannot be reached" if hub else ""))
    raise ModelUnavailableError(reason, "; ".join(fixes))


# ---------------------------------------------------------------- list, download, convert


def convert_profile(profile: Profile) -> Iterator[str]:
    """Convert the profile's models to CTranslate2 (where their backend is ctranslate2 or auto)."""
    for role, options in model_roles(profile):
        backend = ct2_backend(role, options)
        if isinstance(backend, str):
            yield backend
            continue
        yield f"{role}: ctranslate2 copy in {backend.converted()}"


def ct2_backend(role: str, options):
    """The CTranslate2 backend of a model (its ``converted()`` copy), or a line saying why there is none."""
    from .backends import CT2_MODEL_TYPES
    from .backends.ct2 import CTranslate2Backend
    from .backends.hub import resolve_model

    if options.backend in ("transformers", "openai") or options.llm is not None:
        return f"{role}: {options.model} uses the {options.backend} backend, nothing to convert"
    folder = resolve_model(options.model, options.revision, role)
    model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
    if options.backend == "auto" and model_type not in CT2_MODEL_TYPES:
        return f"{role}: {options.model} ({model_type}) is not supported by CTranslate2; transformers will be used"
    return CTranslate2Backend(options, folder, role)


def describe_profiles(config: Config) -> str:
    from .backends.hub import is_cached

    lines = [f"profiles in {config.path} (default: {config.default_profile})"]
    for name, profile in config.profiles.items():
        mark = " (default)" if name == config.default_profile else ""
        lines.append(f"{name}{mark}: {profile.description}".rstrip(": "))
        for role, model, revision in _models(profile):
            state = "available" if is_cached(model, revision) else "not downloaded"
            lines.append(f"  {role:<11} {model}{'@' + revision if revision else ''}  [{state}]")
        for role, options in served_models(profile):
            lines.append(f"  {role:<11} {options.model}  [served by {options.llm.base_url}]")
        if profile.summary.method != "abstractive":
            lines.append(f"  summary     {profile.summary.method} (no model)")
    return "\n".join(lines)


def download_profile(profile: Profile) -> Iterator[str]:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    from .backends.hub import SKIP_FILES, hub_reachable, is_local

    for role, options in served_models(profile):
        yield f"{role}: {options.model} is served by {options.llm.base_url}, nothing to download"
    for role, model, revision in _models(profile):
        if is_local(model):
            yield f"{role}: {model} is a local folder, nothing to download"
            continue
        if not hub_reachable():
            raise ModelUnavailableError(f"cannot reach the Hugging Face Hub to download {model!r}",
                                        "run this on a machine with internet access, then copy ~/.cache/huggingface "
                                        f"here (or there `{models_command('export', profile)}`, here "
                                        "`translate models import models.tar`)")
        yield f"{role}: downloading {model}{'@' + revision if revision else ''} ..."
        try:
            path = snapshot_download(model, revision=revision, ignore_patterns=SKIP_FILES)
        except (HfHubHTTPError, OSError, ValueError) as exc:
            raise ModelUnavailableError(f"download of {model!r} failed ({exc})",
                                        "check the model id and revision in models.yaml and your connection") from exc
        yield f"{role}: {model} is in {path}"

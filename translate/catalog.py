"""The models a profile names (``translate models list/download/convert``): which they are, whether
they are on this machine, fetching them from the Hub and converting them to CTranslate2."""

from __future__ import annotations

import json
import logging
from typing import Iterator

from .config import Config, Profile
from .errors import ModelUnavailableError

log = logging.getLogger("translate")


def _models(profile: Profile) -> list[tuple[str, str, str | None]]:
    """(role, model, revision) of the models the profile loads from the Hub or a folder (a model
    behind an OpenAI-compatible server is not downloaded)."""
    return [(role, options.model, options.revision) for role, options in _options(profile)
            if options.backend != "openai"]


def _served(profile: Profile) -> list[tuple[str, object]]:
    return [(role, options) for role, options in _options(profile) if options.backend == "openai"]


def _options(profile: Profile) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [("translation", profile.translation)]
    if profile.summary.method == "abstractive":
        found.append(("summary", profile.summary))
    return found


def convert_profile(profile: Profile) -> Iterator[str]:
    """Convert the profile's models to CTranslate2 (where their backend is ctranslate2 or auto)."""
    from .backends import CT2_MODEL_TYPES
    from .backends.ct2 import CTranslate2Backend
    from .backends.hub import resolve_model

    for role, options in _options(profile):
        if options.backend in ("transformers", "openai") or options.llm is not None:
            yield f"{role}: {options.model} uses the {options.backend} backend, nothing to convert"
            continue
        folder = resolve_model(options.model, options.revision, role)
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
        if options.backend == "auto" and model_type not in CT2_MODEL_TYPES:
            yield f"{role}: {options.model} ({model_type}) is not supported by CTranslate2; transformers will be used"
            continue
        yield f"{role}: ctranslate2 copy in {CTranslate2Backend(options, folder, role).converted()}"


def describe_profiles(config: Config) -> str:
    from .backends.hub import is_cached

    lines = [f"profiles in {config.path} (default: {config.default_profile})"]
    for name, profile in config.profiles.items():
        mark = " (default)" if name == config.default_profile else ""
        lines.append(f"{name}{mark}: {profile.description}".rstrip(": "))
        for role, model, revision in _models(profile):
            state = "available" if is_cached(model, revision) else "not downloaded"
            lines.append(f"  {role:<11} {model}{'@' + revision if revision else ''}  [{state}]")
        for role, options in _served(profile):
            lines.append(f"  {role:<11} {options.model}  [served by {options.llm.base_url}]")
        if profile.summary.method != "abstractive":
            lines.append(f"  summary     {profile.summary.method} (no model)")
    return "\n".join(lines)


def download_profile(profile: Profile) -> Iterator[str]:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    from .backends.hub import SKIP_FILES, hub_reachable, is_local

    for role, options in _served(profile):
        yield f"{role}: {options.model} is served by {options.llm.base_url}, nothing to download"
    for role, model, revision in _models(profile):
        if is_local(model):
            yield f"{role}: {model} is a local folder, nothing to download"
            continue
        if not hub_reachable():
            raise ModelUnavailableError(f"cannot reach the Hugging Face Hub to download {model!r}",
                                        "run this on a machine with internet access, then copy ~/.cache/huggingface here")
        yield f"{role}: downloading {model}{'@' + revision if revision else ''} ..."
        try:
            path = snapshot_download(model, revision=revision, ignore_patterns=SKIP_FILES)
        except (HfHubHTTPError, OSError, ValueError) as exc:
            raise ModelUnavailableError(f"download of {model!r} failed ({exc})",
                                        "check the model id and revision in models.yaml and your connection") from exc
        yield f"{role}: {model} is in {path}"

"""``translate models``: which models the profiles name, whether they are here, fetching them."""

from __future__ import annotations

import logging
from typing import Iterator

from .config import Config, Profile
from .errors import ModelUnavailableError

log = logging.getLogger("translate")
_SKIP = ["*.h5", "*.msgpack", "*.ot", "*.onnx", "tf_*", "flax_*", "rust_*", "*.tflite"]


def _models(profile: Profile) -> list[tuple[str, str, str | None]]:
    found = [("translation", profile.translation.model, profile.translation.revision)]
    if profile.summary.method == "abstractive":
        found.append(("summary", profile.summary.model, profile.summary.revision))
    return found


def describe_profiles(config: Config) -> str:
    from .backends.hf import is_cached

    lines = [f"profiles in {config.path} (default: {config.default_profile})"]
    for name, profile in config.profiles.items():
        mark = " (default)" if name == config.default_profile else ""
        lines.append(f"{name}{mark}: {profile.description}".rstrip(": "))
        for role, model, revision in _models(profile):
            state = "available" if is_cached(model, revision) else "not downloaded"
            lines.append(f"  {role:<11} {model}{'@' + revision if revision else ''}  [{state}]")
        if profile.summary.method != "abstractive":
            lines.append(f"  summary     {profile.summary.method} (no model)")
    return "\n".join(lines)


def download_profile(profile: Profile) -> Iterator[str]:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    from .backends.hf import hub_reachable, is_local

    for role, model, revision in _models(profile):
        if is_local(model):
            yield f"{role}: {model} is a local folder, nothing to download"
            continue
        if not hub_reachable():
            raise ModelUnavailableError(f"cannot reach the Hugging Face Hub to download {model!r}",
                                        "run this on a machine with internet access, then copy ~/.cache/huggingface here")
        yield f"{role}: downloading {model}{'@' + revision if revision else ''} ..."
        try:
            path = snapshot_download(model, revision=revision, ignore_patterns=_SKIP)
        except (HfHubHTTPError, OSError, ValueError) as exc:
            raise ModelUnavailableError(f"download of {model!r} failed ({exc})",
                                        "check the model id and revision in models.yaml and your connection") from exc
        yield f"{role}: {model} is in {path}"

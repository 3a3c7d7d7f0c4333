"""Models that need no tags: BART / Pegasus / LED summarizers, and other single-task models whose
config says what they are."""

from __future__ import annotations

from .base import ModelInfo, Overrides, Tagging

SUMMARIZERS = ("bart", "pegasus", "pegasus_x", "led", "bigbird_pegasus", "prophetnet")


def detect(info: ModelInfo, *, role: str, overrides: Overrides) -> Tagging | None:
    if info.model_type not in SUMMARIZERS or overrides.source_lang or overrides.target_lang:
        return None
    return Tagging(family=info.model_type, prefix=overrides.prefix or "",
                   detected_by="profile" if overrides.prefix else "model folder")

"""The context window of a server backend: where the server states it (``GET /models`` entries,
llama.cpp's ``/props``, per slot), the profile's ``llm.context_window`` (which may only lower it),
else the local model config's or a conservative default, logged once per server and model."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Optional

from .answers import WINDOW_KEYS, positive
from .settings import DEFAULT_CONTEXT_WINDOW

log = logging.getLogger("translate")
_WINDOW_LOGGED: set = set()  # (server, model) whose assumed window was logged


def stated_window(served: dict, props: dict, slots: Optional[int]) -> tuple[Optional[int], str]:
    """The smallest window per request the server states (``GET /models`` entries, llama.cpp's
    ``/props``; a whole-server ``n_ctx`` divided by its ``slots``), and where it says it."""
    found: list[tuple[int, str]] = []
    slots = slots or 1
    per_slot = f" / {slots} slots" if slots > 1 else ""
    for key in WINDOW_KEYS:
        if positive(served.get(key)):
            found.append((served[key], f"GET /models: {key}"))
    meta = served.get("meta")
    if isinstance(meta, dict) and positive(meta.get("n_ctx")):
        found.append((meta["n_ctx"] // slots, f"GET /models: meta.n_ctx{per_slot}"))
    settings = props.get("default_generation_settings")
    if isinstance(settings, dict) and positive(settings.get("n_ctx")):
        found.append((settings["n_ctx"], "GET /props: default_generation_settings.n_ctx (per slot)"))
    if positive(props.get("n_ctx")):
        found.append((props["n_ctx"] // slots, f"GET /props: n_ctx{per_slot}"))
    return min(found) if found else (None, "")


def choose_window(served: dict, props: dict, *, slots: Optional[int], profile: Optional[int], folder: Optional[Path],
                  role: str, address: str, server_model: str) -> tuple[int, str]:
    """(tokens per request, where that comes from): the server's window where it says it (the
    profile's ``llm.context_window`` may only lower it), else the profile's, else the local model
    config's or the default, whichever is smaller (logged once per server and model)."""
    at = f"{role}.llm.context_window"
    server, source = stated_window(served, props, slots)
    if server is not None:
        if profile is not None and profile <= server:
            return profile, f"{at}; the server allows {server}"
        if profile is not None:
            log.warning("%s is %d but the LLM server at %s allows %d tokens per request (%s): using %d",
                        at, profile, address, server, source, server)
        return server, f"the server's, {source}"
    if profile is not None:
        return profile, at
    window, where = DEFAULT_CONTEXT_WINDOW, "assumed: the server does not say"
    if folder is not None and (folder / "config.json").is_file():
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        config = config.get("text_config", config) if isinstance(config, dict) else {}
        if positive(config.get("max_position_embeddings")) and config["max_position_embeddings"] < window:
            window = config["max_position_embeddings"]
            where = "the local model config's max_position_embeddings (the server does not say)"
    if (address, server_model) not in _WINDOW_LOGGED:
        _WINDOW_LOGGED.add((address, server_model))
        log.warning("the LLM server at %s does not say its context window: assuming %d tokens per request; if "
                    "its window is smaller every request is rejected (set %s to the server's window per slot)",
                    address, window, at)
    return window, where

"""The ``llm:`` section of a profile's ``translation:`` or ``summary:`` in ``models.yaml``.

```yaml
translation:
  model: Qwen/Qwen2.5-7B-Instruct     # the tokenizer is looked up locally under this id (else estimated)
  backend: openai                     # or: transformers, for a local causal LM (no base_url)
  llm:
    base_url: http://127.0.0.1:8000/v1
    api_key_env: VLLM_API_KEY         # the NAME of an environment variable; never the key itself
    server_model: null                # the id the server knows the model by (default: model)
    system_prompt: null               # null: the built-in prompt for the section (see prompts.py)
    user_prompt: null
    temperature: 0.0
    seed: 0
    max_tokens: 1024                  # reply budget per request; a reply far longer (in bytes) is refused
    queue_timeout_s: 600              # a reply must begin within this: the server's queue + its generation
    timeout_s: 120                    # ...and then be whole within this (a dripping server is left)
    retries: 4                        # on 5xx, passed deadlines and dropped connections
    backoff_s: 1.0                    # first wait; doubled each retry; Retry-After wins when longer
    max_in_flight: 4                  # requests at once (local: prompts generated together); capped to
                                      # the server's slots where it says (llama.cpp), halved while the
                                      # server says it is overloaded (429, 503, busy): those spend no retry
    context_window: null              # tokens per request (per slot); the server's, where it says, wins
                                      # when smaller; null and a silent server: at most 4096
```

A reply larger than 64 KB + 128 bytes per ``max_tokens`` token is not read further: an error
for its request (see ``openai.reply_limit``).

Deadlines (``openai``): connecting takes at most 10 s (and at most ``queue_timeout_s``); the
status line and headers must arrive within ``queue_timeout_s`` of the start (a server sends them
once a non-streamed reply is generated, so this covers the wait in its queue and the generation);
the body must then be complete within ``timeout_s``. Both are deadlines, not per-read timeouts.

Context window (``openai``): where the server says it (``/v1/models``: ``max_model_len``,
``context_length``, ``context_window``, ``max_context_length``, llama.cpp's ``meta.n_ctx``; llama.cpp's
``/props``: ``default_generation_settings.n_ctx`` per slot, ``n_ctx`` divided by ``total_slots``),
that is the window, and ``context_window`` can only lower it; otherwise ``context_window``; otherwise
the local model config's ``max_position_embeddings``, at most 4096 (logged once: set it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

from ...errors import ConfigError
from . import prompts

DEFAULT_CONTEXT_WINDOW = 4096  # when neither the profile, the server nor a local config says
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class LLMSettings:
    """How an instruction LLM is prompted and reached. ``None`` prompts: the role's defaults."""

    base_url: Optional[str] = None
    api_key_env: Optional[str] = None
    server_model: Optional[str] = None
    system_prompt: Optional[str] = None
    user_prompt: Optional[str] = None
    temperature: float = 0.0
    seed: Optional[int] = 0
    max_tokens: int = 1024
    queue_timeout_s: float = 600.0
    timeout_s: float = 120.0
    retries: int = 4
    backoff_s: float = 1.0
    max_in_flight: int = 4
    context_window: Optional[int] = None

    def prompts(self, role: str) -> tuple[str, str]:
        """(system prompt, user template) for ``role`` (``translation`` or ``summary``)."""
        system, user = prompts.DEFAULTS[role]
        return self.system_prompt or system, self.user_prompt or user

    def prompt_hash(self, role: str) -> str:
        system, user = self.prompts(role)
        return hashlib.sha256(f"{role}\0{system}\0{user}".encode()).hexdigest()[:16]

    def decoding(self) -> dict:
        return {"temperature": self.temperature, "seed": self.seed, "max_tokens": self.max_tokens}


def server_address(base_url: str) -> str:
    """``scheme://host[:port]/path`` of a base URL: no credentials, query or fragment."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


_TYPES: dict[str, Any] = {
    "base_url": (str, type(None)), "api_key_env": (str, type(None)), "server_model": (str, type(None)),
    "system_prompt": (str, type(None)), "user_prompt": (str, type(None)), "temperature": (int, float),
    "seed": (int, type(None)), "max_tokens": int, "queue_timeout_s": (int, float), "timeout_s": (int, float),
    "retries": int, "backoff_s": (int, float),
    "max_in_flight": int, "context_window": (int, type(None)),
}
# (lowest, highest) allowed; None: unbounded
_RANGES = {"temperature": (0, 2), "max_tokens": (1, None), "queue_timeout_s": (0.001, None),
           "timeout_s": (0.001, None), "retries": (0, 20), "backoff_s": (0, 600), "max_in_flight": (1, 256),
           "context_window": (64, None), "seed": (0, None)}


def parse_llm(data: Any, *, path: object, where: str, role: str, base: Optional[LLMSettings] = None) -> LLMSettings:
    """Validate the ``llm:`` mapping at ``where`` (e.g. ``profiles.x.translation.llm``) of ``path``.

    Raises :class:`ConfigError` naming the key and the fix. The values of ``api_key_env`` are never
    repeated in a message (someone may have pasted the key itself there)."""
    if role not in prompts.DEFAULTS:
        raise ValueError(f"unknown role {role!r}")
    if not isinstance(data, dict):
        raise ConfigError(path, where, f"expected a mapping, got {type(data).__name__}",
                          "indent the LLM settings under 'llm:' as 'key: value' lines")
    names = {f.name for f in dataclasses.fields(LLMSettings)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        at = f"{where}.{key}"
        if key in ("api_key", "key", "token"):
            raise ConfigError(path, at, "an API key must not be written in models.yaml",
                              "remove it; put the key in an environment variable and name that variable in "
                              "api_key_env (e.g. api_key_env: OPENAI_API_KEY)")
        if key not in names:
            raise ConfigError(path, at, "unknown key", f"remove it or use one of: {', '.join(sorted(names))}")
        kind = _TYPES[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            shown = "this value" if key == "api_key_env" else repr(value)
            raise ConfigError(path, at, f"expected {_kind_name(kind)}, got {shown}",
                              f"write a value of type {_kind_name(kind)} here")
        if key in _RANGES and value is not None:
            low, high = _RANGES[key]
            if value < low or (high is not None and value > high):
                bound = f"between {low} and {high}" if high is not None else f"at least {low}"
                raise ConfigError(path, at, f"must be {bound}, got {value}", f"use a value {bound}")
        changes[key] = float(value) if key in ("temperature", "queue_timeout_s", "timeout_s", "backoff_s") else value
    settings = dataclasses.replace(base or LLMSettings(), **changes)
    _check(settings, path=path, where=where, role=role)
    return settings


def _kind_name(kind: Any) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join("null" if k is type(None) else "number" if k is float else k.__name__ for k in kinds
                       if not (k is int and float in kinds))


def _check(settings: LLMSettings, *, path: object, where: str, role: str) -> None:
    if settings.base_url is not None:
        parts = urlsplit(settings.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(path, f"{where}.base_url", "is not an http(s) URL",
                              "write the server's OpenAI-compatible root, e.g. http://127.0.0.1:8000/v1")
        if parts.username or parts.password or parts.query:
            raise ConfigError(path, f"{where}.base_url", "must not carry credentials or a query string",
                              "remove them from the URL; put the API key in the environment variable named by "
                              "api_key_env")
    if settings.api_key_env is not None and not _ENV_NAME.match(settings.api_key_env):
        raise ConfigError(path, f"{where}.api_key_env", "is not the name of an environment variable",
                          "write the NAME of the variable that holds the key (e.g. OPENAI_API_KEY), never the key")
    if settings.context_window is not None and settings.context_window <= settings.max_tokens:
        raise ConfigError(path, f"{where}.context_window",
                          f"{settings.context_window} leaves no room for the prompt next to max_tokens "
                          f"{settings.max_tokens}", "raise context_window to the model's limit or lower max_tokens")
    allowed, required = prompts.FIELDS[role]
    if settings.user_prompt is not None:
        try:
            fields = prompts.template_fields(settings.user_prompt)
        except ValueError as exc:
            raise ConfigError(path, f"{where}.user_prompt", f"is not a valid template ({exc})",
                              "write placeholders as {name} and literal braces as {{ and }}") from exc
        if fields - allowed:
            raise ConfigError(path, f"{where}.user_prompt", f"unknown placeholder(s) {sorted(fields - allowed)}",
                              f"use only {', '.join('{%s}' % f for f in sorted(allowed))}")
        if required - fields:
            raise ConfigError(path, f"{where}.user_prompt", f"misses {', '.join('{%s}' % f for f in sorted(required))}",
                              "the template must say where the text goes")

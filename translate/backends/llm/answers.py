"""What an OpenAI-compatible server's answers say: a chat completion's text, an error's message
(OpenAI, vLLM, FastAPI and llama.cpp shapes), how long to wait (``Retry-After``), whether it means
"overloaded" or "out of context", the window it states, and how large an honest reply can be."""

from __future__ import annotations

import email.utils
import json
import re
import time
from typing import Mapping, Optional

from .engine import Reply

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
OVERLOAD_STATUS = {429, 503}
WINDOW_KEYS = ("max_model_len", "context_length", "max_context_length", "context_window")  # vLLM, others
# how a server says a request is longer than its window (vLLM/OpenAI, llama.cpp old and new, SGLang...)
CONTEXT_WORDS = re.compile(r"maximum context length|context[_ ]length[_ ]exceeded|context size has been exceeded|"
                           r"exceed\w*(?: the)?(?: \w+){0,2} context|exceed_context_size|"
                           r"longer than the model'?s? (?:maximum )?context", re.I)
BUSY_WORDS = re.compile(r"\b(?:busy|overloaded|too many requests|rate[ -]?limit\w*|"
                        r"no (?:free |available |idle )?slots?|try again later)\b", re.I)
REPLY_BASE_BYTES = 64 * 1024  # a chat completion's JSON around its text, and slack
REPLY_BYTES_PER_TOKEN = 128  # a token is a few characters; JSON escapes (\uXXXX) multiply them by 6
ERROR_BYTES = 64 * 1024  # an error answer: only its message is kept
def reply_limit(max_tokens: int) -> int:
    """The most bytes a reply to a request of ``max_tokens`` may have: far more than any honest reply."""
    return REPLY_BASE_BYTES + REPLY_BYTES_PER_TOKEN * max_tokens


def error_message(data: bytes) -> str:
    """The error message of a server's answer (OpenAI, vLLM, FastAPI, llama.cpp shapes), whole: the
    caller redacts, then shortens."""
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data.decode("utf-8", "replace").strip()
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body.get("message", body)))
        if isinstance(error, dict):
            error = error.get("message", error)
        return str(error)
    return str(body)


def retry_after(headers: Optional[Mapping]) -> float:
    value = (headers or {}).get("Retry-After")
    if not value:
        return 0.0
    try:
        return min(max(float(value), 0.0), 300.0)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return 0.0
        return min(max(moment.timestamp() - time.time(), 0.0), 300.0)


def chat_reply(data: bytes) -> Optional[Reply]:
    try:
        choice = json.loads(data)["choices"][0]
        content = choice["message"].get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return Reply(text=str(content), finish_reason=choice.get("finish_reason") or "stop")


def positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def failure_reason(exc: BaseException) -> str:
    """What a failed request says went wrong (a connection error's reason, else the error)."""
    reason = getattr(exc, "reason", None) or exc
    return str(reason) or type(reason).__name__

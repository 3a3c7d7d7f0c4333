"""Secrets out of every message: what a server says back (an error body may echo the request's
headers, key included) passes through :func:`redact` before it reaches an exception, a log line, a
note or a record; :func:`shorten` then cuts it to a length fit for one line.

Always redact before shortening: a key cut in half by the shortening would no longer be recognized.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

REDACTED = "[redacted]"
_MIN_SECRET = 4  # shorter "secrets" would blank out ordinary words
# a header or field carrying a credential, as HTTP, JSON or a Python repr writes it:
#   Authorization: Bearer sk-1   "api-key": "sk-1"   'x-api-key': 'sk-1'   api_key=sk-1
_FIELD = re.compile(r"""(?ix)
    (\b(?:proxy-)?authorization|\b(?:x-)?api[-_]?key|\bapikey|\baccess[-_]?token|\bx-goog-api-key)
    (["']?\s*[:=]\s*["']?)
    (?:(bearer|basic|token)\s+)?
    [^\s"',;}\]]+""")
_SCHEME = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")


def redact(text: str, secrets: Iterable[Optional[str]] = ()) -> str:
    """``text`` with every secret in ``secrets`` (API keys, proxy passwords...) and the value of every
    ``Authorization`` / ``api-key`` header or field replaced by ``[redacted]``."""
    if not text:
        return text
    text = _FIELD.sub(lambda m: f"{m[1]}{m[2]}{m[3] + ' ' if m[3] else ''}{REDACTED}", text)
    text = _SCHEME.sub(lambda m: f"{m[1]} {REDACTED}", text)
    for secret in sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def shorten(text: str, limit: int = 300) -> str:
    """One line of at most ``limit`` characters (whitespace collapsed; ``…`` where it was cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"

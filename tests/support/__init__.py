"""What the tests share: ``helpers`` (the CLI in-process, loading records, the partition check),
the tiny random-weight models (``tiny_models``: the MarianMT/BART pair the pipeline tests use, built
with ``tiny_families``, the one builder of every model family), a tiny instruction LLM and an
OpenAI-compatible server around it (``tiny_llm``, ``llm_server``), the browser (``browser``), and
``required``: the one definition of a part that CI must have.

A test that needs an optional part (Ray, the browser, translate-toolkit, the serving extra) calls
``required(what, how)`` when it is missing: a skip with the reason on a developer's machine, a
failure in CI (``TRANSLATE_FULL_TESTS=1``, set by ``.ci/run``, which installs every extra), so no
test skips silently where the work is judged.
"""

from __future__ import annotations

import importlib
import os

import pytest

FULL = os.environ.get("TRANSLATE_FULL_TESTS") == "1"


def required(what: str, how: str) -> None:
    """``what`` is missing: fail in CI, skip elsewhere, saying ``how`` to get it."""
    message = f"{what} is missing ({how})"
    if FULL:
        pytest.fail(f"TRANSLATE_FULL_TESTS=1 but {message}")
    pytest.skip(message)


def required_module(name: str, how: str):
    """The module ``name``, or ``required`` when it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ImportError:
        required(f"the Python module {name}", how)

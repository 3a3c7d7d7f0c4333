"""Shared fixtures. No test touches the network: the Hub is offline and sockets to anything but
localhost are refused."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.pop("TRANSLATE_CONFIG", None)
os.environ["TRANSLATE_CACHE"] = tempfile.mkdtemp(prefix="translate-cache-")  # CTranslate2 conversions

FIXTURES = Path(__file__).parent / "fixtures"
_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and not host.startswith("/"):
        raise OSError(f"tests must not use the network (tried {address!r})")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> Path:
    """models.yaml naming a tiny random MarianMT and a tiny random BART, built once per session."""
    from tests.support.tiny_models import build_all

    return build_all(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture
def articles(tmp_path) -> Path:
    """A folder with three good articles written for the tests."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("article_full.txt", "article_notitle.txt", "article.md"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    return folder

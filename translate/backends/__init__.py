"""Model backends: one interface (translate a batch of texts), behaviour added by wrapping."""

from .base import Backend, Output
from .wrappers import BatchingBackend, MemoBackend

__all__ = ["Backend", "Output", "BatchingBackend", "MemoBackend", "load_backend"]


def load_backend(options, *, role: str) -> Backend:
    """Load the backend named by ``options.backend`` (translation or summary options)."""
    from .hf import TransformersBackend

    return TransformersBackend.load(options, role=role)

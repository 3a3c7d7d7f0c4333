"""Output writers: each turns the canonical article record (or the batch) into one file format."""

from .index import render_index
from .markdown import render_markdown

__all__ = ["render_index", "render_markdown"]

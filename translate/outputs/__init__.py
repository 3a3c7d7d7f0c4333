"""Output writers: each turns the canonical article record (or the batch) into one file format."""

from .html import render_article_html, render_index_html
from .index import render_index
from .markdown import render_markdown
from .tabular import render_tmx, render_tsv, tmx_pairs

__all__ = ["render_article_html", "render_index_html", "render_index", "render_markdown", "render_tmx",
           "render_tsv", "tmx_pairs"]

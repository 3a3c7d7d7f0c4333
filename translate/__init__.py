"""translate: Arabic news articles -> segmented, aligned English translations and summaries.

The public API is small and cheap to import (each name loads its module on first use; models
load only when used)::

    from translate import translate_text, english
    record = translate_text("قال الوزير إن المحادثات كانت مثمرة.", config="models.yaml")
    print(english(record))          # the English; record: the article record (schema translate.article/1)

    from translate import translate_file, load_config, run_batch, RunOptions, read_document, segment

``translate_text`` / ``translate_file`` run one text or file through the same pipeline as a batch
(profiles, translation memory, quality flags); ``run_batch`` a folder (see README "Python API").
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Config": "config", "Profile": "config", "load_config": "config",
    "TranslateError": "errors", "UsageError": "errors", "InputError": "errors",
    "read_document": "reading.files", "segment": "text.segment", "Document": "text.segment",
    "RunOptions": "runners", "BatchReport": "runners", "run_batch": "runners",
    "translate_text": "runners.single", "translate_file": "runners.single", "english": "runners.single",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'translate' has no attribute {name!r}")

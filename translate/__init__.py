"""translate: Arabic news articles -> segmented, aligned English translations and summaries.

The public API is small and cheap to import (models load only when used)::

    from translate import load_config, run_batch, RunOptions, read_document, segment
"""

__version__ = "0.1.0"

from .config import Config, Profile, load_config  # noqa: E402
from .errors import InputError, TranslateError, UsageError  # noqa: E402
from .reading.files import read_document  # noqa: E402
from .runners.common import BatchReport, RunOptions  # noqa: E402
from .runners.local import run_batch  # noqa: E402
from .text.segment import Document, segment  # noqa: E402

__all__ = ["__version__", "Config", "Profile", "load_config", "TranslateError", "UsageError", "InputError",
           "read_document", "segment", "Document", "run_batch", "RunOptions", "BatchReport"]

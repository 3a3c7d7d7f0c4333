"""Every domain error of the package, each carrying what went wrong and how to fix it.

The CLI maps the two families to exit codes (see README "Exit codes"):

* ``UsageError`` (config, model availability, bad arguments): nothing can be done, exit 2.
* ``InputError`` (one article that cannot be read): reported, the batch goes on, exit 1.
"""

from __future__ import annotations


class TranslateError(Exception):
    """Base class: ``reason`` says what is wrong, ``hint`` what to do about it."""

    def __init__(self, reason: str, hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.reason}\n  fix: {self.hint}" if self.hint else self.reason


class UsageError(TranslateError):
    """The run cannot start: bad arguments, configuration or missing models (exit code 2)."""


class ConfigError(UsageError):
    """``models.yaml`` is missing, malformed or names an unknown profile."""

    def __init__(self, path: object, key: str, reason: str, hint: str) -> None:
        where = f"{path}: {key}" if key else f"{path}"
        super().__init__(f"{where}: {reason}", hint)
        self.path = path
        self.key = key


class FolderBusyError(UsageError):
    """Another run holds the output folder and ``--no-wait`` was given."""


class ModelUnavailableError(UsageError):
    """A model could not be loaded (not cached, no network, broken folder)."""


class ConversionError(ModelUnavailableError):
    """A model could not be converted to CTranslate2 (``backend: auto`` then falls back to Transformers)."""


class ModelRefusedError(UsageError):
    """A model cannot be used as asked: its languages exclude Arabic->English, or its family (and so
    its language tags) cannot be determined. Raised before any article is read."""


class InputError(TranslateError):
    """One input file cannot be processed; the batch goes on without it (exit code 1)."""

    code = "input"


class UnreadableFileError(InputError):
    code = "unreadable"


class EmptyFileError(InputError):
    code = "empty"


class EncodingError(InputError):
    code = "encoding"


class NotArabicError(InputError):
    code = "not-arabic"


class UnsupportedFormatError(InputError):
    code = "unsupported-format"


class TooLargeError(InputError):
    code = "too-large"


class OutputError(UsageError):
    """An output file cannot be written (disk full, quota, read-only or forbidden folder): the run
    cannot go on, and nothing partial was left behind. ``path`` is the file, ``errno`` the cause."""

    code = "output"

    def __init__(self, reason: str, hint: str, *, path: object = None, errno: int | None = None) -> None:
        super().__init__(reason, hint)
        self.path = path
        self.errno = errno


class SummaryError(InputError):
    """An article's summary cannot be made (e.g. the hierarchical summary stops shrinking and no
    fallback was given); the batch goes on without that article."""

    code = "summary"


class ReferencesError(UsageError):
    """A reference file for ``translate eval`` cannot be used (exit code 2): the message names the
    file and, where there is one, the line."""

    code = "references"

    def __init__(self, path: object, line: int | None, reason: str, hint: str) -> None:
        where = f"{path}:{line}: " if path is not None and line else f"{path}: " if path is not None else ""
        super().__init__(f"{where}{reason}", hint)
        self.path = path
        self.line = line


class CorrectionsFileError(UsageError):
    """A corrections file for ``translate review import`` (review page export, XLIFF, TMX, TSV)
    cannot be read or matched to the batch (exit code 2): nothing from any file was applied."""

    code = "corrections"

    def __init__(self, path: object, reason: str, hint: str) -> None:
        super().__init__(f"{path}: {reason}", hint)
        self.path = path


class LLMServerError(ModelUnavailableError):
    """An OpenAI-compatible server cannot be used: unreachable, the API key refused, or the model
    not served. Raised when the backend is built, before any article (exit code 2)."""


class LLMRequestError(InputError):
    """Requests to an LLM kept failing (after the retries) or were rejected while some articles were
    translated or summarized: those articles fail, the batch goes on, a re-run retries them."""

    code = "llm-request"


class LLMContextError(LLMServerError):
    """An LLM server rejected a request as longer than its context window although the request was
    planned to fit: the window the tool works with is larger than the server's (a configuration
    error, exit code 2, rather than every sentence failing one by one)."""


class TranslationMemoryError(UsageError):
    """The translation memory file is damaged or not a translation memory: the run stops before any
    article (exit code 2), naming the file; nothing already finished is touched."""

    code = "memory"


class NoArticlesError(UsageError):
    """The input holds files, but none of a format the tool reads (e.g. only .pdf or .docx): the run
    cannot start (exit code 2); the message names what was found and how to convert it."""

    code = "no-articles"


class ModelArchiveError(UsageError):
    """``translate models import``: the archive is not one ``translate models export`` wrote, or it
    was damaged or altered (a checksum does not match): nothing was installed (exit code 2)."""

    code = "model-archive"

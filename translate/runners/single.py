"""One text through the whole pipeline: ``translate text "…"``, ``translate batch -`` (standard
input) and the Python API (``translate.translate_text`` / ``translate_file``).

It is a batch of one article: the text is written to a temporary folder and run by ``run_batch``
(the local engine, the same profile, memory, flags, model checks and summary as any batch), with
only the JSON record written, which is read back and returned, and a text as short as a headline
accepted (``one_text_profile``). Nothing is left on disk but what goes into the translation memory
named by ``memory`` (none: no memory is read or written)."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

from ..backends.stack import Loader
from ..config import Profile
from ..errors import InputError, UsageError
from ..record import sentences
from .core import Progress
from .plan import RunOptions

TEXT_NAME = "text.txt"
# One text is what the user asked to translate, however short (a headline, one sentence): any text
# with Arabic letters, mostly Arabic, is read. A batch's articles need more (``InputOptions``).
ONE_TEXT_MIN_ARABIC_LETTERS = 1


class _Silent:
    """No progress lines: one text is done when its record is returned."""

    def start(self, total_articles: int) -> None:
        pass

    def article(self, name: str, segments: int) -> None:
        pass

    def segments_done(self, n: int) -> None:
        pass

    def finished(self, name: str, status: str) -> None:
        pass


def resolve_profile(profile: Profile | str | None = None, *, config: str | Path | None = None,
                    summary: str | None = None) -> Profile:
    """A profile: given, or named (None: the default profile) in ``config`` (None: looked up as
    ``translate`` does: ``$TRANSLATE_CONFIG``, ``./models.yaml``, the project's own); ``summary``
    overrides its summary method."""
    from ..config import load_config, with_overrides

    if not isinstance(profile, Profile):
        profile = load_config(Path(config) if config is not None else None).profile(profile)
    return with_overrides(profile, summary=summary) if summary else profile


def one_text_profile(profile: Profile) -> Profile:
    """``profile`` for a batch of one: only the JSON record written (it is read back, then the
    folder goes), and a text as short as a headline accepted (``ONE_TEXT_MIN_ARABIC_LETTERS``)."""
    return dataclasses.replace(profile, output=dataclasses.replace(profile.output, formats=()),
                               input=dataclasses.replace(profile.input,
                                                         min_arabic_letters=ONE_TEXT_MIN_ARABIC_LETTERS))


def translate_file(path: str | Path, *, profile: Profile | str | None = None, config: str | Path | None = None,
                   memory: str | Path | None = None, summary: str | None = "none", reuse_translations: bool = True,
                   loader: Loader | None = None, progress: Progress | None = None) -> dict:
    """The record (schema ``translate.article/1``, as ``<name>.json`` of a batch) of one article file
    (.txt, .md, .html). ``memory``: a translation memory file to use and add to (e.g. a batch's
    ``OUT/translation-memory.sqlite``: its reviewers' translations win); ``summary``: ``none``
    (default), ``extractive``, ``abstractive``, or None for the profile's. Any text with Arabic
    letters, mostly Arabic, is translated, however short. Raises ``InputError`` when the text
    cannot be translated (empty, not Arabic...) and ``UsageError`` when the run cannot start
    (configuration, models)."""
    chosen = resolve_profile(profile, config=config, summary=summary)
    source = Path(path)
    if not source.is_file():
        raise UsageError(f"{source} is not a file", "pass the path of an article (.txt, .md, .html)")
    from .batch import run_batch

    batch_of_one = one_text_profile(chosen)
    with tempfile.TemporaryDirectory(prefix="translate-text-") as folder:
        out = Path(folder) / "out"
        run = RunOptions(input=source, out=out, reuse_translations=reuse_translations,
                         memory_path=Path(memory) if memory is not None else Path(folder) / "memory.sqlite",
                         command=("translate", "text"))
        report = run_batch(profile=batch_of_one, run=run, progress=progress or _Silent(), loader=loader)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        (key, entry), = manifest["files"].items()
        if report.failed:
            error = entry.get("error") or {}
            raise InputError(error.get("reason") or report.failed[key], error.get("hint") or "")
        record = json.loads((out / entry["outputs"][0]).read_text(encoding="utf-8"))
    record["provenance"]["profile"] = chosen.name
    return record


def translate_text(text: str | bytes, *, profile: Profile | str | None = None, config: str | Path | None = None,
                   memory: str | Path | None = None, summary: str | None = "none", reuse_translations: bool = True,
                   loader: Loader | None = None, progress: Progress | None = None, name: str = TEXT_NAME) -> dict:
    """The record of one Arabic text (a string, or bytes in any encoding the batch reads: UTF-8,
    UTF-16 with BOM, Windows-1256), read like a ``.txt`` article: one block per line. See
    ``translate_file`` for the options."""
    with tempfile.TemporaryDirectory(prefix="translate-text-in-") as folder:
        source = Path(folder) / name
        source.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        record = translate_file(source, profile=profile, config=config, memory=memory, summary=summary,
                                reuse_translations=reuse_translations, loader=loader, progress=progress)
    return record


def english(record: dict) -> str:
    """The English of a record: its paragraphs' translations, one per line (as the text came)."""
    return "\n".join(p.get("target") or "" for p in record["paragraphs"])


def flagged(record: dict) -> list[tuple[str, list[str]]]:
    """(sentence id, flags) of the record's flagged sentences, in article order."""
    return [(s["id"], list(s["flags"])) for _, s in sentences(record) if s.get("flags")]

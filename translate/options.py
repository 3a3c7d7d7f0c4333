"""The options of a run, as frozen dataclasses: a profile (``Profile``: translation, summary,
output, input, review) and the configuration holding the profiles (``Config``). Built once from
``models.yaml`` (``config``, which parses and validates) and the command-line overrides, then passed
down; changed with ``dataclasses.replace``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .backends.llm.settings import LLMSettings
from .errors import ConfigError
from .outputs import FORMATS
from .reading.files import MIN_ARABIC_LETTERS

SUMMARY_METHODS = ("abstractive", "extractive", "none")
BACKENDS = ("auto", "ctranslate2", "transformers", "openai")
COMPUTE_TYPES = ("auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16",
                 "float32")
DEVICES = ("auto", "cpu", "cuda")
CONFIG_ENV = "TRANSLATE_CONFIG"


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings passed to the model's ``generate``."""

    num_beams: int = 4
    max_new_tokens: int = 512
    min_new_tokens: int = 0
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = 0


@dataclass(frozen=True)
class ModelOptions:
    """What every model role shares: which model runs, where, and how inputs are budgeted and batched."""

    model: str = ""
    revision: str | None = None
    backend: str = "auto"
    device: str = "auto"
    compute_type: str = "auto"  # ctranslate2: int8 on CPU, int8_float16 on CUDA
    threads: int = 0  # ctranslate2: cores the model uses (split between parallel batches); 0: all cores
    parallel_batches: int | str = "auto"  # ctranslate2: batches decoded at once; auto: per device (backends.devices)
    max_input_tokens: int = 256
    batch_tokens: int | str = "auto"  # padded source tokens per batch; auto: per device (backends.devices)
    max_hypotheses: int | str = "auto"  # segments x beams decoded at once; auto: per device
    prefix: str | None = None  # text before every input (None: the family's, e.g. ">>eng<< " or "summarize: ")
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    llm: LLMSettings | None = None  # an instruction LLM (local causal model, or an OpenAI-compatible server)

    @property
    def languages(self) -> tuple[str | None, str | None]:
        """The model's codes for Arabic and English set in the profile (None: detected)."""
        return None, None


@dataclass(frozen=True)
class TranslationOptions(ModelOptions):
    """The translation model."""

    model: str = "Helsinki-NLP/opus-mt-ar-en"
    source_lang: str | None = None  # the model's code for Arabic (None: detected from the model folder)
    target_lang: str | None = None  # the model's code for English (None: detected)
    low_confidence: float | None = None  # flag machine sentences whose confidence (0-1) is below this; None: off

    @property
    def languages(self) -> tuple[str | None, str | None]:
        return self.source_lang, self.target_lang


@dataclass(frozen=True)
class SummaryOptions(ModelOptions):
    """How the English summary is made; the model settings are only used by ``abstractive``
    (an instruction LLM in ``llm`` writes a summary citing its paragraphs)."""

    method: str = "abstractive"
    model: str = "sshleifer/distilbart-cnn-12-6"
    max_input_tokens: int = 1024
    sentences: int = 3
    generation: GenerationSettings = field(
        default_factory=lambda: GenerationSettings(
            num_beams=4, max_new_tokens=142, min_new_tokens=56, length_penalty=2.0, no_repeat_ngram_size=3
        )
    )


OUTPUT_FORMATS = FORMATS  # the writers registered in outputs/


@dataclass(frozen=True)
class OutputOptions:
    """Which per-article views are written (the JSON record always is) and the optional glossary."""

    formats: tuple[str, ...] = OUTPUT_FORMATS
    glossary: str | None = None  # path to a .yaml or .tsv glossary


@dataclass(frozen=True)
class ReviewOptions:
    """What ``translate review import`` accepts."""

    max_correction_characters: int = 10_000  # a longer correction of one sentence is refused (0: no limit)


@dataclass(frozen=True)
class InputOptions:
    """Limits on what one article may be (a longer one fails with a clear message, never cut; a
    shorter one is not an article), and the user's patterns for a source's furniture
    (``text.patterns``; checked when loaded)."""

    max_characters: int = 2_000_000  # 0: no limit
    min_arabic_letters: int = MIN_ARABIC_LETTERS  # fewer: refused as not Arabic (one text: see runners.single)
    chrome_patterns: tuple[str, ...] = ()  # regular expressions: a matching line is chrome
    meta_patterns: tuple[tuple[str, str], ...] = ()  # (role, regular expression): a matching line is meta
    date_patterns: tuple[str, ...] = ()  # regular expressions: a matching line is a date line

    def patterns(self):
        """The compiled patterns for ``text.segment.segment(raw, patterns=...)``, None when there are none."""
        from .text.patterns import from_options

        return from_options(self)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    translation: TranslationOptions
    summary: SummaryOptions
    output: OutputOptions = field(default_factory=OutputOptions)
    input: InputOptions = field(default_factory=InputOptions)
    review: ReviewOptions = field(default_factory=ReviewOptions)
    source: str = ""  # the file the profile came from


@dataclass(frozen=True)
class Config:
    path: Path
    default_profile: str
    profiles: Mapping[str, Profile]

    def profile(self, name: str | None = None) -> Profile:
        chosen = name or self.default_profile
        if chosen not in self.profiles:
            raise ConfigError(
                self.path,
                "profiles",
                f"no profile named {chosen!r} (have: {', '.join(sorted(self.profiles))})",
                "pick one of the listed profiles with --profile, or add it under 'profiles:' in models.yaml",
            )
        return self.profiles[chosen]

"""``translate models``: which models the profiles name, whether they are here, fetching them."""

from __future__ import annotations

import json
import logging
import re
from typing import Iterator

from .config import Config, Profile
from .errors import ModelUnavailableError

log = logging.getLogger("translate")


def _models(profile: Profile) -> list[tuple[str, str, str | None]]:
    """(role, model, revision) of the models the profile loads from the Hub or a folder (a model
    behind an OpenAI-compatible server is not downloaded)."""
    return [(role, options.model, options.revision) for role, options in _options(profile)
            if options.backend != "openai"]


def _served(profile: Profile) -> list[tuple[str, object]]:
    return [(role, options) for role, options in _options(profile) if options.backend == "openai"]


def _options(profile: Profile) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = [("translation", profile.translation)]
    if profile.summary.method == "abstractive":
        found.append(("summary", profile.summary))
    return found


def convert_profile(profile: Profile) -> Iterator[str]:
    """Convert the profile's models to CTranslate2 (where their backend is ctranslate2 or auto)."""
    from .backends import CT2_MODEL_TYPES
    from .backends.ct2 import CTranslate2Backend
    from .backends.hub import resolve_model

    for role, options in _options(profile):
        if options.backend in ("transformers", "openai") or getattr(options, "llm", None) is not None:
            yield f"{role}: {options.model} uses the {options.backend} backend, nothing to convert"
            continue
        folder = resolve_model(options.model, options.revision, role)
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
        if options.backend == "auto" and model_type not in CT2_MODEL_TYPES:
            yield f"{role}: {options.model} ({model_type}) is not supported by CTranslate2; transformers will be used"
            continue
        yield f"{role}: ctranslate2 copy in {CTranslate2Backend(options, folder, role).converted()}"


def describe_profiles(config: Config) -> str:
    from .backends.hub import is_cached

    lines = [f"profiles in {config.path} (default: {config.default_profile})"]
    for name, profile in config.profiles.items():
        mark = " (default)" if name == config.default_profile else ""
        lines.append(f"{name}{mark}: {profile.description}".rstrip(": "))
        for role, model, revision in _models(profile):
            state = "available" if is_cached(model, revision) else "not downloaded"
            lines.append(f"  {role:<11} {model}{'@' + revision if revision else ''}  [{state}]")
        for role, options in _served(profile):
            lines.append(f"  {role:<11} {options.model}  [served by {options.llm.base_url}]")
        if profile.summary.method != "abstractive":
            lines.append(f"  summary     {profile.summary.method} (no model)")
    return "\n".join(lines)


def download_profile(profile: Profile) -> Iterator[str]:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    from .backends.hub import SKIP_FILES, hub_reachable, is_local

    for role, options in _served(profile):
        yield f"{role}: {options.model} is served by {options.llm.base_url}, nothing to download"
    for role, model, revision in _models(profile):
        if is_local(model):
            yield f"{role}: {model} is a local folder, nothing to download"
            continue
        if not hub_reachable():
            raise ModelUnavailableError(f"cannot reach the Hugging Face Hub to download {model!r}",
                                        "run this on a machine with internet access, then copy ~/.cache/huggingface here")
        yield f"{role}: downloading {model}{'@' + revision if revision else ''} ..."
        try:
            path = snapshot_download(model, revision=revision, ignore_patterns=SKIP_FILES)
        except (HfHubHTTPError, OSError, ValueError) as exc:
            raise ModelUnavailableError(f"download of {model!r} failed ({exc})",
                                        "check the model id and revision in models.yaml and your connection") from exc
        yield f"{role}: {model} is in {path}"


# A few Arabic news sentences with numbers, names and a date: enough to show wrong language tags
# (output in another language or script), broken weights (empty, looping) or lost numbers.
CHECK_SENTENCES = (
    "قال وزير الخارجية إن المحادثات مع الوفد الروسي كانت مثمرة.",
    "ارتفع عدد السكان إلى 4.5 مليون نسمة في عام 2023.",
    "أعلنت الحكومة عن خطة جديدة لدعم الاقتصاد بقيمة 200 مليار دولار.",
    "وصل الرئيس إلى القاهرة يوم الثلاثاء في زيارة تستمر ثلاثة أيام.",
    "أكدت الأمم المتحدة أن المساعدات الإنسانية وصلت إلى غزة صباح اليوم.",
)
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LETTER = re.compile(r"[^\W\d_]")


def check_output(source: str, target: str) -> list[str]:
    """What is wrong with one check translation: the sentence flags a reviewer would see, plus
    ``not_latin`` when under 80% of the letters are Latin script (English expected)."""
    from .stages.flags import flag_sentence

    problems = [f for f in flag_sentence(source, target) if f in ("empty", "untranslated", "number_mismatch",
                                                                   "repetition")]
    letters = _LETTER.findall(target)
    if letters and sum(1 for ch in letters if _LATIN.match(ch)) / len(letters) < 0.8:
        problems.append("not_latin")
    return problems


def check_profile(profile: Profile) -> tuple[list[str], int]:
    """Load the profile's translation model, translate the check sentences; (report lines, number
    of suspicious translations)."""
    from .backends import load_backend
    from .evaluation.run import translate_lines
    from .runners.common import batched

    options = profile.translation
    backend = load_backend(options, role="translation")
    translated = translate_lines(batched(backend, options, role="translation", device=backend.device), CHECK_SENTENCES,
                                 budget=min(options.max_input_tokens, backend.max_input_tokens))
    info = backend.provenance()
    family = f", {info['family']['name']}" if isinstance(info.get("family"), dict) else ""
    lines = [f"profile {profile.name}: {options.model} ({info.get('backend')}{family})"]
    bad = 0
    for source, (target, _) in zip(CHECK_SENTENCES, translated):
        problems = check_output(source, target)
        bad += bool(problems)
        lines += [f"  ar: {source}", f"  en: {target or '(empty)'}"]
        if problems:
            lines.append(f"  !! {', '.join(problems)}")
    verdict = ("looks right" if not bad else
               f"{bad} of {len(CHECK_SENTENCES)} translations look wrong: check the model's language tags "
               "(translation.source_lang / target_lang / prefix in models.yaml) and that the weights are complete")
    lines.append(f"{profile.name}: {verdict}")
    return lines, bad

"""``translate models check``: a profile's translation model on a few built-in sentences, through
the batch's own path, with what looks wrong in each translation."""

from __future__ import annotations

import re

from ..config import Profile

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
    from ..stages.flags import flag_sentence

    problems = [f for f in flag_sentence(source, target) if f in ("empty", "untranslated", "number_mismatch",
                                                                   "repetition")]
    letters = _LETTER.findall(target)
    if letters and sum(1 for ch in letters if _LATIN.match(ch)) / len(letters) < 0.8:
        problems.append("not_latin")
    return problems


def check_profile(profile: Profile) -> tuple[list[str], int]:
    """Load the profile's translation model, translate the check sentences; (report lines, number
    of suspicious translations)."""
    from ..backends.stack import build_stack
    from .run import translate_lines

    options = profile.translation
    stack = build_stack(options, role="translation", isolate=False)
    translated = translate_lines(stack.top, CHECK_SENTENCES, budget=stack.budget)
    info = stack.model.provenance()
    family = f", {info['family']['name']}" if isinstance(info.get("family"), dict) else ""
    lines = [f"profile {profile.name}: {options.model} ({info.get('backend')}{family})"]
    bad = 0
    for source, (target, _, _) in zip(CHECK_SENTENCES, translated):
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

"""Recognize an article's date line and parse it to ISO ``YYYY-MM-DD``.

Handles both families of Arabic month names (يونيو / حزيران, أكتوبر / تشرين الأول …), the combined
``ديسمبر/كانون الأول`` form, Arabic-Indic or ASCII digits, optional weekday, time and Hijri date
beside the Gregorian one, English month names, and numeric ``11.03.2024`` / ``2024-03-11`` forms.
"""

from __future__ import annotations

import datetime as dt
import re

from .normalize import fold_digits, for_model

_MONTHS = {
    1: ["يناير", "كانون الثاني", "جانفي", "january", "jan"],
    2: ["فبراير", "شباط", "فيفري", "february", "feb"],
    3: ["مارس", "آذار", "اذار", "march", "mar"],
    4: ["أبريل", "ابريل", "إبريل", "نيسان", "أفريل", "افريل", "april", "apr"],
    5: ["مايو", "أيار", "ايار", "ماي", "may"],
    6: ["يونيو", "يونيه", "حزيران", "جوان", "june", "jun"],
    7: ["يوليو", "يوليه", "تموز", "جويلية", "july", "jul"],
    8: ["أغسطس", "اغسطس", "آب", "اب", "أوت", "اوت", "august", "aug"],
    9: ["سبتمبر", "أيلول", "ايلول", "september", "sep", "sept"],
    10: ["أكتوبر", "اكتوبر", "تشرين الأول", "تشرين الاول", "october", "oct"],
    11: ["نوفمبر", "تشرين الثاني", "november", "nov"],
    12: ["ديسمبر", "كانون الأول", "كانون الاول", "december", "dec"],
}
_NAME_TO_MONTH = {name: month for month, names in _MONTHS.items() for name in names}
_MONTH = "|".join(sorted((re.escape(n) for n in _NAME_TO_MONTH), key=len, reverse=True))
_WEEKDAYS = r"(?:يوم\s+)?(?:ال)?(?:سبت|أحد|احد|اثنين|إثنين|ثلاثاء|أربعاء|اربعاء|خميس|جمعة)|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_HIJRI_MONTHS = r"محرم|صفر|ربيع الأول|ربيع الاول|ربيع الثاني|ربيع الآخر|جمادى الأولى|جمادى الاولى|جمادى الآخرة|جمادى الثانية|رجب|شعبان|رمضان|شوال|ذو القعدة|ذو الحجة"

_NAMED = re.compile(
    rf"(?P<day>\d{{1,2}})\s*(?:من\s+)?(?P<m1>{_MONTH})(?:\s*[/\\(-]\s*(?P<m2>{_MONTH})\s*\)?)?\s*[,،]?\s*(?P<year>\d{{4}})",
    re.IGNORECASE,
)
_NAMED_MDY = re.compile(rf"(?P<m1>{_MONTH})\s+(?P<day>\d{{1,2}})\s*,?\s*(?P<year>\d{{4}})", re.IGNORECASE)
_NUMERIC_DMY = re.compile(r"(?P<day>\d{1,2})[./-](?P<month>\d{1,2})[./-](?P<year>\d{4})")
_NUMERIC_YMD = re.compile(r"(?P<year>\d{4})[./-](?P<month>\d{1,2})[./-](?P<day>\d{1,2})")
_HIJRI = re.compile(rf"\d{{1,2}}\s+(?:{_HIJRI_MONTHS})\s+\d{{4}}\s*(?:هـ|ه)?\.?")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm|ص|م|صباحا|مساء|مساءً|صباحاً|gmt|utc|بتوقيت\s+\S+)?", re.IGNORECASE)
_FILLER = re.compile(rf"(?:{_WEEKDAYS})|الموافق|م\b|هـ|التاريخ|تاريخ|نشر في|نشر|بتاريخ|آخر تحديث|تحديث|published|updated|on|[\s,،:|/\-–—.()]+", re.IGNORECASE)


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_date(text: str) -> str | None:
    """The first Gregorian date written in ``text``, as ISO, or None."""
    flat = for_model(text)
    for pattern in (_NAMED, _NAMED_MDY):
        match = pattern.search(flat)
        if match:
            month = _NAME_TO_MONTH[match["m1"].lower()]
            found = _valid(int(match["year"]), month, int(match["day"]))
            if found:
                return found
    for pattern in (_NUMERIC_YMD, _NUMERIC_DMY):
        match = pattern.search(flat)
        if match:
            found = _valid(int(match["year"]), int(match["month"]), int(match["day"]))
            if found:
                return found
    return None


def parse_date_line(text: str) -> str | None:
    """ISO date when the whole of ``text`` is a date line (weekday, time, Hijri allowed), else None."""
    flat = for_model(fold_digits(text))
    if len(flat) > 120:
        return None
    iso = find_date(flat)
    if iso is None:
        return None
    rest = flat
    for pattern in (_HIJRI, _NAMED, _NAMED_MDY, _NUMERIC_YMD, _NUMERIC_DMY, _TIME):
        rest = pattern.sub(" ", rest)
    rest = _FILLER.sub("", rest)
    return iso if not rest.strip() else None


_PLACE = re.compile(r"^\s*(?P<place>[^\W\d_]+(?:[\s-][^\W\d_]+){0,2})\s*[،,:|/\-–—]\s*(?=\S)")


def parse_place_date(text: str) -> str | None:
    """ISO date of a place-and-date line (``الرباط، 2 فبراير 2025``, ``القاهرة - 3 مارس 2024``): a
    place of one to three words, a separator, then a date line; else None."""
    flat = for_model(text)
    match = _PLACE.match(flat)
    return parse_date_line(flat[match.end():]) if match else None

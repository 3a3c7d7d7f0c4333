"""Recognize an article's date and time lines and parse them to ISO ``YYYY-MM-DD`` (and ``HH:MM``).

Scraped and wire articles carry their date in many forms, and a date line that is not recognized
becomes a body paragraph sent to the model (or, under a lost title, the title). Recognized here:

* Arabic month names of every region — Egyptian/Gulf ``يناير``, Levantine/Iraqi ``كانون الثاني``,
  Maghreb ``جانفي، فيفري، أفريل، جوان، جويلية، أوت``, Moroccan ``يوليوز، غشت، شتنبر، نونبر، دجنبر`` —
  alone or paired (``ديسمبر/كانون الأول``), English names, with or without weekday, spelling
  variants (hamza, alef maqsura, ta marbuta, diacritics) folded;
* numeric dates ``21/04/2017``, ``2017/04/21``, ``11.03.2024`` (day first; month first only when
  the day-first reading is impossible);
* RFC 2822 ``Thu, 09 Aug 2018 19:06:41 +0000`` (``GMT``/``UTC``/numeric offsets), ISO 8601
  ``2017-05-21T11:52:00+01:00`` / ``…Z``; times with ``ص``/``م``, ``بتوقيت …`` and agency codes
  ``ت م`` / ``ت غ``;
* Hijri dates (``25 شوال 1436 هـ``, ``1446/05/15هـ``) beside their Gregorian equivalent (``… هـ
  الموافق … م``): the Gregorian one is the date, the Hijri text is kept; alone (Saudi and Gulf papers
  often print only the Hijri date), converted by the Umm al-Qura calendar, Saudi Arabia's official
  one (``hijridate``'s table, 1343–1500 AH): a date outside it keeps only its Hijri text;
* a place before the date (``الرياض 25 شوال … م``, ``القاهرة - 3 مارس 2024``), agency codes
  at the start or end (``واس``, ``(أ ف ب)``, ``/أ ش أ/``), labels (``نشر في``, ``آخر تحديث``);
* relative stamps (``منذ 3 ساعات``): a date line without a date.

A *date line* is a line that is only that: a sentence that mentions a date is not one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hijridate import Hijri

from .normalize import fold_digits, for_model

FOLD_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_HARAKAT = re.compile("[\u064b-\u0652\u0670]")


def fold(text: str) -> str:
    """Spelling variants folded for matching names: hamza forms, alef maqsura, ta marbuta, diacritics."""
    return _HARAKAT.sub("", text).translate(FOLD_LETTERS)


_MONTHS = {
    1: ["يناير", "كانون الثاني", "كانون ثاني", "جانفي", "جانفييه", "january", "jan"],
    2: ["فبراير", "شباط", "فيفري", "فبرير", "february", "feb"],
    3: ["مارس", "آذار", "march", "mar"],
    4: ["أبريل", "نيسان", "أفريل", "april", "apr"],
    5: ["مايو", "أيار", "ماي", "may"],
    6: ["يونيو", "يونيه", "حزيران", "جوان", "june", "jun"],
    7: ["يوليو", "يوليه", "يوليوز", "تموز", "جويلية", "جوليه", "july", "jul"],
    8: ["أغسطس", "آب", "أوت", "غشت", "august", "aug"],
    9: ["سبتمبر", "أيلول", "شتنبر", "september", "sept", "sep"],
    10: ["أكتوبر", "تشرين الأول", "تشرين اول", "october", "oct"],
    11: ["نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر", "november", "nov"],
    12: ["ديسمبر", "كانون الأول", "كانون اول", "دجنبر", "december", "dec"],
}
_NAME_TO_MONTH = {fold(name): month for month, names in _MONTHS.items() for name in names}
_MONTH = "|".join(sorted((re.escape(n).replace(r"\ ", r"\s+") for n in _NAME_TO_MONTH), key=len, reverse=True))
_HIJRI_MONTH_NAMES = {
    1: ["محرم"], 2: ["صفر"], 3: ["ربيع الأول", "ربيع أول"], 4: ["ربيع الثاني", "ربيع الآخر", "ربيع ثاني", "ربيع آخر"],
    5: ["جمادى الأولى", "جمادى الأول", "جمادى أولى"],
    6: ["جمادى الآخرة", "جمادى الثانية", "جمادى الآخر", "جمادى الثاني", "جمادى آخرة"], 7: ["رجب"], 8: ["شعبان"],
    9: ["رمضان"], 10: ["شوال"], 11: ["ذو القعدة", "ذي القعدة"], 12: ["ذو الحجة", "ذي الحجة"],
}
_HIJRI_NAME_TO_MONTH = {fold(name): month for month, names in _HIJRI_MONTH_NAMES.items() for name in names}
_HIJRI_MONTHS = "|".join(sorted((name.replace(" ", r"\s+") for name in _HIJRI_NAME_TO_MONTH), key=len, reverse=True))
_HIJRI_EPITHET = r"(?:\s+(?:الحرام|المبارك|المعظم|الخير))?"  # "رمضان المبارك", "محرم الحرام"
_WEEKDAYS = {fold(w) for w in (
    "السبت", "الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "سبت", "أحد", "اثنين",
    "ثلاثاء", "أربعاء", "خميس", "جمعة", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun")}
_FILLER = _WEEKDAYS | {fold(w) for w in (
    "يوم", "الموافق", "م", "ه", "هـ", "ميلادي", "ميلادية", "هجري", "هجرية", "التاريخ", "تاريخ", "النشر", "نشر",
    "نشرت", "نشر في", "بتاريخ", "آخر", "اخر", "تحديث", "التحديث", "محدث", "تم", "في", "الساعة", "الساعه", "عند",
    "published", "updated", "posted", "last", "update", "modified", "on", "at", "date", "time", "am", "pm")}
_LETTER = r"[^\W\d_]"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?!\d)"
_NAMED = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:من\s+)?(?:شهر\s+)?(?P<m1>{_MONTH})(?!{_LETTER})"
    rf"(?:\s*[/\\(-]\s*(?P<m2>{_MONTH})\s*\)?)?\s*[,،]?\s*(?:(?:من\s+)?(?:عام|سنه|لعام)\s+)?{_YEAR}", re.I)
_NAMED_MDY = re.compile(rf"(?<!{_LETTER})(?P<m1>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*[,،]?\s*{_YEAR}",
                        re.I)
_DAY_MONTH = re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?:من\s+)?(?:شهر\s+)?(?P<m1>{_MONTH})(?!{_LETTER})", re.I)
_ISO = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)[T ](?P<h>\d\d):(?P<mi>\d\d)"
                  r"(?::(?P<s>\d\d)(?:[.,]\d+)?)?\s?(?P<off>Z|[+-]\d\d(?::?\d\d)?)?(?![\w:])", re.I)
_NUMERIC_YMD = re.compile(r"(?<![\d.])(?P<year>(?:19|20)\d\d)\s?([./-])\s?(?P<month>\d{1,2})\s?\2\s?(?P<day>\d{1,2})"
                          r"(?![\d.]\d)")
_NUMERIC_DMY = re.compile(r"(?<![\d.])(?P<day>\d{1,2})\s?([./-])\s?(?P<month>\d{1,2})\s?\2\s?" + _YEAR)
_HIJRI = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})\s*(?:من\s+)?(?:شهر\s+)?(?P<name>{_HIJRI_MONTHS}){_HIJRI_EPITHET}\s*[,،]?\s*"
    rf"(?:(?:من\s+)?(?:عام|سنه)\s+)?(?P<year>1[34]\d\d)(?:\s*(?:ه|هجريه|هجري|للهجره)(?!{_LETTER}))?"
    rf"|(?<![\d./-])(?:(?P<ymd_y>1[34]\d\d)[/.-](?P<ymd_m>\d{{1,2}})[/.-](?P<ymd_d>\d{{1,2}})"
    rf"|(?P<dmy_d>\d{{1,2}})[/.-](?P<dmy_m>\d{{1,2}})[/.-](?P<dmy_y>1[34]\d\d))\s*ه(?!{_LETTER})")
_AMPM = r"am|pm|a\.m\.|p\.m\.|صباحا|ص|مساء|م|ظهرا|عصرا|ليلا|فجرا"
_ZONE = (rf"gmt|utc|z|ب?توقيت\s+{_LETTER}+(?:\s+(?:المكرمه|المنوره|الدولي|العالمي|المحلي|غرينتش|جرينتش))?"
         rf"|ت\s?\.?\s?[مغ](?!{_LETTER})")
_TIME = re.compile(
    rf"(?<![\d:])(?P<h>\d{{1,2}}):(?P<mi>\d\d)(?::(?P<s>\d\d))?(?![\d:])"
    rf"(?:\s*(?P<ampm>{_AMPM})(?!{_LETTER}))?"
    rf"(?:\s*\(?\s*(?P<zone>{_ZONE})(?!{_LETTER})\s*(?P<off>[+-]\s?\d{{1,2}}(?::?\d\d)?)?\s*\)?"
    rf"|\s*(?P<off2>[+-]\d\d:?\d\d))?", re.I)
_RELATIVE = re.compile(fold(
    r"^(?:(?:نشر|تم النشر|اخر تحديث|تحديث|محدث)\s*:?\s*)?(?:منذ|قبل)\s+(?:\d+\s+)?(?:ثانيه|ثوان|ثواني|دقيقه|دقائق|"
    r"دقيقتين|ساعه|ساعات|ساعتين|يوم|ايام|يومين|اسبوع|اسابيع|اسبوعين|شهر|اشهر|شهرين)$"))
_AGENCY_GROUP = re.compile(r"\([^()\n]{1,40}\)|/[^/\n\d]{1,25}/")
_AGENCY_CODES = (  # news agencies as their datelines write them (folded; dotted forms become spaced)
    "واس", "وام", "قنا", "بنا", "كونا", "سبا", "سانا", "وفا", "بترا", "واج", "ومع", "وات", "العمانيه", "الاناضول",
    "رويترز", "شينخوا", "تاس", "سبوتنيك", "نوفوستي", "ارنا", "ا ف ب", "ف ب", "د ب ا", "ا ش ا", "ا ب", "يو بي اي",
    "afp", "ap", "dpa", "reuters", "xinhua", "qna", "wam", "spa", "kuna", "bna", "sana", "wafa", "mena", "ina",
    "aa", "upi")
AGENCY_CODE = re.compile(rf"(?<!{_LETTER})(?:{'|'.join(sorted(map(re.escape, _AGENCY_CODES), key=len, reverse=True))})"
                         rf"(?!{_LETTER})", re.I)
_PUNCT = re.compile(r"[\s,،:|/\\\-–—.()\[\]«»\"'“”•·*_]+")
_PLACE_SEPARATOR = re.compile(r"^\s*[،,:|/\-–—]")
_MARK = "\x00"
MAX_LINE = 160


@dataclass(frozen=True)
class DateLine:
    """What a date line says. ``iso``: the Gregorian date written (None for a time or relative
    stamp, or a Hijri date alone); ``time``: ``HH:MM[:SS]`` (24 hours) with its UTC offset when the
    line has one (``+01:00``, ``Z``); ``hijri``: the Hijri date as written; ``agency``: an agency
    code was part of the line; ``hijri_iso``: the Gregorian day of that Hijri date by the Umm
    al-Qura calendar (None outside its table) — kept apart from ``iso`` so that a date the
    article writes is never confused with one computed from it."""

    iso: str | None
    time: str | None = None
    hijri: str | None = None
    agency: bool = False
    hijri_iso: str | None = None

    @property
    def day(self) -> str | None:
        """The line's date: the Gregorian date written, else its Hijri date converted."""
        return self.iso or self.hijri_iso


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def umm_al_qura(year: int, month: int, day: int) -> str | None:
    """The Gregorian date (ISO) of a Hijri date by the Umm al-Qura calendar, Saudi Arabia's official
    one, whose months follow the Saudi tables rather than arithmetic; None outside ``hijridate``'s
    table (1343–1500 AH) or for a day the month does not have there (a "30" in a 29-day month)."""
    try:
        return Hijri(year, month, day).to_gregorian().isoformat()
    except (ValueError, OverflowError):
        return None


def _hijri_iso(match: re.Match) -> str | None:
    """The Umm al-Qura conversion of a ``_HIJRI`` match (a month name, or numbers year or day first)."""
    if match["name"]:
        month = _HIJRI_NAME_TO_MONTH.get(re.sub(r"\s+", " ", match["name"]))
        return umm_al_qura(int(match["year"]), month, int(match["day"])) if month else None
    if match["ymd_y"]:
        return umm_al_qura(int(match["ymd_y"]), int(match["ymd_m"]), int(match["ymd_d"]))
    return umm_al_qura(int(match["dmy_y"]), int(match["dmy_m"]), int(match["dmy_d"]))


def _flat(text: str) -> str:
    return fold(for_model(fold_digits(text))).lower()


def _named_iso(match: re.Match) -> str | None:
    month = _NAME_TO_MONTH.get(re.sub(r"\s+", " ", match["m1"].lower()))
    return _valid(int(match["year"]), month, int(match["day"])) if month else None


def _numeric_iso(match: re.Match, *, day_first: bool) -> str | None:
    year, first, second = int(match["year"]), int(match["month"]), int(match["day"])
    if day_first:  # the group names follow the day-first reading; month first when it is the only valid one
        return _valid(year, first, second) or _valid(year, second, first)
    return _valid(year, first, second)


def _dates(flat: str) -> list[tuple[tuple[int, int], str | None]]:
    """Every Gregorian date in ``flat`` with its span, earliest first (None: not a valid date)."""
    found: list[tuple[tuple[int, int], str | None]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match, iso: str | None) -> None:
        if not any(a < match.end() and match.start() < b for a, b in taken):
            found.append((match.span(), iso))
            taken.append(match.span())

    for match in _ISO.finditer(flat):
        add(match, _valid(int(match["year"]), int(match["month"]), int(match["day"])))
    for pattern in (_NAMED, _NAMED_MDY):
        for match in pattern.finditer(flat):
            add(match, _named_iso(match))
    for match in _NUMERIC_YMD.finditer(flat):
        add(match, _valid(int(match["year"]), int(match["month"]), int(match["day"])))
    for match in _NUMERIC_DMY.finditer(flat):
        add(match, _numeric_iso(match, day_first=True))
    return sorted(found)


def find_date(text: str) -> str | None:
    """The first valid Gregorian date written in ``text``, as ISO, or None."""
    return next((iso for _, iso in _dates(_flat(text)) if iso), None)


def _time(match: re.Match) -> str | None:
    hour, minute = int(match["h"]), int(match["mi"])
    ampm = (match["ampm"] or "").lower()
    if hour > 23 or minute > 59 or (ampm and hour > 12):
        return None
    if ampm in ("pm", "p.m.", "م", "مساء", "ظهرا", "عصرا", "ليلا") and hour < 12:
        hour += 12
    elif ampm in ("am", "a.m.", "ص", "صباحا", "فجرا") and hour == 12:
        hour = 0
    clock = f"{hour:02d}:{minute:02d}" + (f":{match['s']}" if match["s"] else "")
    zone = (match["zone"] or "").lower().replace(" ", "")
    offset = (match["off"] or match["off2"] or "").replace(" ", "")
    return clock + _offset(zone, offset)


def _offset(zone: str, offset: str) -> str:
    if offset:
        sign, digits = offset[0], offset[1:].replace(":", "")
        hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "00")
        return f"{sign}{int(hours):02d}:{minutes}"
    if zone in ("gmt", "utc", "بتوقيتغرينتش", "بتوقيتجرينتش", "تغ", "ت.غ"):
        return "+00:00"
    if zone in ("تم", "ت.م", "بتوقيتمكه", "بتوقيتمكهالمكرمه"):  # Makkah time, as Saudi agency codes write it
        return "+03:00"
    return "Z" if zone == "z" else ""


def _iso_time(match: re.Match) -> str:
    clock = f"{match['h']}:{match['mi']}" + (f":{match['s']}" if match["s"] else "")
    offset = match["off"] or ""
    return clock + ("Z" if offset.upper() == "Z" else _offset("", offset))


def read_date_line(text: str) -> DateLine | None:
    """What the line says when the whole of ``text`` is a date or time line, else None."""
    flat = _flat(text)
    if not flat or len(flat) > MAX_LINE:
        return None
    if _RELATIVE.match(flat.strip(" .")):
        return DateLine(None)
    spans: list[tuple[int, int]] = []
    dates = _dates(flat)
    if any(iso is None for _, iso in dates):
        return None  # "31 فبراير 2023": not a date, and not a date line either
    spans += [span for span, _ in dates]
    iso = dates[0][1] if dates else None
    clock = None
    for match in _ISO.finditer(flat):
        clock = clock or _iso_time(match)
    hijri = hijri_iso = None
    for match in _HIJRI.finditer(flat):
        if not any(a < match.end() and match.start() < b for a, b in spans):
            spans.append(match.span())
            if hijri is None:
                hijri, hijri_iso = match.group(), _hijri_iso(match)
    for match in _TIME.finditer(flat):
        if not any(a <= match.start() < b for a, b in spans):
            found = _time(match)
            if found is None:
                return None
            spans.append(match.span())
            clock = clock or found
    agency = False
    skeleton = _mark(flat, spans)
    for group in _AGENCY_GROUP.findall(skeleton):
        if _MARK not in group:
            agency = True
            skeleton = skeleton.replace(group, " ", 1)
    if not spans:
        # "القاهرة في 5 مارس /أ ش أ/": an agency dateline may leave the year out
        partial = _DAY_MONTH.search(skeleton) if agency else None
        if partial is None:
            return None
        skeleton = _mark(skeleton, [partial.span()])
    words = [w for w in _PUNCT.split(skeleton) if w]
    codes = AGENCY_CODE.sub(_MARK + "A", " ".join(words)).split()
    agency = agency or any(w == _MARK + "A" for w in codes)
    words = [w for w in codes if w != _MARK + "A" and w not in _FILLER]
    if not _place_allowed(words, skeleton, agency=agency, paired="الموافق" in flat):
        return None
    return DateLine(iso, clock, (hijri_text(text) or hijri) if hijri else None, agency, hijri_iso)


def _mark(flat: str, spans: list[tuple[int, int]]) -> str:
    """``flat`` with each span replaced by one marker word (its length kept out of the way)."""
    out, position = [], 0
    for a, b in sorted(spans):
        out += [flat[position:a], f" {_MARK} "]
        position = b
    out.append(flat[position:])
    return "".join(out)


def _place_allowed(words: list[str], skeleton: str, *, agency: bool, paired: bool) -> bool:
    """Words left besides dates, times, labels and agency codes: only a place (one to three words)
    before the first date, set off by a separator, ``في``, or in an agency or Hijri/Gregorian line."""
    if all(w == _MARK for w in words):
        return True
    first = words.index(_MARK) if _MARK in words else len(words)
    place, rest = words[:first], words[first:]
    if any(w != _MARK for w in rest) or not 1 <= len(place) <= 3:
        return False
    if not all(re.fullmatch(_LETTER + "+", w) for w in place):
        return False
    before = skeleton[:skeleton.index(_MARK)] if _MARK in skeleton else skeleton
    tail = before.rstrip()
    last = place[-1]
    after_place = tail[tail.rfind(last) + len(last):] if last in tail else ""
    if agency or paired or _PLACE_SEPARATOR.match(after_place):
        return True
    return len(place) == 1 and re.search(r"(?<!\S)في\s*$", tail) is not None


def hijri_text(text: str) -> str | None:
    """The first Hijri date as the article writes it (its own digits and spelling), or None."""
    chars, index = [], []
    for i, ch in enumerate(text):
        for piece in _flat(ch) if not ch.isspace() else " ":
            chars.append(piece)
            index.append(i)
    match = _HIJRI.search("".join(chars))
    if match is None:
        return None
    end = index[match.end() - 1] + 1
    while end < len(text) and text[end] == "\u0640":  # the tatweel of "هـ"
        end += 1
    return re.sub(r"\s+", " ", text[index[match.start()]:end])


def parse_date_line(text: str) -> str | None:
    """ISO date when the whole of ``text`` is a date line (weekday, time, Hijri, place, agency code
    allowed), else None."""
    found = read_date_line(text)
    return found.iso if found else None


def parse_place_date(text: str) -> str | None:
    """ISO date of a place-and-date line (``الرباط، 2 فبراير 2025``, ``القاهرة - 3 مارس 2024``)."""
    return parse_date_line(text)

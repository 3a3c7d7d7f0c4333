"""What a single line of an article is, when it is not the article: the furniture that sites and
agencies put around the text, recognized from the line alone. Where a line is in the article
(header, body, footer) is decided in ``structure``; this module only says what a line *could* be.

Kept separate from the segmenter because every outlet adds its own furniture: these are the forms
common to Arabic news (wire agencies, pan-Arab channels, national papers), each a small function
that a test can name. The user's own patterns (``patterns``) come before all of them.

* meta, labelled (anywhere): credits ``المصدر:`` / ``الصورة:``, bylines ``بقلم:`` / ``كتب:``, copyright
  lines (also behind ``**`` or ``-``), keyword lists;
* meta, agency (anywhere): end markers ``// انتهى //``, transmission time codes ``16:31 ت م``,
  an agency code alone ``(أ ف ب)``;
* bylines without a label (only near the title): ``دبي - سكاي نيوز عربية``, ``القاهرة ـ محمد علي``,
  ``بيروت: سامر الحسيني`` (a place, a colon and a short personal name that starts with a common
  given name — ``القاهرة: أعلنت الحكومة …`` is a dateline opening the body, ``غزة: مقتل ثلاثة`` a
  headline);
* chrome: separator rules ``-----``, share/print/comment lines made only of such words (a headline
  that starts with ``مشاركة`` is not one), breadcrumbs, read-more / related-story labels.
"""

from __future__ import annotations

import re

from .dates import AGENCY_CODE, FOLD_LETTERS, fold

_WORD = re.compile(r"[^\W_]+")
_EDGE_MARKS = " *_=#~•·|-–—>«»\"'“”()[]"
_TATWEEL_DASH = re.compile(r"(?:(?<=\s)|^)\u0640+(?=\s|$)|(?<=\s)\u0640+", re.M)

_SOURCE = re.compile(r"^\s*[(\[]?\s*(?:المصدر|مصدر\s+الخبر|المصادر|source|sources|via)\s*[:：]", re.I)
_PHOTO = re.compile(r"^\s*[(\[]?\s*(?:الصورة|صورة|الصور|تصوير|photo|photos|image|picture|credit|©)\s*[:：©]"
                    r"|^\s*©", re.I)
_COPYRIGHT = re.compile(r"جميع\s+الحقوق|حقوق\s+(?:النشر|الطبع|الملكية)|الحقوق\s+محفوظة|all\s+rights\s+reserved"
                        r"|copyright|©\s*(?:\d{4}|[a-z])", re.I)
_BYLINE_LABEL = re.compile(
    r"^\s*(?:بقلم|كتب|كتبت|كتبه|كتبها|إعداد|اعداد|تقرير|حوار|أجرى\s+الحوار|ترجمة|تحرير|مراسل|مراسلة|المحرر|"
    r"الكاتب|الكاتبة|متابعة|تغطية|by|author|written\s+by|reporting\s+by)\s*[:：\-–—]", re.I)
_CREDIT_NOTE = re.compile(r"^\s*\(\s*(?:إعداد|اعداد|تحرير|كتابة|تغطية|شارك\s+في\s+التغطية|ترجمة"
                          r"|reporting|editing|writing)"
                          r"(?![^\W\d_])[^()]*\)\s*\.?\s*$", re.I)
_BYLINE_LOOSE = re.compile(r"^\s*(?:بقلم|كتب|كتبت|كتبه|حوار|تقرير|إعداد|اعداد|من\s+مراسل[^\W\d_]*)\s+\S")
_OUTLET_NAME = re.compile(r"(?<![^\W\d_])(?:نيوز|وكالة|وكالات|مراسل|مراسلنا|مراسلة|رويترز|الأناضول|سبوتنيك|فرانس\s+برس|"
                          r"بي\s+بي\s+سي|cnn|bbc|news)(?![^\W\d_])", re.I)
_OTHER = re.compile(r"^\s*(?:الكلمات\s+المفتاحية|كلمات\s+مفتاحية|كلمات\s+دلالية|وسوم|الوسوم|tags|التصنيف"
                    r"|تصنيفات)\s*[:：]", re.I)
_END_MARKER = re.compile(r"(?<![^\W\d_])(?:انتهى|انتهي|النهايه|نهايه)(?![^\W\d_])")
_TIME_CODE = re.compile(r"\d{1,2}:?\d\d\s*(?:ت\s*\.?\s*[مغ]|تغ|تم)(?![^\W\d_])"
                        r"|(?<![^\W\d_])ت\s*\.?\s*[مغ]\s*\d{1,2}:\d\d")
_AGENCY_WORDS = re.compile(r"(?<![^\W\d_])(?:وكالات|متابعات|وكاله\s+\S+(?:\s+\S+){0,3})(?![^\W\d_])")
_GROUPED = re.compile(r"\([^()]{1,40}\)|/[^/]{1,25}/")
_SEPARATOR = re.compile(r"^[\s\-_=*#~•·.—–+<>|/\\ـ]*$")
_SHARE_CORE = {fold(w) for w in (
    "شارك", "شاركها", "شاركوا", "مشاركة", "مشاركه", "شير", "طباعة", "طباعه", "اطبع", "أرسل", "ارسل", "إرسال", "ارسال",
    "تعليق", "تعليقات", "التعليقات", "أضف", "اضف", "علق", "حفظ", "نسخ", "الرابط", "رابط", "المختصر", "تكبير",
    "تصغير", "الخط", "حجم", "تابعونا", "تابعنا", "تابعوا", "اشترك", "اشتركوا", "فيسبوك", "فيس", "بوك", "تويتر",
    "غرد", "تغريد", "واتساب", "واتس", "تلغرام", "تليغرام", "تيليجرام", "تليجرام", "لينكدإن", "لينكد", "انستغرام",
    "انستجرام", "يوتيوب", "بريد", "البريد", "إيميل", "ايميل", "share", "tweet", "print", "email", "e-mail",
    "facebook", "twitter", "whatsapp", "telegram", "linkedin", "comment", "comments", "save", "copy", "link",
    "pinterest", "reddit", "messenger", "x", "انضم", "انضموا", "للاشتراك", "لمتابعة", "اضغط", "سناب", "سنابشات",
    "تيك", "توك", "تيكتوك")}
_SHARE_GLUE = {fold(w) for w in (
    "على", "عبر", "في", "من", "إلى", "الى", "مع", "هذا", "هذه", "المقال", "المقالة", "الخبر", "الصفحة", "لصديق",
    "صديق", "الإلكتروني", "الالكتروني", "آب", "اب", "إن", "ان", "قناتنا", "صفحتنا", "a", "on", "via", "by",
    "the", "this", "article", "story", "to", "friend", "and", "و", "آخر", "الأخبار", "أخبار", "حسابنا",
    "حساباتنا", "مواقع", "التواصل", "الاجتماعي", "منصات", "قناة", "تطبيق", "نبض", "جوجل", "شات", "العاجلة", "هنا",
    "النشرة", "البريدية", "لنا", "us", "follow")}
_NAV_START = re.compile(r"^\s*(?:الرئيسية|الرئيسيه|الصفحة\s+الرئيسية|home)\s*[>»/›|]", re.I)
_NAV_STEP = re.compile(r"\s[>»›|]\s")
_LANGUAGE_SWITCH = re.compile(r"^\s*(?:[A-Z][a-z]{1,2}|[A-Z]{2}|عربي|العربية|English)(?:\s*[|/·•,]?\s*"
                              r"(?:[A-Z][a-z]{1,2}|[A-Z]{2}|عربي|العربية|English))+\s*$")
_AD = re.compile(r"^\s*(?:إعلان|اعلان|إعلانات|advertisement|ads?|sponsored|محتوى\s+مدفوع|محتوى\s+ممول)"
                 r"\s*[:|]?\s*$", re.I)
_READ_MORE = re.compile(  # labels that never start a headline
    r"^\s*(?:(?:اقرأ|إقرأ|اقرا|إقرا|طالع|شاهد|تابع|راجع)\s+(?:أيضا|أيضاً|ايضا|ايضاً|أيضًا|كذلك|المزيد)"
    r"|للمزيد\s*(?=[:：\-–—]|$)|لمزيد\s+من\s+الأخبار|المزيد\s+من\s+الأخبار|المزيد\s*:|مقالات\s+أخرى|مقالات\s+للكاتب"
    r"|read\s+(?:more|also)|see\s+also|more\s+from|you\s+may\s+also\s+like)(?![^\W\d_])", re.I)
_RELATED = re.compile(  # labels of related-story boxes that a headline could also start with
    r"^\s*(?:(?:أخبار|اخبار|مواضيع|موضوعات|روابط|مقالات|مواد|قصص|تقارير)\s+(?:ذات\s+صلة|متعلقة|مشابهة|أخرى|مقترحة)"
    r"|ذات\s+صلة|قد\s+يهمك|قد\s+يعجبك|قد\s+يهمكم|ربما\s+يهمك|ربما\s+يعجبك|يهمك\s+أيضا|يهمك\s+أيضاً|اخترنا\s+لك|اخترنا\s+لكم"
    r"|الأكثر\s+(?:قراءة|مشاهدة|تداولا|تداولاً|تعليقا|تعليقاً)|related)(?![^\W\d_])", re.I)
_RELATED_ALONE = re.compile(r"^\s*(?:(?:آخر|أحدث|أهم)\s+(?:الأخبار|الأنباء)|عناوين\s+أخرى|مواضيع\s+أخرى)\s*[:.]?\s*$")
_DASH_PARTS = re.compile(r"\s+[-–—|/]\s*|\s*[-–—|]\s+")
_COLON_PARTS = re.compile(r"^(?P<place>[^:：]+?)\s*[:：]\s*(?P<name>[^:：]+)$")
_GIVEN_NAMES = {fold(w) for w in (  # names a byline's writer commonly starts with (words that also mean "hope",
    # "victory", "peace", "secretary", "pioneer" are left out: "غزة: أمل جديد" is a headline)
    "محمد", "أحمد", "محمود", "مصطفى", "علي", "حسن", "حسين", "عمر", "عمرو", "خالد", "سامر", "سامي", "سمير", "سعيد",
    "سعد", "سعود", "سلمان", "سليمان", "سالم", "صالح", "إبراهيم", "إسماعيل", "يوسف", "يحيى", "يونس", "ياسر",
    "ياسين", "زياد", "زيد", "طارق", "طلال", "عادل", "عماد", "عصام", "فادي", "فارس", "فراس", "فؤاد", "فيصل",
    "فهد", "كريم", "كمال", "ماجد", "مازن", "مالك", "مراد", "مروان", "منير", "مهدي", "نبيل", "نادر", "ناصر", "نزار",
    "نضال", "هاني", "هشام", "هيثم", "وائل", "وليد", "وسام", "رامي", "رشيد", "رضا", "جمال", "جهاد", "حمزة",
    "حازم", "حامد", "حمد", "حمدي", "حسام", "خليل", "داود", "رياض", "زكريا", "شادي", "شريف", "صلاح", "صابر",
    "عاصم", "عثمان", "عدنان", "عزيز", "علاء", "عمار", "عيسى", "غسان", "أسامة", "أنس", "أنور", "أيمن", "إياد",
    "أكرم", "أشرف", "باسل", "باسم", "بسام", "بشير", "بلال", "ثامر", "جلال", "جابر", "حاتم", "حيدر", "خليفة",
    "راشد", "رفيق", "شوقي", "طه", "عباس", "فتحي", "فريد", "قاسم", "لؤي", "ماهر", "مجدي", "محسن", "مختار",
    "معاذ", "منصور", "موسى", "مؤمن", "نايف", "نواف", "هادي", "وحيد", "إلياس", "ميشال", "ميشيل", "جورج", "جوزيف",
    "إيلي", "طوني", "أنطوان", "توفيق", "رفعت", "مدحت", "عزت", "شكري", "صبحي", "لطفي", "مهند", "مؤيد", "تامر",
    "فاطمة", "مريم", "سارة", "ريم", "هدى", "منى", "ليلى", "سلمى", "رنا", "رشا", "دينا", "هبة", "إيمان", "آمنة",
    "عائشة", "خديجة", "زينب", "نادية", "سميرة", "سمية", "سعاد", "لينا", "لمى", "ياسمين", "رانيا", "رحاب",
    "شيماء", "نهى", "نهلة", "نجلاء", "هالة", "هند", "جيهان", "مها", "أسماء", "إسراء", "آلاء", "دعاء", "سناء",
    "رغدة", "غادة", "لبنى", "بشرى", "نسرين", "نرمين", "ميرفت", "عبلة", "مي", "ميساء", "ريما", "روان", "رزان",
    "سوسن", "أميرة", "سهام", "سلوى", "علا", "لميس", "نور", "ندى")}
_NAME_TITLES = {fold(w) for w in (
    "الدكتور", "الدكتورة", "الأستاذ", "الأستاذة", "المهندس", "الشيخ", "الزميل", "الزميلة")}
_NOT_PLACES = {fold(w) for w in (  # news flags and labels that a colon follows in a header line
    "عاجل", "خاص", "حصري", "حصريا", "شاهد", "فيديو", "بالفيديو", "صور", "بالصور", "مباشر", "رسميا", "رسمي", "بيان",
    "تنبيه", "تحديث", "ملاحظة", "تصريح", "سؤال", "جواب", "س", "ج")}
_NOT_NAME_WORDS = {fold(w) for w in (  # particles and the verbs a short dateline goes on with ("بيروت: قال علي …");
    # not "على", which folds (and Egyptian papers spell) as the name "علي"
    "في", "من", "إلى", "الى", "عن", "مع", "بعد", "قبل", "حول", "ضد", "أمام", "عند", "لدى", "منذ", "إن", "أن",
    "لا", "لم", "لن", "قد", "ما", "هو", "هي", "هم", "هذا", "هذه", "ذلك", "التي", "الذي", "اليوم", "أمس", "غدا",
    "قال", "قالت", "أكد", "أكدت", "أعلن", "أعلنت", "يقول", "تقول", "يؤكد", "تؤكد", "يعلن", "تعلن", "يزور", "زار",
    "يستقبل", "استقبل", "يلتقي", "التقى", "يدعو", "دعا", "يطالب", "طالب", "ينفي", "نفى", "يكشف", "كشف", "يحذر",
    "حذر", "يفوز", "فاز", "يعود", "عاد", "وصل", "يصل", "توفي", "رحل", "يرحل", "يغادر", "غادر")}
_LIST_START = re.compile(r"^\s*(?:[-•*▪◦·–—]\s|\d{1,2}\s*[.)\-]\s)")
_SENTENCE_TAIL = ".:،,؛;"
_INNER_END = re.compile(r"[.!?؟…][\"'»”’)]*\s+\S")
HEADLINE_MAX_WORDS = 16


def words(line: str) -> int:
    return len(_WORD.findall(line))


def dashed(raw: str) -> str:
    """``raw`` with a tatweel standing for a dash (``القاهرة ـ محمد علي``) written as one, so
    normalization (which drops tatweel) keeps the separator."""
    return _TATWEEL_DASH.sub("-", raw)


def core(line: str) -> str:
    """The line without decoration at either end (``** … **``, ``- … -``, ``| … |``)."""
    return line.strip(_EDGE_MARKS)


def meta_role(line: str) -> str | None:
    """A labelled credit, byline, copyright or keyword line, wherever it is: its role, or None."""
    text = core(line) if not _PHOTO.match(line) else line
    n = words(text)
    if _SOURCE.match(text):
        return "source"
    if _COPYRIGHT.search(text) and n <= 20:
        return "copyright"
    if _PHOTO.match(text):
        return "photo"
    if (_BYLINE_LABEL.match(text) or _CREDIT_NOTE.match(line)) and n <= 15:
        return "byline"
    if _OTHER.match(text) and n <= 15:
        return "other"
    return None


def agency_line(line: str) -> bool:
    """An agency's own furniture: an end marker (``// انتهى //``, ``(النهاية) م ع ح``), a transmission
    time code (``16:31 ت م``), an agency code alone (``(أ ف ب)``, ``واس``) or after a place."""
    text = fold(line).lower()
    found = False
    for pattern in (_END_MARKER, _TIME_CODE):
        text, count = pattern.subn(" ", text)
        found = found or count > 0
    marker = found
    for pattern in (_GROUPED, AGENCY_CODE, _AGENCY_WORDS):
        stripped, count = pattern.subn(" ", text)
        if count and (pattern is not _GROUPED or _agency_group(text)):
            text, found = stripped, True
    rest = _WORD.findall(text)
    if not found:
        return False
    if marker:  # editors' initials and codes after an end marker: "ع ع / ح ع", "م ع ح / ع ب ر 181431"
        return len(rest) <= 10 and all(len(w) <= 3 or w.isdigit() for w in rest)
    return len(rest) <= 2 and all(w.isalpha() for w in rest) and not _SENTENCE_TAIL.count(line.rstrip()[-1:] or "x")


def ends_with_agency(text: str) -> bool:
    """``text`` ends with an agency code or a parenthesized/slashed agency (a dateline's end)."""
    tail = fold(text).lower().rstrip(" :-–—")
    if tail.endswith((")", "/")):
        return _agency_group(tail)
    last = AGENCY_CODE.search(tail[-12:])
    return last is not None and last.end() == len(tail[-12:])


def _agency_group(text: str) -> bool:
    """A parenthesized or slashed group in ``text`` names an agency (a code or ``وكالة …``)."""
    return any(AGENCY_CODE.search(g) or _AGENCY_WORDS.search(g) for g in _GROUPED.findall(text))


def separator(line: str) -> bool:
    """A rule made of dashes, stars, equals signs and the like (three marks or more)."""
    return bool(_SEPARATOR.match(line)) and sum(1 for ch in line if not ch.isspace()) >= 3


def share_line(line: str) -> bool:
    """A short whole line made only of share/print/comment/follow words (and network names, counts)."""
    tokens = _WORD.findall(line)
    if not tokens or len(tokens) > 10:
        return False
    tokens = [fold(t).lower() for t in tokens]
    core_words = [t for t in tokens if t in _SHARE_CORE]
    return bool(core_words) and all(t in _SHARE_CORE or t in _SHARE_GLUE or t.isdigit() for t in tokens)


def navigation(line: str) -> bool:
    """A breadcrumb trail (``الرئيسية » أخبار » الشرق الأوسط``), a language switch, an ad label."""
    if _NAV_START.match(line) or _LANGUAGE_SWITCH.match(line) or _AD.match(line):
        return True
    if "«" in line:
        return False  # "»" closes a quotation here, it does not separate steps
    steps = _NAV_STEP.split(line)
    return len(steps) >= 3 and words(line) <= 12 and all(0 < words(s) <= 4 for s in steps)


def related_label(line: str) -> str | None:
    """``"alone"``: the line is a read-more/related label (``اقرأ أيضا:``, ``مقالات أخرى للكاتب``), the
    stories follow on their own lines; ``"inline"``: a read-more label and a story on one line
    (``اقرأ أيضا: …``); ``"maybe"``: a related-box label and a story, which could also be a
    headline (``الأكثر قراءة في 2023: …``): chrome unless it is the title; None: neither."""
    if words(line) > 18:
        return None
    if _RELATED_ALONE.match(line):
        return "alone"
    text = core(line) if not line.lstrip().startswith("(") else line
    match = _READ_MORE.match(text) or _RELATED.match(text)
    if match is None:
        return None
    rest = text[match.end():].strip(" :：-–—.…|")
    rest_words = words(rest)
    if rest_words == 0 or (rest_words == 1 and not rest.endswith(tuple(_SENTENCE_TAIL))):
        return "alone"  # "اقرأ أيضا:", "مقالات أخرى للكاتب"
    return "inline" if match.re is _READ_MORE else "maybe"


def labelled_byline(line: str) -> bool:
    """``بقلم محمد علي``, ``كتب أحمد سالم``: a byline word and a short name, without a colon (after
    ``بقلم`` a longer one: ``بقلم الدكتور … أستاذ العلوم السياسية في جامعة …``)."""
    text = core(line)
    longest = 12 if text.startswith("بقلم") else 6
    return bool(_BYLINE_LOOSE.match(text)) and 2 <= words(text) <= longest and text[-1:] not in _SENTENCE_TAIL + "!؟?"


def outlet_line(line: str) -> bool:
    """A short unpunctuated line naming an outlet or a correspondent (``سكاي نيوز عربية``)."""
    text = core(line)
    return 1 <= words(text) <= 4 and bool(_OUTLET_NAME.search(text)) and text[-1:] not in _SENTENCE_TAIL + "!؟?"


def dash_byline(line: str, *, outlet: bool) -> bool:
    """Place, outlet and/or person separated by dashes: ``دبي - سكاي نيوز عربية``, ``القاهرة ـ محمد
    علي``; with ``outlet``, only when a part names an outlet or agency (a first line, where a short
    title could have the same shape)."""
    text = core(line).rstrip(":")
    parts = [p for p in _DASH_PARTS.split(text) if p.strip()]
    if not 2 <= len(parts) <= 3 or words(text) > 9 or text[-1:] in _SENTENCE_TAIL + "!؟?":
        return False
    if not all(1 <= words(p) <= 4 and not any(c in p for c in "،,؛:\"«»") for p in parts):
        return False
    if sum(1 for p in parts if not any(ch.isdigit() for ch in p)) < len(parts) - 1:
        return False  # one part may be a number (an outlet called "24"), not more
    if not outlet:
        return True
    return any(_OUTLET_NAME.search(p) or AGENCY_CODE.search(fold(p)) or p.strip().isdigit() for p in parts)


def colon_byline(line: str) -> bool:
    """A place, a colon and a short personal name, nothing else: ``بيروت: سامر الحسيني``. The name
    is two to four words without digits or punctuation, starts with a common given name (after a
    title such as ``الدكتور``), and no word of it is a particle or a verb a dateline goes on with —
    so ``القاهرة: أعلنت الحكومة …`` (a dateline opening the body) and ``غزة: مقتل ثلاثة أشخاص`` (a
    headline) stay what they are."""
    match = _COLON_PARTS.match(core(line)) if words(line) <= 7 else None
    if match is None:
        return False
    place, name = match["place"].split(), match["name"].split()
    if not 1 <= len(place) <= 3 or not 2 <= len(name) <= 4:
        return False
    folded = [fold(w) for w in name]
    if not all(fold(w).isalpha() for w in place + name) or fold(" ".join(place)) in _NOT_PLACES:
        return False
    given = folded[1] if folded[0] in _NAME_TITLES and len(folded) > 2 else folded[0]
    if given not in _GIVEN_NAMES and not given.startswith("عبد"):
        return False
    return not any(w in _NOT_NAME_WORDS or (w.startswith("و") and w[1:] in _NOT_NAME_WORDS) for w in folded)


def headline_like(line: str) -> bool:
    """A short unpunctuated line that reads as a headline: what related-story lists are made of (no
    sentence end inside or at the end, not a list item)."""
    n = words(line)
    stripped = line.rstrip().rstrip("\"'»”’)")
    return (3 <= n <= HEADLINE_MAX_WORDS and stripped[-1:] not in _SENTENCE_TAIL + "!…"
            and not _INNER_END.search(line) and not _LIST_START.match(line))


def rhyme(line: str) -> str:
    """The last letter of a line (folded, punctuation and diacritics ignored): verse lines share it."""
    for ch in reversed(line):
        if ch.isalpha() and not "\u064b" <= ch <= "\u0652" and ch != "\u0670":
            return ch.translate(FOLD_LETTERS)
    return ""


def verse(lines: list[str]) -> bool:
    """Lines of a poem rather than a list of headlines: most end in the same letter (the rhyme), or
    they are split into hemistichs (``***``, wide gaps)."""
    if any(re.search(r"\*\s*\*|\s\*\s|\S(?:[ \u00a0]{4,}|\t)\S", line) for line in lines):
        return True
    if len(lines) < 3:
        return len(lines) == 2 and rhyme(lines[0]) == rhyme(lines[1]) and rhyme(lines[0]) not in ("", "ه", "ا", "ن")
    ends = [rhyme(line) for line in lines]
    return max(ends.count(e) for e in set(ends)) >= 0.75 * len(lines) or (
        len(lines) >= 4 and len(set(ends[1::2])) == 1)

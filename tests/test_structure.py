"""Real Arabic news as it arrives (issue 17): date and time lines of every form, bylines and agency
lines as meta, agency furniture and related-story boxes as chrome, share words only on whole short
lines, glued sentence ends, titles, verse, and the user's own patterns. Every article text here is
invented for the tests."""

from __future__ import annotations

import pytest

from tests.support.documents import BODY, BODY2, BODY3, assert_partition, doc_of, kinds
from translate.text.dates import read_date_line
from translate.text.patterns import PatternError, compile_patterns
from translate.text.sentences import sentence_spans


def sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in sentence_spans(text)]


# ---------------------------------------------------------------- dates and times

@pytest.mark.parametrize("line, iso, time", [
    ("Thu, 09 Aug 2018 19:06:41 +0000", "2018-08-09", "19:06:41+00:00"),
    ("Thu, 09 Aug 2018 19:06:41 GMT", "2018-08-09", "19:06:41+00:00"),
    ("Mon, 1 Jan 2024 00:00:00 UTC", "2024-01-01", "00:00:00+00:00"),
    ("Sat, 2 Mar 2019 08:15:00 +0300", "2019-03-02", "08:15:00+03:00"),
    ("2017-05-21T11:52:00+01:00", "2017-05-21", "11:52:00+01:00"),
    ("2017-05-21T11:52:00Z", "2017-05-21", "11:52:00Z"),
    ("2020-11-03T07:05:09.123Z", "2020-11-03", "07:05:09Z"),
    ("21/04/2017", "2017-04-21", None),
    ("٢١/٠٤/٢٠١٧", "2017-04-21", None),
    ("2017/04/21", "2017-04-21", None),
    ("04/21/2017", "2017-04-21", None),  # month first only when day first is impossible
    ("12 فبراير 2025", "2025-02-12", None),
    ("الأحد 3 كانون الثاني 2021", "2021-01-03", None),
    ("14 تشرين الأول 2022", "2022-10-14", None),
    ("الخميس 9 جانفي 2020", "2020-01-09", None),
    ("5 فيفري 2021", "2021-02-05", None),
    ("3 أفريل 2019", "2019-04-03", None),
    ("18 جوان 2021", "2021-06-18", None),
    ("7 جويلية 2018", "2018-07-07", None),
    ("15 أوت 2017", "2017-08-15", None),
    ("1 غشت 2016", "2016-08-01", None),
    ("20 شتنبر 2022", "2022-09-20", None),
    ("الجمعة 14 تشرين الأول 2022 - 22:41 (GMT+3)", "2022-10-14", "22:41+03:00"),
    ("الأربعاء 12 مارس 2025 - 09:40 ص", "2025-03-12", "09:40"),
    ("الخميس 9 أغسطس 2018 - 07:06 م", "2018-08-09", "19:06"),
    ("آخر تحديث: الخميس 09 أغسطس 2018 - 19:06 بتوقيت غرينتش", "2018-08-09", "19:06+00:00"),
    ("تاريخ النشر: 2018/08/09", "2018-08-09", None),
    ("9 August 2018 | 07:06 PM", "2018-08-09", "19:06"),
    ("August 9, 2018", "2018-08-09", None),
    ("القاهرة - 3 مارس 2024", "2024-03-03", None),
    ("الرباط، 2 فبراير 2025", "2025-02-02", None),
])
def test_every_date_form_gives_its_iso_date_and_time(line, iso, time):
    found = read_date_line(line)
    assert found is not None and (found.iso, found.time) == (iso, time)


def test_a_hijri_date_with_its_gregorian_equivalent_gives_the_gregorian_date_and_keeps_the_hijri_text():
    found = read_date_line("الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس")
    assert (found.iso, found.hijri, found.agency) == ("2015-08-10", "25 شوال 1436 هـ", True)
    found = read_date_line("الأحد ١٤ ذو القعدة ١٤٤٤ هـ - ٤ يونيو ٢٠٢٣ م")
    assert (found.iso, found.hijri) == ("2023-06-04", "١٤ ذو القعدة ١٤٤٤ هـ")


@pytest.mark.parametrize("line", ["16:31", "07:06 م", "منذ 3 ساعات", "قبل 5 دقائق", "25 شوال 1436 هـ"])
def test_a_time_relative_stamp_or_hijri_date_alone_is_a_date_line_without_a_gregorian_date(line):
    found = read_date_line(line)
    assert found is not None and found.iso is None


@pytest.mark.parametrize("line", [
    "اجتمع القادة في 5 مارس 2024 في موسكو",
    "انتخابات 3 مارس 2024",
    "يونيو ٢٠٢٣ كان شهراً حاراً جداً في المنطقة",
    "31 فبراير 2023",
    "للفترة 2023- 2025",
    "بيروت (رويترز)",
    "دبي - سكاي نيوز عربية",
])
def test_a_line_that_mentions_a_date_is_not_a_date_line(line):
    assert read_date_line(line) is None


@pytest.mark.parametrize("stamp", [
    "Thu, 09 Aug 2018 19:06:41 +0000", "2017-05-21T11:52:00+01:00", "2017-05-21T11:52:00Z",
    "الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس", "الخميس 12/03/2020 - 14:30",
])
def test_a_timestamp_under_a_lost_title_is_a_date_never_the_title_or_body(stamp):
    doc = doc_of(f"{stamp}\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[0] == ("date", None) and doc.title is None
    assert doc.date == read_date_line(stamp).iso
    assert [b.kind for b in doc.blocks].count("body") == 2


def test_the_article_records_the_time_with_its_offset_and_the_hijri_text():
    doc = doc_of(f"عنوان الخبر هنا\nThu, 09 Aug 2018 19:06:41 +0000\n{BODY}\n{BODY2}\n")
    assert (doc.date, doc.time, doc.date_hijri) == ("2018-08-09", "19:06:41+00:00", None)
    assert doc.blocks[1].date == "2018-08-09"
    doc = doc_of(f"الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس\n{BODY}\n{BODY2}\n")
    assert (doc.date, doc.time, doc.date_hijri) == ("2015-08-10", None, "25 شوال 1436 هـ")


def test_only_a_date_in_the_header_sets_the_article_date():
    doc = doc_of(f"عنوان الخبر هنا\n{BODY}\n5 مارس 2024\n{BODY2}\n{BODY3}\n")
    assert doc.blocks[2].kind == "date" and doc.blocks[2].date == "2024-03-05"
    assert doc.date is None
    doc = doc_of(f"عنوان الخبر هنا\n12 فبراير 2025\n{BODY}\n5 مارس 2024\n{BODY2}\n")
    assert doc.date == "2025-02-12"


def test_a_publication_stamp_after_the_article_gives_the_date_when_the_header_has_none():
    doc = doc_of(f"عنوان الخبر هنا\n{BODY}\n{BODY2}\nنشر في: 3 مارس 2024 - 09:15 ص\n")
    assert (doc.date, doc.time, kinds(doc)[-1]) == ("2024-03-03", "09:15", ("date", None))


@pytest.mark.parametrize("dateline, iso", [
    ("الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس ", "2015-08-10"),
    ("القاهرة - 5 مارس 2024 - ", "2024-03-05"),
    ("القاهرة في 5 مارس /أ ش أ/ - ", None),
    ("بيروت (رويترز) - ", None),
    ("(رويترز) - ", None),
    ("الجزائر (واج) - ", None),
    ("واشنطن - أ ف ب: ", None),
])
def test_an_agency_dateline_opening_the_first_paragraph_is_its_own_sentence(dateline, iso):
    doc = doc_of(f"عنوان الخبر هنا\n{dateline}{BODY}\n{BODY2}\n")
    first = doc.blocks[1].sentences
    assert first[0].dateline and first[0].text == dateline.strip()
    assert first[1].text.startswith("أعلنت الوزارة")
    assert doc.date == iso


def test_a_date_opening_a_sentence_is_not_a_dateline():
    doc = doc_of(f"عنوان الخبر هنا\nفي 5 مارس 2024 {BODY}\n{BODY2}\n")
    assert not any(s.dateline for s in doc.blocks[1].sentences)


# ---------------------------------------------------------------- bylines and agency lines

@pytest.mark.parametrize("byline", [
    "دبي - سكاي نيوز عربية", "القاهرة ـ محمد علي", "الرباط - هسبريس", "أبوظبي - 24", "بقلم: سامي يوسف",
    "بقلم سامي يوسف", "بقلم الدكتور سامي يوسف أستاذ العلوم السياسية في جامعة القاهرة", "كتب: أحمد حسن",
    "كتبت - سارة أحمد", "سكاي نيوز عربية", "مراسل الجزيرة - القاهرة",
])
def test_a_byline_under_the_title_is_meta_not_a_heading(byline):
    doc = doc_of(f"الحكومة تعلن خطة جديدة لدعم المزارعين\n{byline}\n{BODY}\n{BODY2}\n")
    assert kinds(doc) == [("title", None), ("meta", "byline"), ("body", None), ("body", None)]


def test_a_byline_with_an_outlet_on_the_first_line_is_not_the_title():
    doc = doc_of(f"دبي - سكاي نيوز عربية\nالحكومة تعلن خطة جديدة لدعم المزارعين\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[:2] == [("meta", "byline"), ("title", None)]


@pytest.mark.parametrize("line", [
    "// انتهى //", "//انتهى// 16:31 ت م", "16:31 ت م", "(النهاية) م ع ح", "-انتهى-", "(أ ف ب)", "واس", "وكالات",
    "/أ ش أ/", "(النهاية) م ع ح / ع ب ر", "انتهى/ع.ع", "ـ انتهى ـ",
])
def test_agency_end_markers_time_codes_and_codes_are_meta_agency(line):
    doc = doc_of(f"عنوان الخبر هنا\n{BODY}\n{BODY2}\n{line}\n")
    assert kinds(doc)[-1] == ("meta", "agency")
    assert [b.kind for b in doc.blocks].count("body") == 2


def test_a_reuters_credit_note_is_a_byline():
    doc = doc_of(f"{BODY}\n{BODY2}\n(إعداد محمد علي للنشرة العربية - تحرير أحمد حسن)\n")
    assert kinds(doc)[-1] == ("meta", "byline")


def test_a_heading_that_looks_like_place_and_outlet_stays_a_heading_in_the_body():
    doc = doc_of(f"عنوان الخبر هنا\n{BODY}\nروسيا - آسيا الوسطى\n{BODY2}\n")
    assert kinds(doc)[2] == ("heading", None)


# ---------------------------------------------------------------- furniture and related stories

def test_agency_furniture_separators_and_copyright_are_not_body():
    text = (f"عنوان الخبر هنا\n{BODY}\n-----\n{BODY2}\n*****\n** جميع الحقوق محفوظة لوكالة الأنباء **\n"
            "- © 2024 سكاي نيوز عربية -\n")
    doc = doc_of(text)
    assert kinds(doc) == [("title", None), ("body", None), ("chrome", "separator"), ("body", None),
                          ("chrome", "separator"), ("meta", "copyright"), ("meta", "copyright")]


@pytest.mark.parametrize("label", ["اقرأ أيضا:", "للمزيد:", "مقالات أخرى للكاتب", "أخبار ذات صلة", "اقرأ المزيد"])
def test_a_related_label_and_the_stories_under_it_are_chrome(label):
    text = (f"عنوان الخبر هنا\n{BODY}\n{label}\nارتفاع أسعار النفط في الأسواق الآسيوية\n"
            f"الحكومة تقر موازنة العام المقبل\n{BODY2}\n")
    doc = doc_of(text)
    assert kinds(doc) == [("title", None), ("body", None)] + [("chrome", "related")] * 3 + [("body", None)]


def test_a_read_more_line_with_its_story_is_chrome():
    doc = doc_of(f"عنوان الخبر هنا\n{BODY}\nاقرأ أيضاً: لافروف يزور القاهرة الأسبوع المقبل\n{BODY2}\n")
    assert kinds(doc)[2] == ("chrome", "related")


def test_a_run_of_short_unpunctuated_headlines_inside_the_body_is_a_related_box():
    text = (f"عنوان الخبر هنا\n{BODY}\nارتفاع أسعار النفط في الأسواق الآسيوية اليوم\n"
            f"الحكومة تقر موازنة العام المقبل بعد نقاش طويل\n{BODY2}\n{BODY3}\n")
    assert kinds(doc_of(text))[2:4] == [("chrome", "related")] * 2


@pytest.mark.parametrize("text", [
    # a list announced by the paragraph before it
    f"عنوان الخبر هنا\n{BODY}\nوتشمل الخطة ما يلي:\nتوزيع البذور على صغار المزارعين\nتقديم قروض ميسرة للمزارعين\n"
    f"{BODY2}\n{BODY3}\n",
    # verse: the lines rhyme
    f"عنوان الخبر هنا\n{BODY}\nبلادي وإن جارت علي عزيزة\nوأهلي وإن ضنوا علي كرام\nسلام على أرض الجدود وأهلها\n"
    f"ومن سكنوا فيها وطابوا مقام\n{BODY2}\n{BODY3}\n",
    # a site that ends no paragraph with a full stop
    "عنوان الخبر هنا\n" + "\n".join(p.rstrip(".") for p in (
        BODY, "الحكومة تقر موازنة العام المقبل بعد نقاش طويل", "وقال الوزير إن الخطة ستنفذ قريبا جدا",
        BODY2, BODY3)) + "\n",
])
def test_short_lines_that_are_content_are_not_taken_for_a_related_box(text):
    assert "chrome" not in [b.kind for b in doc_of(text).blocks]


def test_a_sentence_that_starts_like_a_read_more_label_is_body():
    doc = doc_of(f"عنوان الخبر هنا\n{BODY}\nللمزيد من المعلومات يرجى زيارة الموقع الرسمي للوزارة.\n{BODY2}\n")
    assert kinds(doc)[2] == ("body", None)


def test_names_listed_after_an_announcing_sentence_are_content():
    text = (f"عنوان الخبر هنا\n{BODY}\nوضمت القائمة النهائية للجائزة كلا من\nالروائي سالم أحمد من مصر\n"
            f"الشاعرة منى خالد من تونس\nالكاتب يوسف علي من العراق\n{BODY2}\n{BODY3}\n")
    assert "chrome" not in [b.kind for b in doc_of(text).blocks]


@pytest.mark.parametrize("title", ["الخليج - أزمة جديدة في المنطقة", "روسيا - أوكرانيا"])
def test_a_dashed_title_without_an_outlet_stays_the_title(title):
    assert doc_of(f"{title}\n{BODY}\n{BODY2}\n").title == title


@pytest.mark.parametrize("title", [
    "مشاركة تونسية في المعرض العالمي للطبخ", "طباعة الكتب المدرسية تبدأ الأسبوع المقبل",
    "تعليقات غاضبة على قرار رفع الأسعار", "الأكثر قراءة في 2023: قصة نجاح شاب عربي",
])
def test_a_headline_that_starts_with_a_share_or_related_word_stays_the_title(title):
    doc = doc_of(f"{title}\n{BODY}\n{BODY2}\n")
    assert doc.title == title and kinds(doc)[0] == ("title", None)


def test_share_print_and_follow_lines_are_chrome_only_as_whole_short_lines():
    text = (f"عنوان الخبر هنا\n{BODY}\nشارك في أعمال المؤتمر أكثر من مئة خبير من عشرين دولة عربية وأجنبية.\n"
            "شارك الخبر\nفيسبوك تويتر واتساب\nتابعونا على تلغرام\nطباعة\n")
    doc = doc_of(text)
    assert kinds(doc) == [("title", None), ("body", None), ("body", None)] + [("chrome", "share")] * 4


def test_breadcrumbs_and_a_language_switch_are_chrome():
    doc = doc_of(f"Home | Sport | Economy\nالرئيسية » أخبار » الشرق الأوسط\nعنوان الخبر هنا\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[:3] == [("chrome", None), ("chrome", None), ("title", None)]


# ---------------------------------------------------------------- sentence ends

@pytest.mark.parametrize("text, expected", [
    ("أعلنت الوزارة المشروع في اليابان.وأوضح وكيل الوزارة أن",
     ["أعلنت الوزارة المشروع في اليابان.", "وأوضح وكيل الوزارة أن"]),
    ("كانت التجربة مفيدة ومشرفة.»وأضاف: «نحن هنا»", ["كانت التجربة مفيدة ومشرفة.»", "وأضاف: «نحن هنا»"]),
    ('هل هذا صحيح؟".وأضاف أن', ['هل هذا صحيح؟".', "وأضاف أن"]),
    ("متى؟وأين", ["متى؟", "وأين"]),
    ("انتظر…ثم بدأ", ["انتظر…", "ثم بدأ"]),
    ("قالت إنها سعيدة!وأضافت", ["قالت إنها سعيدة!", "وأضافت"]),
    ("بلغ 3.5 في 11.03.2024.وقال", ["بلغ 3.5 في 11.03.2024.", "وقال"]),
    ("تعتمد على آبل.1. قدرات التصنيع 2. شبكة التوزيع", ["تعتمد على آبل.", "1. قدرات التصنيع", "2. شبكة التوزيع"]),
    ("أعلنت شركة آي.جي.تي.في.وأعلنت", ["أعلنت شركة آي.جي.تي.في.", "وأعلنت"]),
    # protected: abbreviations, initialisms, domains, decimals, dates
    ("قال د.محمد إن الوضع مستقر", ["قال د.محمد إن الوضع مستقر"]),
    ("قال م.أحمد إن", ["قال م.أحمد إن"]),
    ("شاهد قناة آي.جي.تي.في أمس", ["شاهد قناة آي.جي.تي.في أمس"]),
    ("قال ت.ع. إن الوضع مستقر", ["قال ت.ع. إن الوضع مستقر"]),
    ("نقلت العربية.نت الخبر", ["نقلت العربية.نت الخبر"]),
    ("بلغ النمو 3.5 في 11.03.2024 وفق البيان", ["بلغ النمو 3.5 في 11.03.2024 وفق البيان"]),
    ("زوروا example.com/ar.news للمزيد", ["زوروا example.com/ar.news للمزيد"]),
    # a quotation closed after its own sentence end ends the sentence, also with straight quotes unpaired
    ("قال: «نحن مستعدون.» وأضاف أن", ["قال: «نحن مستعدون.»", "وأضاف أن"]),
    ('وقال المتحدث "السابق إن الأمر: "نعم." وأضاف أن', ['وقال المتحدث "السابق إن الأمر: "نعم."', "وأضاف أن"]),
    ('قال: «إن "الاتفاق. مهم" جداً». ثم غادر', ['قال: «إن "الاتفاق. مهم" جداً».', "ثم غادر"]),
    ('«قال له: "نعم." ثم ذهب» وانتهى', ['«قال له: "نعم." ثم ذهب» وانتهى']),
])
def test_glued_sentence_ends_are_split_and_protected_forms_are_not(text, expected):
    assert sentences(text) == expected


def test_a_long_glued_paragraph_becomes_its_sentences():
    glued = ".".join(["وقال الوزير إن الحكومة ستواصل العمل على تنفيذ الخطة"] * 12) + "."
    assert len(sentences(glued)) == 12


# ---------------------------------------------------------------- titles and verse

@pytest.mark.parametrize("title", [
    "وزير الطاقة يفتتح محطة رياح جديدة في الشمال..", "وزير الطاقة يفتتح محطة رياح جديدة…",
    "اتفاق جديد بين البلدين!", "لماذا ترتفع الأسعار؟", '"لن نتراجع"', "الوزير: «سنواصل العمل»",
    'الوزير يقول "لن نتراجع."',
])
def test_titles_ending_in_dots_an_ellipsis_a_mark_or_a_quote_are_titles(title):
    doc = doc_of(f"{title}\n12 فبراير 2025\n{BODY}\n{BODY2}\n")
    assert doc.title == title and doc.date == "2025-02-12"


POEM = """قصيدة الصباح
على شاطئ البحر الحزين وقفت أسائله
متى يعود الذي ضاعت بعيدا مراحله
وهل يذكر الموج القديم رسائله
وهل تحفظ الريح البعيدة منازله
سألت النخيل الشامخات فأجابني
بأن الزمان الصعب تمضي غوائله
وأن الليالي لا تدوم على الأسى
وأن الفتى بالصبر تحيا فضائله
"""


def test_a_poem_is_not_taken_for_a_hard_wrapped_paragraph():
    doc = doc_of(POEM)
    assert doc.line_wrap is None
    assert [b.text for b in doc.blocks[1:]] == POEM.strip().split("\n")[1:]


def test_hemistichs_in_a_hard_wrapped_article_stay_lines_of_their_own():
    import textwrap

    prose = textwrap.fill(" ".join([BODY, BODY2, BODY3]), 60)
    verse = ("على شاطئ البحر الحزين وقفت *** أسائل موجا عن حبيب مراحله\n"
             "وهل يذكر الموج القديم رسائلا *** وهل تحفظ الريح البعيدة منازله")
    doc = doc_of(f"عنوان الخبر هنا\n\n{prose}\n\n{verse}\n\n{prose}\n")
    assert doc.line_wrap is not None
    assert [b.text for b in doc.blocks].count(verse.split("\n")[0]) == 1


# ---------------------------------------------------------------- the whole of an agency article

WIRE = f"""الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس
{BODY}
{BODY2}
// انتهى //
16:31 ت م
"""


def test_a_saudi_agency_item_segments_with_its_date_and_furniture():
    doc = doc_of(WIRE)
    assert kinds(doc) == [("date", None), ("body", None), ("body", None), ("meta", "agency"), ("meta", "agency")]
    assert (doc.date, doc.date_hijri, doc.title) == ("2015-08-10", "25 شوال 1436 هـ", None)
    assert_partition(doc)


# ---------------------------------------------------------------- user patterns

def test_user_patterns_come_before_the_built_in_rules():
    patterns = compile_patterns(chrome=[r"^حمّل تطبيقنا"], meta=[("column", r"^زاوية الأحد$")],
                                dates=[r"^\d{2}-\d{2}-\d{4} \|"])
    text = f"عنوان الخبر هنا\n05-03-2024 | العدد 1234\nزاوية الأحد\n{BODY}\nحمّل تطبيقنا الآن\n{BODY2}\n"
    doc = doc_of(text, patterns=patterns)
    assert kinds(doc) == [("title", None), ("date", None), ("meta", "column"), ("body", None), ("chrome", None),
                          ("body", None)]
    assert doc.date == "2024-03-05"
    assert kinds(doc_of(text))[1:3] != [("date", None), ("meta", "column")]  # not without them


def test_a_date_pattern_with_named_groups_gives_the_date():
    patterns = compile_patterns(dates=[r"^العدد \d+ بتاريخ (?P<day>\d+)-(?P<month>\d+)-(?P<year>\d{4})$"])
    doc = doc_of(f"عنوان الخبر هنا\nالعدد 512 بتاريخ 7-9-2021\n{BODY}\n", patterns=patterns)
    assert (kinds(doc)[1], doc.date) == (("date", None), "2021-09-07")


@pytest.mark.parametrize("kwargs, key", [
    ({"chrome": ["(unclosed"]}, "chrome_patterns[0]"),
    ({"meta": [("byline", "^ok"), ("byline", "[z-a]")]}, "meta_patterns.byline[1]"),
    ({"dates": [".*"]}, "date_patterns[0]"),  # matches an empty line: every line
    ({"meta": [("Bad Role", "^x")]}, "meta_patterns.Bad Role"),
])
def test_a_broken_pattern_is_refused_with_its_key(kwargs, key):
    with pytest.raises(PatternError) as caught:
        compile_patterns(**kwargs)
    assert caught.value.key == key

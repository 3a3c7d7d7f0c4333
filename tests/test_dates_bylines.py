"""Three forms of real Arabic news that segmentation used to miss: a Hijri date printed alone (Saudi
and Gulf papers), converted by the Umm al-Qura calendar; a colon byline under the title (``بيروت:
سامر الحسيني``); an agency dateline without a year (``القاهرة 5 مارس (رويترز) -``), which stays the
body's dateline and gives no invented date. Every article text here is invented for the tests."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.documents import BODY, BODY2, BODY3, assert_partition, doc_of, kinds
from translate.text.dates import read_date_line, umm_al_qura
from translate.text.furniture import colon_byline

TITLE = "الحكومة تعلن خطة جديدة لدعم المزارعين"


# ---------------------------------------------------------------- Hijri dates alone

@pytest.mark.parametrize("line, hijri, iso", [
    ("الأحد 15 جمادى الأولى 1446 هـ", "15 جمادى الأولى 1446 هـ", "2024-11-17"),
    ("1446/05/15هـ", "1446/05/15هـ", "2024-11-17"),
    ("15/05/1446 هـ", "15/05/1446 هـ", "2024-11-17"),
    ("٢٥ شوال ١٤٣٦ هـ", "٢٥ شوال ١٤٣٦ هـ", "2015-08-10"),
    ("1 رمضان المبارك 1445 هـ", "1 رمضان المبارك 1445 هـ", "2024-03-11"),  # the first day of the fast in 2024
    ("10 ذو الحجة 1445 هـ", "10 ذو الحجة 1445 هـ", "2024-06-16"),  # the Eid al-Adha of 2024
    ("الرياض 15 جمادى الأولى 1446هـ (واس)", "15 جمادى الأولى 1446هـ", "2024-11-17"),
])
def test_a_hijri_date_alone_is_converted_by_the_umm_al_qura_calendar(line, hijri, iso):
    found = read_date_line(line)
    assert found is not None
    assert (found.iso, found.hijri, found.hijri_iso, found.day) == (None, hijri, iso, iso)


def test_a_written_weekday_that_agrees_with_the_converted_date():
    found = read_date_line("الأحد 15 جمادى الأولى 1446 هـ")
    assert dt.date.fromisoformat(found.hijri_iso).weekday() == 6  # Sunday: الأحد


def test_a_written_weekday_that_disagrees_does_not_reject_the_line():
    found = read_date_line("الجمعة 15 جمادى الأولى 1446 هـ")
    assert found is not None and found.hijri_iso == "2024-11-17"


def test_an_article_dated_only_in_hijri_gets_its_gregorian_date_and_keeps_the_hijri_text():
    doc = doc_of(f"{TITLE}\nالأحد 15 جمادى الأولى 1446 هـ\n{BODY}\n{BODY2}\n")
    assert kinds(doc) == [("title", None), ("date", None), ("body", None), ("body", None)]
    assert (doc.date, doc.date_hijri, doc.time) == ("2024-11-17", "15 جمادى الأولى 1446 هـ", None)
    assert doc.blocks[1].date == "2024-11-17"
    assert_partition(doc)


def test_a_numeric_hijri_date_line_in_arabic_digits_keeps_its_own_digits():
    doc = doc_of(f"{TITLE}\n١٤٤٦/٠٥/١٥هـ\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[1] == ("date", None)
    assert (doc.date, doc.date_hijri) == ("2024-11-17", "١٤٤٦/٠٥/١٥هـ")
    assert_partition(doc)


def test_a_hijri_date_with_a_time_gives_both():
    doc = doc_of(f"{TITLE}\nالأحد 15 جمادى الأولى 1446 هـ - 09:40 ص\n{BODY}\n{BODY2}\n")
    assert (doc.date, doc.time, doc.date_hijri) == ("2024-11-17", "09:40", "15 جمادى الأولى 1446 هـ")


@pytest.mark.parametrize("line, hijri", [
    ("5 رجب 1300 هـ", "5 رجب 1300 هـ"),  # long before the calendar's table (1343–1500)
    ("29 ذو الحجة 1342 هـ", "29 ذو الحجة 1342 هـ"),  # the day before the table starts
    ("30 جمادى الأولى 1446 هـ", "30 جمادى الأولى 1446 هـ"),  # a 29-day month in Umm al-Qura
    ("1446/13/01هـ", "1446/13/01هـ"),  # no thirteenth month
])
def test_a_hijri_date_that_cannot_be_converted_keeps_its_text_and_no_gregorian_date(line, hijri):
    found = read_date_line(line)
    assert found is not None and (found.iso, found.hijri_iso, found.hijri) == (None, None, hijri)
    doc = doc_of(f"{TITLE}\n{line}\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[1] == ("date", None) and doc.blocks[1].date is None
    assert (doc.date, doc.date_hijri) == (None, hijri)
    assert_partition(doc)


def test_the_calendar_table_bounds():
    assert umm_al_qura(1343, 1, 1) == "1924-08-01"
    assert umm_al_qura(1436, 10, 25) == "2015-08-10"
    assert umm_al_qura(1342, 12, 29) is None
    assert umm_al_qura(1501, 1, 1) is None
    assert umm_al_qura(1446, 0, 1) is None


def test_a_gregorian_date_written_beside_the_hijri_one_stays_the_date():
    line = "الرياض 16 جمادى الأولى 1446 هـ الموافق 17 نوفمبر 2024 م"  # the paper's own pairing, a day off the table
    found = read_date_line(line)
    assert (found.iso, found.hijri_iso, found.day) == ("2024-11-17", "2024-11-18", "2024-11-17")
    doc = doc_of(f"{TITLE}\n{line}\n{BODY}\n{BODY2}\n")
    assert (doc.date, doc.date_hijri) == ("2024-11-17", "16 جمادى الأولى 1446 هـ")
    assert doc.blocks[1].date == "2024-11-17"


def test_a_sentence_that_mentions_a_hijri_date_is_not_a_date_line():
    assert read_date_line("يبدأ العام الدراسي في 15 جمادى الأولى 1446 هـ في جميع المدارس") is None


# ---------------------------------------------------------------- colon bylines

@pytest.mark.parametrize("byline", [
    "القاهرة: محمد علي",
    "بيروت: سامر الحسيني",
    "الدار البيضاء : عبد الرحيم الزموري",
    "الرياض: الدكتورة هالة السعيد",
    "عمّان: ريم خليل",
])
def test_a_place_and_a_name_after_a_colon_under_the_title_is_a_byline(byline):
    assert colon_byline(byline)
    doc = doc_of(f"{TITLE}\n{byline}\n{BODY}\n{BODY2}\n")
    assert kinds(doc) == [("title", None), ("meta", "byline"), ("body", None), ("body", None)]
    assert_partition(doc)


def test_a_colon_byline_beside_a_date_line():
    doc = doc_of(f"{TITLE}\nبيروت: سامر الحسيني\n12 فبراير 2025\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[:3] == [("title", None), ("meta", "byline"), ("date", None)]
    assert doc.date == "2025-02-12"


@pytest.mark.parametrize("line", [
    "القاهرة: أعلنت الحكومة",  # a dateline and a verb
    "بيروت: قال سامر الحسيني",
    "غزة: مقتل ثلاثة أشخاص",  # a headline: an event, not a person
    "غزة: أمل جديد",
    "عاجل: محمد صلاح",  # a news flag, not a place
    "القاهرة: محمد علي يزور الرياض",  # the name goes on with a verb
    "القاهرة: محمد علي.",  # sentence punctuation
    "القاهرة: محمد علي، أحمد",
    "القاهرة: محمد",  # one word is not a byline's name
    "القاهرة: محمد علي أحمد سالم حسن",  # nor five
    "القاهرة 5: محمد علي",
])
def test_a_colon_line_that_is_not_a_place_and_a_short_name_is_not_a_byline(line):
    assert not colon_byline(line)
    doc = doc_of(f"{TITLE}\n{line}\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[1] != ("meta", "byline")
    assert_partition(doc)


def test_a_dateline_with_a_colon_opening_the_body_stays_body_text():
    first = "القاهرة: أعلنت الحكومة اليوم عن برنامج جديد لدعم المشاريع الصغيرة في المحافظات المصرية."
    doc = doc_of(f"{TITLE}\n{first}\n{BODY2}\n")
    assert kinds(doc) == [("title", None), ("body", None), ("body", None)]
    assert doc.blocks[1].text == first and not any(s.dateline for s in doc.blocks[1].sentences)
    assert_partition(doc)


def test_a_colon_name_line_between_body_paragraphs_is_not_a_byline():
    doc = doc_of(f"{TITLE}\n{BODY}\nالقاهرة: محمد علي\n{BODY2}\n{BODY3}\n")
    assert kinds(doc)[2] != ("meta", "byline")
    assert_partition(doc)


@pytest.mark.parametrize("byline", ["كتب: محمد علي", "بقلم: سامر الحسيني", "كتب محمد علي", "القاهرة ـ محمد علي"])
def test_labelled_and_dash_bylines_still_are_bylines(byline):
    doc = doc_of(f"{TITLE}\n{byline}\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[1] == ("meta", "byline")


# ---------------------------------------------------------------- agency datelines without a year

@pytest.mark.parametrize("dateline", [
    "القاهرة 5 مارس (رويترز) - ",
    "دبي ١٢ يناير (وام) – ",
    "بيروت 3 آذار (أ ف ب) - ",
    "الجزائر 7 جانفي (واج) - ",
])
def test_a_year_less_agency_dateline_opens_the_body_and_gives_no_invented_date(dateline):
    doc = doc_of(f"{TITLE}\n{dateline}{BODY}\n{BODY2}\n")
    assert kinds(doc) == [("title", None), ("body", None), ("body", None)]
    first = doc.blocks[1].sentences
    assert first[0].dateline and first[0].text == dateline.strip()
    assert first[1].text.startswith("أعلنت الوزارة")
    assert doc.date is None and all(b.date is None for b in doc.blocks)
    assert_partition(doc)


def test_a_year_less_dateline_leaves_the_header_date_as_the_date():
    doc = doc_of(f"{TITLE}\n12 فبراير 2025\nالقاهرة 5 مارس (رويترز) - {BODY}\n{BODY2}\n")
    assert doc.date == "2025-02-12"
    doc = doc_of(f"{TITLE}\nالأحد 15 جمادى الأولى 1446 هـ\nالرياض 17 نوفمبر (واس) - {BODY}\n{BODY2}\n")
    assert (doc.date, doc.date_hijri) == ("2024-11-17", "15 جمادى الأولى 1446 هـ")
    assert doc.blocks[2].sentences[0].dateline


def test_a_year_less_agency_dateline_on_its_own_line_is_a_date_line_without_a_date():
    found = read_date_line("القاهرة 5 مارس (رويترز)")
    assert found is not None and (found.iso, found.agency) == (None, True)
    doc = doc_of(f"{TITLE}\nالقاهرة 5 مارس (رويترز)\n{BODY}\n{BODY2}\n")
    assert kinds(doc)[1] == ("date", None) and doc.date is None
    assert_partition(doc)


def test_a_hijri_only_dateline_opening_the_body_dates_the_article():
    doc = doc_of(f"{TITLE}\nالرياض 15 جمادى الأولى 1446 هـ (واس) - {BODY}\n{BODY2}\n")
    assert doc.blocks[1].sentences[0].dateline
    assert (doc.date, doc.date_hijri) == ("2024-11-17", "15 جمادى الأولى 1446 هـ")
    assert_partition(doc)

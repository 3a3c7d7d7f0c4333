"""Segmentation rules, table by table, and properties that must hold for any input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from translate.reading.files import RawDocument
from translate.text.dates import parse_date_line
from translate.text.normalize import for_model, is_blank
from translate.text.segment import segment
from translate.text.sentences import sentence_spans, split_to_budget


def doc_of(text: str, fmt: str = "txt"):
    return segment(RawDocument(path=Path(f"x.{fmt}"), data_sha256="0", encoding="utf-8", format=fmt, text=text))


def sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in sentence_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("جملة أولى. جملة ثانية.", ["جملة أولى.", "جملة ثانية."]),
    ("هل ستعقد القمة؟ نعم ستعقد!", ["هل ستعقد القمة؟", "نعم ستعقد!"]),
    ("بلغ النمو 1.8 في المئة. ثم تراجع", ["بلغ النمو 1.8 في المئة.", "ثم تراجع"]),
    ("وقعت الاتفاقية في 11.03.2024 في موسكو.", ["وقعت الاتفاقية في 11.03.2024 في موسكو."]),
    ("قال د. أحمد علي إن الوضع مستقر.", ["قال د. أحمد علي إن الوضع مستقر."]),
    ("Dr. Smith met Mr. Jones in Cairo. Then he left.", ["Dr. Smith met Mr. Jones in Cairo.", "Then he left."]),
    ("راجع www.example.com/a.b للمزيد. ثم راسلنا", ["راجع www.example.com/a.b للمزيد.", "ثم راسلنا"]),
    ("راسل info@example.org. وسيجيبون", ["راسل info@example.org.", "وسيجيبون"]),
    ("انتظر الجميع... ثم بدأ الاجتماع", ["انتظر الجميع...", "ثم بدأ الاجتماع"]),
    ("انتظر الجميع… ثم بدأ الاجتماع", ["انتظر الجميع…", "ثم بدأ الاجتماع"]),
    # a quotation closed right after its own sentence end ends the sentence (issue 17)
    ('قال: "الأولى. الثانية." ثم غادر القاعة.', ['قال: "الأولى. الثانية."', "ثم غادر القاعة."]),
    ("قال: «نحن مستعدون. والحوار ممكن». وأضاف أن", ["قال: «نحن مستعدون. والحوار ممكن».", "وأضاف أن"]),
    ("قال: “لقد أولينا اهتماماً. كبيراً”. ثم صمت", ["قال: “لقد أولينا اهتماماً. كبيراً”.", "ثم صمت"]),
    ('قال: «إن "الاتفاق. مهم" جداً». ثم غادر', ['قال: «إن "الاتفاق. مهم" جداً».', "ثم غادر"]),
    ('قال "نعم. ثم غادر.', ['قال "نعم.', "ثم غادر."]),  # an unmatched quote does not swallow the rest
    ("في وقت سابق، أشارت المتحدثة إلى أن الحدث مهم.", ["في وقت سابق، أشارت المتحدثة إلى أن الحدث مهم."]),
    ("النمو 3.5%. والتضخم", ["النمو 3.5%.", "والتضخم"]),
    ("وصل الوفد.وبدأت المحادثات", ["وصل الوفد.", "وبدأت المحادثات"]),  # glued: a boundary too (issue 17)
    ("سطر أول\nسطر ثان", ["سطر أول", "سطر ثان"]),
])
def test_sentence_boundaries(text, expected):
    assert sentences(text) == expected


ARTICLE = """Ru En

عنوان الخبر عن القمة

٠٦ يونيو ٢٠٢٣

\u00a0
القاهرة – (وكالة الأنباء): افتتحت القمة اليوم. وناقش القادة الملفات الإقليمية بالتفصيل.

ما الذي تغير؟

وقال المتحدث إن النتائج كانت إيجابية وإن الحوار سيستمر في الأشهر المقبلة بين جميع الأطراف المعنية

مجموعة "الرؤية"

الصورة: وزارة الخارجية

Photo: Alex Zarubi/Unsplash

المصدر: تاس
"""


def test_document_structure_of_a_full_article():
    doc = doc_of(ARTICLE)
    assert doc.title == "عنوان الخبر عن القمة" and doc.date == "2023-06-06"
    kinds = [(b.kind, b.role) for b in doc.blocks]
    assert kinds == [("chrome", None), ("title", None), ("date", None), ("body", None), ("heading", None),
                     ("body", None), ("meta", "series"), ("meta", "photo"), ("meta", "photo"), ("meta", "source")]
    first = doc.blocks[3].sentences
    assert first[0].dateline and first[0].text == "القاهرة – (وكالة الأنباء):"
    assert [s.text for s in first[1:]] == ["افتتحت القمة اليوم.", "وناقش القادة الملفات الإقليمية بالتفصيل."]


@pytest.mark.parametrize("text, title, kinds", [
    # no title: the article starts with a body paragraph; never invented from the body
    ("أعلنت الحكومة اليوم خطة جديدة لدعم الاقتصاد الوطني وتخفيض الضرائب على الشركات الصغيرة والمتوسطة.\nتحديات كبيرة\n"
     "ويواجه الاقتصاد تحديات كبيرة بسبب ارتفاع الأسعار وتراجع الاستثمارات الأجنبية في المنطقة\n",
     None, ["body", "heading", "body"]),
    # footer-less article ending in a body paragraph without a full stop
    ("خبر عاجل عن الاقتصاد\n\nقال الوزير إن الاقتصاد ينمو بسرعة كبيرة هذا العام رغم التحديات العالمية المتزايدة\n",
     "خبر عاجل عن الاقتصاد", ["title", "body"]),
    # heading ending in ؟
    ("عنوان\n\nنص الفقرة الأولى طويل بما يكفي ليكون فقرة من فقرات الخبر.\n\nلماذا الآن؟\n\n"
     "لأن الظروف تغيرت كثيراً خلال الأشهر الماضية في المنطقة كلها.\n", "عنوان", ["title", "body", "heading", "body"]),
    # a one-paragraph article is body, not title
    ("قال الوزير إن الاجتماع كان مثمراً.\n", None, ["body"]),
    # a short line at the end with no credit after it stays body
    ("عنوان الخبر\n\nنص الفقرة الأولى من الخبر هنا.\n\nوانتهى الاجتماع دون بيان\n", "عنوان الخبر",
     ["title", "body", "body"]),
])
def test_block_kinds(text, title, kinds):
    doc = doc_of(text)
    assert doc.title == title
    assert [b.kind for b in doc.blocks] == kinds


@pytest.mark.parametrize("line, iso", [
    ("٠٦ يونيو ٢٠٢٣", "2023-06-06"),
    ("14 تشرين الأول 2022", "2022-10-14"),
    ("الثلاثاء 5 ديسمبر/كانون الأول 2023", "2023-12-05"),
    ("١٠ حزيران / يونيو ٢٠٢٤", "2024-06-10"),
    ("الأحد ١٤ ذو القعدة ١٤٤٤ هـ - ٤ يونيو ٢٠٢٣ م", "2023-06-04"),
    ("11.03.2024", "2024-03-11"),
    ("2024-03-11 10:30", "2024-03-11"),
    ("June 6, 2023", "2023-06-06"),
    ("نشر في: 3 مارس 2024 - 09:15 ص", "2024-03-03"),
    ("31 فبراير 2023", None),
    ("يونيو ٢٠٢٣ كان شهراً حاراً جداً في المنطقة", None),
    ("اجتمع القادة في 5 مارس 2024 في موسكو", None),  # a sentence with a date is not a date line
])
def test_date_lines(line, iso):
    assert parse_date_line(line) == iso


@pytest.mark.parametrize("line, role", [
    ("المصدر: تاس", "source"), ("Source: Reuters", "source"), ("الصورة: وزارة الخارجية", "photo"),
    ("Photo: Alex Zarubi/Unsplash", "photo"), ("تصوير: أحمد", "photo"), ("© رويترز", "photo"),
])
def test_meta_roles(line, role):
    doc = doc_of(f"عنوان\n\nنص الفقرة الأولى من الخبر هنا.\n\n{line}\n")
    assert (doc.blocks[-1].kind, doc.blocks[-1].role) == ("meta", role)


@pytest.mark.parametrize("raw, expected", [
    ("ﻻ ﺑﺪ", "لا بد"),                                  # presentation forms (PDF copies)
    ("الســــلام", "السلام"),                            # tatweel
    ("مي\u200cخواهم \u200fنعم\u200e", "ميخواهم نعم"),    # ZWNJ, RLM, LRM
    ("عام\u00a0٢٠٢٣\u202b", "عام 2023"),                 # no-break space, Arabic-Indic digits, bidi embedding
    ("\ufeffنص\r\n  آخر", "نص آخر"),                     # BOM, CRLF, runs of spaces
    ("٣٫٥٪ و ١٬٠٠٠", "3.5% و 1,000"),                   # Arabic decimal and thousands separators
])
def test_normalization_for_the_model(raw, expected):
    assert for_model(raw) == expected


def test_normalization_never_moves_characters_between_segments():
    text = "ﺍﻟﺴﻼﻡ عليكم.\u200f ١٢٣ مرحبا\u00a0بكم."
    spans = sentence_spans(text)
    assert "".join(text[a:b] for a, b in spans) == text
    assert [for_model(text[a:b]) for a, b in spans] == ["السلام عليكم.", "123 مرحبا بكم."]


def test_markdown_lists_are_own_segments():
    doc = doc_of("# عنوان\n\nمقدمة قصيرة للخبر تشرح الموضوع.\n\n- البند الأول\n- البند الثاني\n", fmt="md")
    assert [b.kind for b in doc.blocks] == ["title", "body", "body", "body"]
    assert [b.text for b in doc.blocks[2:]] == ["- البند الأول", "- البند الثاني"]


# ---------------------------------------------------------------- properties

ALPHABET = st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإةى") + list(" \n\r\t\u00a0\u200f\u200c\u0640")
                           + list(".,،؛:؟?!…\"'«»“”()-–#*_0123456789٠١٢٣abcXYZ@/") + ["ﻻ", "\ufeff", "\u202b"])
TEXTS = st.one_of(st.text(ALPHABET, max_size=400), st.text(max_size=200))


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, fmt=st.sampled_from(["txt", "md"]))
def test_segmentation_partitions_any_text(text, fmt):
    assume(not is_blank(text))  # blank files are rejected before segmentation (see test_io)
    doc = doc_of(text, fmt)
    assert "".join(text[b.span[0]:b.span[1]] for b in doc.blocks) == text
    for block in doc.blocks:
        assert block.span[0] < block.span[1]
        assert "".join(text[s.span[0]:s.span[1]] for s in block.sentences) == text[block.span[0]:block.span[1]]
        assert all(s.span[0] < s.span[1] for s in block.sentences)
    assert doc.title is None or isinstance(doc.title, str)


@settings(max_examples=200, deadline=None)
@given(text=st.text(ALPHABET, min_size=1, max_size=300), budget=st.integers(min_value=1, max_value=40))
def test_budget_splitting_partitions_and_respects_the_budget(text, budget):
    pieces = split_to_budget(text, (0, len(text)), len, budget)
    assert "".join(text[a:b] for a, b in pieces) == text
    assert all(b - a <= budget for a, b in pieces)
    assert all(a < b for a, b in pieces)


@pytest.mark.parametrize("line, kind, role", [  # roles since issue 17: related, share, byline, copyright
    ("اقرأ أيضاً: لافروف يزور القاهرة", "chrome", "related"),
    ("شارك", "chrome", "share"),
    ("بقلم: أحمد علي", "meta", "byline"),
    ("الكلمات المفتاحية: روسيا، مصر", "meta", "other"),
    ("جميع الحقوق محفوظة لموقع الأخبار", "meta", "copyright"),
])
def test_site_furniture_and_bylines_are_not_body(line, kind, role):
    doc = doc_of(f"عنوان الخبر\n\nنص الفقرة الأولى من الخبر هنا.\n\n{line}\n\nنص الفقرة الثانية من الخبر هنا.\n")
    block = doc.blocks[2]
    assert (block.kind, block.role) == (kind, role)
    assert [b.kind for b in doc.blocks].count("body") == 2

"""What reviewers see is the article's text, cut where its sentences end: hard-wrapped files are
rejoined, markdown and web-page markup is not shown, invisible marks do not move sentence ends."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from translate.reading.files import RawDocument, read_document
from translate.stages.align import assemble, plan
from translate.text.normalize import for_model
from translate.text.segment import segment
from translate.text.sentences import sentence_spans
from translate.text.wrap import LineWrap

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seeds"
TEXT_FIXTURES = sorted(FIXTURES.glob("*.txt"))


def doc_of(text: str, fmt: str = "txt"):
    return segment(RawDocument(path=Path(f"x.{fmt}"), data_sha256="0", encoding="utf-8", format=fmt, text=text))


def wrap(text: str, width: int, **options) -> str:
    """Every line of ``text`` hard-wrapped at ``width`` (blank lines kept), as a mail client does."""
    return "\n".join("\n".join(textwrap.wrap(line, width, **options)) if line.strip() else line
                     for line in text.split("\n"))


def wrap_bytes(text: str, width: int) -> str:
    """Greedy wrapping that counts UTF-8 bytes, as ``fold -s`` / ``fmt`` do on UTF-8 files."""
    out = []
    for line in text.split("\n"):
        current = ""
        for word in line.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and len(candidate.encode()) > width:
                out.append(current)
                candidate = word
            current = candidate
        out.append(current)
    return "\n".join(out)


def squeezed(text: str) -> str:
    return "".join(text.split())


def sentences(doc) -> list[str]:
    return [squeezed(s.text) for b in doc.blocks for s in b.sentences]


def structure(doc) -> list[tuple]:
    """What must survive wrapping besides the sentences: title, date, every non-body block, datelines."""
    return [doc.title, doc.date, [(b.kind, b.role, squeezed(b.text)) for b in doc.blocks if b.kind != "body"],
            [squeezed(s.text) for b in doc.blocks for s in b.sentences if s.dateline]]


def articles() -> list[Path]:
    return TEXT_FIXTURES + (sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else [])


# ---------------------------------------------------------------- hard-wrapped text files

@pytest.mark.parametrize("path", articles(), ids=lambda p: p.name)
@pytest.mark.parametrize("width", [60, 72, 80])
def test_a_wrapped_copy_gives_the_same_sentences_and_structure(path, width):
    original = doc_of(path.read_text(encoding="utf-8"))
    wrapped_text = wrap(original.text, width)
    assert wrapped_text != original.text  # the copy really is wrapped
    wrapped = doc_of(wrapped_text)
    assert wrapped.line_wrap is not None and wrapped.line_wrap.unit == "characters"
    assert width - 3 <= wrapped.line_wrap.width <= width <= wrapped.line_wrap.limit
    assert sentences(wrapped) == sentences(original)
    assert structure(wrapped) == structure(original)


@pytest.mark.parametrize("path", articles(), ids=lambda p: p.name)
def test_an_unwrapped_article_is_not_taken_for_a_wrapped_one(path):
    assert doc_of(path.read_text(encoding="utf-8")).line_wrap is None


def test_unwrapped_markdown_and_short_articles_are_not_wrapped():
    assert segment(read_document(FIXTURES / "article.md")).line_wrap is None
    short = "عنوان الخبر\n\nنص الفقرة الأولى من الخبر هنا.\n\nوانتهى الاجتماع دون بيان\n"
    assert doc_of(short).line_wrap is None


def test_the_fragment_count_of_a_wrapped_article():
    """The issue's measure: a wrapped article was cut into one sentence per line."""
    text = (FIXTURES / "article_full.txt").read_text(encoding="utf-8")
    wrapped = doc_of(wrap(text, 40))
    assert wrapped.line_wrap == LineWrap(width=40, unit="characters", slack=0, limit=40)
    assert len(sentences(wrapped)) == len(sentences(doc_of(text))) == 16
    assert wrapped.title == "وزير الخارجية يبحث التعاون الاقتصادي في القاهرة"  # wrapped over two lines, shown as one


def test_rejoined_paragraphs_keep_every_character_and_the_model_sees_one_line():
    text = wrap((FIXTURES / "article_full.txt").read_text(encoding="utf-8"), 60).replace("\n", "\r\n")
    doc = doc_of(text)
    assert doc.line_wrap == LineWrap(width=60, unit="characters", slack=0, limit=60)
    assert "".join(text[b.span[0]:b.span[1]] for b in doc.blocks) == text
    body = [b for b in doc.blocks if b.kind == "body"]
    assert len(body) == 5 and all("\r\n" in doc.raw(b.span).strip() for b in body[:2])
    shown = [b.text for b in doc.blocks] + [s.text for b in doc.blocks for s in b.sentences]
    assert not any("\n" in t or "\r" in t for t in shown)  # reviewers see each sentence on one line
    assert body[0].sentences[2].text == ("وأكد الوزير أن حجم التجارة بلغ 1.8 مليار دولار في عام 2023، مشيراً إلى أن "
                                         '"العلاقات بين البلدين قوية. ونحن نعمل على تطويرها" حسب قوله.')
    segments = plan(doc, count=lambda texts: [len(t.split()) for t in texts], budget=1000)
    inputs = [s.model_input for s in segments if s.model_input]
    assert not any("\n" in i or "\r" in i or "  " in i for i in inputs)
    assert "بحث وزير الخارجية مع نظيره المصري التعاون الاقتصادي بين البلدين." in inputs


def test_a_wrapper_that_counts_bytes_is_recognized():
    text = (FIXTURES / "article_full.txt").read_text(encoding="utf-8")
    wrapped = doc_of(wrap_bytes(text, 100))
    assert wrapped.line_wrap is not None and wrapped.line_wrap.unit == "bytes"
    assert sentences(wrapped) == sentences(doc_of(text))


def test_headings_dates_and_credits_on_lines_of_their_own_in_a_file_without_blank_lines():
    body = ("وقال المتحدث باسم الوزارة إن المحادثات التي جرت اليوم في العاصمة تناولت قضايا الطاقة والنقل "
            "والتجارة بين البلدين، وإن الجانبين اتفقا على مواصلة الحوار في الأشهر المقبلة على مستوى الخبراء. ")
    text = wrap("\n".join([
        "محادثات في القاهرة حول الطاقة والنقل",
        "٠٦ يونيو ٢٠٢٣",
        "القاهرة – (وكالة الأنباء): " + body * 2,
        "الخطوات القادمة",
        body * 3,
        "المصدر: وكالة الأنباء",
    ]) + "\n", 72)
    doc = doc_of(text)
    assert doc.line_wrap is not None
    assert [(b.kind, b.role) for b in doc.blocks] == [
        ("title", None), ("date", None), ("body", None), ("heading", None), ("body", None), ("meta", "source")]
    assert doc.title == "محادثات في القاهرة حول الطاقة والنقل" and doc.date == "2023-06-06"
    first = doc.blocks[2].sentences
    assert first[0].dateline and first[0].text == "القاهرة – (وكالة الأنباء):"
    assert [len(b.sentences) for b in doc.blocks] == [1, 1, 3, 1, 3, 1]


def test_a_credit_right_after_a_full_line_starts_its_own_paragraph():
    line = "وقال المتحدث إن المحادثات تناولت قضايا الطاقة والنقل والتجارة بين البلدين وإن الجانبين اتفقا على"
    text = wrap(f"{line} مواصلة الحوار في الأشهر المقبلة على مستوى الخبراء والوزراء معا. {line} الحوار\n"
                "المصدر: تاس\n", 50)
    doc = doc_of(text)
    assert doc.line_wrap is not None
    assert [(b.kind, b.role) for b in doc.blocks][-1] == ("meta", "source")
    assert doc.blocks[-1].text == "المصدر: تاس"


def test_an_unwrapped_title_above_a_wrapped_body_stays_the_title():
    title = "عنوان طويل لخبر عن محادثات وزراء الخارجية في القاهرة حول قضايا الطاقة والنقل والتجارة"
    body = wrap("قال المتحدث إن المحادثات التي جرت اليوم في العاصمة تناولت قضايا الطاقة والنقل والتجارة بين "
                "البلدين، وإن الجانبين اتفقا على مواصلة الحوار في الأشهر المقبلة على مستوى الخبراء والوزراء "
                "معا في العاصمتين وفي اللقاءات الدولية المقبلة.", 50)
    doc = doc_of(f"{title}\n{body}\n")
    assert len(title) > 50 and doc.line_wrap is not None and doc.line_wrap.width <= 50
    assert doc.title == title
    assert [b.kind for b in doc.blocks] == ["title", "body"] and len(doc.blocks[1].sentences) == 1


# ---------------------------------------------------------------- markdown and web pages

@pytest.mark.parametrize("line, shown, iso", [
    ("**الرباط، 2 فبراير 2025**", "الرباط، 2 فبراير 2025", "2025-02-02"),
    ("*القاهرة - 3 مارس 2024*", "القاهرة - 3 مارس 2024", "2024-03-03"),
    ("__بيروت – ١٠ حزيران ٢٠٢٤__", "بيروت – ١٠ حزيران ٢٠٢٤", "2024-06-10"),
    ("_الدار البيضاء، الاثنين 3 مارس 2024_", "الدار البيضاء، الاثنين 3 مارس 2024", "2024-03-03"),
])
def test_a_bold_or_italic_dateline_in_markdown_is_the_date_line(line, shown, iso):
    text = f"# قمة **الطاقة** في الرياض\n\n{line}\n\nافتتحت في الرياض قمة الطاقة الإقليمية بمشاركة وزراء من عشر دول.\n"
    doc = doc_of(text, "md")
    assert [b.kind for b in doc.blocks] == ["title", "date", "body"]
    assert doc.date == iso
    assert doc.title == doc.blocks[0].text == "قمة الطاقة في الرياض"
    assert doc.blocks[1].text == doc.blocks[1].sentences[0].text == shown
    assert "".join(text[b.span[0]:b.span[1]] for b in doc.blocks) == text


def test_a_bold_line_that_is_not_a_date_is_not_a_date():
    doc = doc_of("# عنوان\n\n**انتخابات 3 مارس 2024**\n\n"
                 "نص طويل عن الانتخابات المقبلة وما يتوقعه المراقبون منها.\n", "md")
    assert [b.kind for b in doc.blocks] == ["title", "heading", "body"] and doc.date is None
    assert doc.blocks[1].text == "انتخابات 3 مارس 2024"


def test_markdown_headings_are_shown_and_translated_without_markers():
    text = ("# **قمة الطاقة** في الرياض #\n\nمقدمة الخبر هنا.\n\n"
            "## أبرز _القرارات_ ##\n\nنص الفقرة بعد العنوان الفرعي.\n")
    doc = doc_of(text, "md")
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("title", "قمة الطاقة في الرياض"), ("body", "مقدمة الخبر هنا."), ("heading", "أبرز القرارات"),
        ("body", "نص الفقرة بعد العنوان الفرعي.")]
    record = assemble(doc)
    assert [p["sentences"][0]["source"] for p in record] == [b.text for b in doc.blocks]
    inputs = [s.model_input for s in plan(doc, count=lambda texts: [1] * len(texts), budget=8)]
    assert inputs == ["قمة الطاقة في الرياض", "مقدمة الخبر هنا.", "أبرز القرارات", "نص الفقرة بعد العنوان الفرعي."]
    assert "".join(text[p["span"][0]:p["span"][1]] for p in record) == text


def test_a_web_page_has_no_markdown_markers():
    raw = read_document(FIXTURES / "article.html")
    assert "#" not in raw.text
    assert raw.text.startswith("مؤتمر المناخ يختتم أعماله في دبي\n\n")
    assert dict(raw.hints) == {0: "title", raw.text.index("ردود الفعل"): "heading"}
    doc = segment(raw)
    assert [(b.kind, b.text) for b in doc.blocks if b.kind != "body"] == [
        ("title", "مؤتمر المناخ يختتم أعماله في دبي"), ("heading", "ردود الفعل")]
    assert "".join(raw.text[b.span[0]:b.span[1]] for b in doc.blocks) == raw.text


def test_web_page_lists_are_items_and_text_that_looks_like_markdown_is_text(tmp_path):
    page = ("<html><head><title>خطة الحكومة الجديدة للاقتصاد</title></head><body><article>"
            "<h1>خطة الحكومة الجديدة للاقتصاد</h1>"
            "<p># أعلنت الحكومة اليوم خطة جديدة لدعم الاقتصاد الوطني وتخفيض الضرائب على الشركات الصغيرة.</p>"
            "<ul><li>زيادة الاستثمار في الطاقة المتجددة</li><li>تعزيز الربط الكهربائي بين الدول</li></ul>"
            "<p>وقال رئيس الوزراء إن الخطة ستبدأ في الشهر القادم، مؤكداً أهمية دعم الشباب والمشاريع الصغيرة.</p>"
            "</article></body></html>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    doc = segment(read_document(path))
    assert [(b.kind, b.text[:12]) for b in doc.blocks] == [
        ("title", "خطة الحكومة "), ("body", "# أعلنت الحك"), ("body", "- زيادة الاس"), ("body", "- تعزيز الرب"),
        ("body", "وقال رئيس ال")]


# ---------------------------------------------------------------- invisible formatting characters

def split(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("وقال د\u202a.\u202c ديفيد ريدي إن الوضع مستقر. ثم غادر",
     ["وقال د\u202a.\u202c ديفيد ريدي إن الوضع مستقر. ", "ثم غادر"]),
    ("قال د.\u200f أحمد علي إن الوضع مستقر.", ["قال د.\u200f أحمد علي إن الوضع مستقر."]),
    ("قال د\u200f. أحمد علي إن الوضع مستقر.", ["قال د\u200f. أحمد علي إن الوضع مستقر."]),
    ("قال Dr\u2066.\u2069 Smith إن الوضع مستقر.", ["قال Dr\u2066.\u2069 Smith إن الوضع مستقر."]),
    ("بلغ النمو 3\u200f.\u200f5 في المئة. ثم تراجع", ["بلغ النمو 3\u200f.\u200f5 في المئة. ", "ثم تراجع"]),
    ("بلغ النمو 3.\u200b5 في المئة.", ["بلغ النمو 3.\u200b5 في المئة."]),
    ("في 11\u200e.\u200e03\u200e.2024 وقعت الاتفاقية.", ["في 11\u200e.\u200e03\u200e.2024 وقعت الاتفاقية."]),
    ("راجع www\u200e.example.com/a للمزيد. ثم", ["راجع www\u200e.example.com/a للمزيد. ", "ثم"]),
    ("انتهى.\u200f \u200eثم بدأ", ["انتهى.\u200f ", "\u200eثم بدأ"]),  # marks before a sentence belong to it
    ("قال: «نعم.\u061c لا». ثم", ["قال: «نعم.\u061c لا». ", "ثم"]),
])
def test_invisible_marks_do_not_move_sentence_ends(text, expected):
    assert split(text) == expected


def test_invisible_marks_in_a_whole_document_keep_spans_on_the_original_text():
    text = ("عنوان الخبر\n\n\ufeffوقال د\u202a.\u202c ديفيد ريدي إن النمو بلغ ٣\u200f٫\u200f٥ في المئة.\u200f "
            "وأضاف أن الوضع مستقر.\n")
    doc = doc_of(text)
    body = doc.blocks[1]
    cut = text.index("وأضاف")  # "المئة.\u200f " ends the first sentence
    assert [s.span for s in body.sentences] == [(13, cut), (cut, len(text))]
    assert [s.text for s in body.sentences] == [  # shown without invisible marks at the ends
        "وقال د\u202a.\u202c ديفيد ريدي إن النمو بلغ ٣\u200f٫\u200f٥ في المئة.", "وأضاف أن الوضع مستقر."]
    assert [for_model(s.text) for s in body.sentences] == ["وقال د. ديفيد ريدي إن النمو بلغ 3.5 في المئة.",
                                                          "وأضاف أن الوضع مستقر."]
    assert "".join(text[s.span[0]:s.span[1]] for b in doc.blocks for s in b.sentences) == text


def test_a_line_of_invisible_marks_after_a_paragraph_is_not_shown():
    """Regression (found by tests/test_properties.py): a blank line of invisible marks belongs to the
    paragraph before it but was shown as part of its last sentence, not of the paragraph."""
    text = "عنوان الخبر\n\nقال الوزير إن الوضع مستقر. وأضاف أن المحادثات مستمرة.\n\u200b\n\u200f\u00a0\n"
    doc = doc_of(text)
    body = doc.blocks[1]
    assert body.span == (13, len(text))
    assert body.text == "قال الوزير إن الوضع مستقر. وأضاف أن المحادثات مستمرة."
    assert [s.text for s in body.sentences] == ["قال الوزير إن الوضع مستقر.", "وأضاف أن المحادثات مستمرة."]
    assert body.sentences[-1].span[1] == len(text)


def test_a_few_lines_that_never_reach_a_width_are_not_wrapped():
    """Regression (found by tests/test_properties.py): lines that all stop just short of the longest
    one were taken for a greedy wrapper's and the width estimate failed (ValueError)."""
    text = "د. ٦ يونيو ٢٠٢٣ اا اا\nاا اا د. 11.03.2024 اااا\nاا اا اا د. د. د. 0000 اا اا"
    doc = doc_of(text)
    assert doc.line_wrap is None and len(doc.blocks) == 3


def test_an_address_before_a_question_mark_does_not_hide_the_sentence_end():
    """Regression (found by the wrapping property): the ``؟`` after a URL was taken as part of it."""
    assert split("زوروا موقعنا www.example.com؟ ثم راسلونا عبر http://a.b/c. وسيجيبون") == [
        "زوروا موقعنا www.example.com؟ ", "ثم راسلونا عبر http://a.b/c. ", "وسيجيبون"]
    assert split("الرابط (https://example.com/ar/news?id=5). التالي") == [
        "الرابط (https://example.com/ar/news?id=5). ", "التالي"]


def test_translate_segment_reports_the_wrapping(tmp_path):
    from translate.stages.outline import describe, render_text

    path = tmp_path / "wire.txt"
    path.write_text(wrap((FIXTURES / "article_full.txt").read_text(encoding="utf-8"), 72), encoding="utf-8")
    item = describe(path)
    assert item["source"]["line_wrap"] == {"width": 72, "unit": "characters", "greedy": True}
    assert "hard-wrapped at 72 characters: lines rejoined" in render_text(item).splitlines()[0]
    assert describe(FIXTURES / "article_full.txt")["source"]["line_wrap"] is None

"""Properties of reading, segmentation and alignment that hold for any input (hypothesis).

Any text — Arabic, Latin, digits, Arabic and Latin punctuation, markdown markers, every kind of
whitespace, control and invisible characters, hard-wrapped or not — encoded in each supported
encoding and written to a .txt or .md file: reading succeeds or raises an ``InputError``; after
a successful read nothing raises, blocks partition the text, sentences partition each block, and
the model segments cover every sentence in order within the token budget.
"""

from __future__ import annotations

import codecs
import os
import tempfile
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from translate.errors import InputError
from translate.reading.files import RawDocument, read_document
from translate.stages.align import assemble, plan
from translate.text.normalize import shown
from translate.text.segment import segment
from translate.text.sentences import sentence_spans

ARABIC = list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإةىئؤ") + ["ﻻ", "ـ", "\u064b", "\u0650"]
LATIN = list("abcXYZé")
DIGITS = list("0123456789٠١٢٣٤٥٦٧٨٩۴")
PUNCTUATION = list(".,;:!?…،؛؟٪٫٬\"'«»“”()[]-–—/@#*_`>+|")
WHITESPACE = [" ", " ", " ", "\n", "\n\n", "\r\n", "\r", "\t", "\u00a0", "\u2028", "\u2029", "\u202f", "\u2009",
              "\u3000", "\x0c", "\x85"]
INVISIBLE = list("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                 "\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad")
CONTROL = ["\x00", "\x01", "\x0b", "\x1b", "\x7f", "\ufffd"]  # added to some documents: see documents()

WORDS = st.lists(st.sampled_from(ARABIC), min_size=2, max_size=8).map("".join)
PIECES = st.one_of(
    *[WORDS] * 10, st.sampled_from(["د.", "3.5", "11.03.2024", "www.example.com", "٣٫٥", "Dr.", "إلخ."]),
    st.text(st.sampled_from(LATIN + DIGITS), min_size=1, max_size=6), st.sampled_from(PUNCTUATION),
    st.sampled_from(WHITESPACE), st.sampled_from(INVISIBLE),
    st.sampled_from(["# ", "## ", "- ", "1. ", "**", "__", "*", "_", "المصدر: ", "الصورة: ", "٦ يونيو ٢٠٢٣",
                     "**الرباط، 2 فبراير 2025**", "القاهرة – (وكالة الأنباء): "]),
    # the furniture of issue 17: timestamps, agency datelines, bylines, end markers, glued ends
    st.sampled_from(["Thu, 09 Aug 2018 19:06:41 +0000", "2017-05-21T11:52:00Z", "الموافق 10 أغسطس 2015 م واس",
                     "25 شوال 1436 هـ", "دبي - سكاي نيوز عربية", "القاهرة ـ محمد علي", "// انتهى //", "16:31 ت م",
                     "-----", "اقرأ أيضا:", "مشاركة", "آبل.1.", "اليابان.وأوضح", "آي.جي.تي.في", "العربية.نت",
                     "ومشرفة.»وأضاف", "(رويترز) -", "/أ ش أ/", "بقلم:", "© 2024", "منذ 3 ساعات", "***"]),
)
LINES = st.lists(st.lists(PIECES, min_size=4, max_size=25).map(" ".join), min_size=2, max_size=12)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "windows-1256", "utf-8 with a stray byte"]
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "300"))  # raise it to hunt for bugs


@st.composite
def documents(draw) -> str:
    """Article-like texts (lines of words and noise), sometimes hard-wrapped, or any text at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=300))
    lines = draw(LINES)
    width = draw(st.sampled_from([None, None, 30, 45, 72]))
    if width:
        lines = ["\n".join(textwrap.wrap(line, width)) for line in lines]
    text = draw(st.sampled_from(["\n", "\n\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))
    # NUL: binary; others: not in Windows-1256 text
    for control in draw(st.lists(st.sampled_from(CONTROL), max_size=2)):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + control + text[at:]
    return text


def encode(text: str, encoding: str) -> bytes:
    if encoding == "windows-1256":
        return text.encode("cp1256", errors="ignore")  # what the code page cannot represent is left out
    if encoding == "utf-8 with a stray byte":  # a no-break space pasted from a Windows page
        return text.encode("utf-8").replace(b"\n", b"\n\xa0", 1)
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le", "surrogatepass")
    return text.encode(encoding, "surrogatepass")


def count_words(texts) -> list[int]:
    return [len(t.split()) for t in texts]


def check_record(record: list[dict], text: str, fmt: str) -> None:
    """helpers.assert_partition, with every source compared as it is shown (normalize.shown)."""
    position = 0
    for paragraph in record:
        start, end = paragraph["span"]
        assert start == position < end, paragraph["id"]
        markers = fmt == "md" and paragraph["kind"] != "body"
        assert paragraph["source"] == shown(text[start:end], markdown=markers)
        inner = start
        for sentence in paragraph["sentences"]:
            a, b = sentence["span"]
            assert a == inner < b, sentence["id"]
            assert sentence["source"] == shown(text[a:b], markdown=markers)
            inner = b
        assert inner == end
        position = end
    assert position == len(text)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=documents(), encoding=st.sampled_from(ENCODINGS), fmt=st.sampled_from(["txt", "md"]),
       budget=st.integers(min_value=1, max_value=8))
@example(text="عنوان الخبر\n\nوقال د\u202a.\u202c ديفيد ريدي إن النمو بلغ 3\u200f.5 في المئة. ثم غادر القاعة\n",
         encoding="utf-8", fmt="txt", budget=3)
def test_any_file_reads_or_fails_cleanly_and_partitions_exactly(text, encoding, fmt, budget):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"article.{fmt}"
        path.write_bytes(encode(text, encoding))
        try:
            raw = read_document(path)
        except InputError as exc:
            event(f"rejected: {exc.code}")
            return
    doc = segment(raw)
    event(f"read {raw.format} {raw.encoding}" + (", hard-wrapped" if doc.line_wrap else ""))
    assert doc.text == raw.text
    check_record(assemble(doc), raw.text, fmt)
    segments = plan(doc, count=count_words, budget=budget)
    by_sentence: dict[tuple[int, int], list] = {}
    for seg in segments:
        by_sentence.setdefault((seg.block, seg.sentence), []).append(seg)
        if seg.model_input is not None:
            assert count_words([seg.model_input])[0] <= budget, seg
    order = [(b, s) for b, block in enumerate(doc.blocks) for s in range(len(block.sentences))]
    assert list(by_sentence) == order  # every sentence, in order
    for (b, s), parts in by_sentence.items():
        span = doc.blocks[b].sentences[s].span
        assert parts[0].span[0] == span[0] and parts[-1].span[1] == span[1]
        assert all(x.span[1] == y.span[0] for x, y in zip(parts, parts[1:]))
        assert all(x.span[0] < x.span[1] for x in parts)


VISIBLE = st.text(st.sampled_from(ARABIC + LATIN + DIGITS + PUNCTUATION + [" ", " ", "\n", "\u00a0"]), max_size=200)


@settings(max_examples=200, deadline=None)
@given(text=VISIBLE, marks=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(INVISIBLE)), max_size=12),
       line_ends=st.booleans())
def test_invisible_marks_never_change_where_sentences_end(text, marks, line_ends):
    marked = text
    for position, mark in marks:
        at = position % (len(marked) + 1)
        marked = marked[:at] + mark + marked[at:]
    spans = sentence_spans(marked, line_ends=line_ends)
    assert "".join(marked[a:b] for a, b in spans) == marked
    visible = [marked[a:b].translate(dict.fromkeys(map(ord, INVISIBLE))) for a, b in spans]
    assert [v for v in visible if v] == [text[a:b] for a, b in sentence_spans(text, line_ends=line_ends)]


VOCABULARY = ("قال وزير الخارجية إن المحادثات مع نظيره تناولت قضايا الطاقة والنقل والتجارة بين البلدين "
              "وأكد الجانبان أهمية مواصلة الحوار في الأشهر المقبلة على مستوى الخبراء والوزراء معا في العاصمتين "
              "وأضافت المتحدثة الرسمية أن الاجتماع القادم سيعقد في موسكو").split()
TOKENS = st.sampled_from(VOCABULARY * 3 + ["د.", "3.5", "٣٫٥", "11.03.2024", "2024", "«نعم»", "(تاس)", "-", "،",
                                           "www.example.com", "info@example.org", "سانت-بطرسبرغ"])
SENTENCE = st.tuples(st.lists(TOKENS, min_size=6, max_size=25).map(" ".join),
                     st.sampled_from([".", ".", "؟", "!", "…", ".»", "\u200f."])).map("".join)
PARAGRAPH = st.lists(SENTENCE, min_size=3, max_size=7).map(" ".join)
# a title or heading: short enough that the next line's first word would have fitted after it (a line
# as long as the width followed by a paragraph is a wrapped line: no rule can tell them apart)
SHORT_LINE = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=2).map(" ".join)
WRAP_EXAMPLES = max(EXAMPLES // 4, 20)


@settings(max_examples=WRAP_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=SHORT_LINE, blocks=st.lists(st.one_of(PARAGRAPH, PARAGRAPH, SHORT_LINE), min_size=3, max_size=8),
       width=st.integers(min_value=40, max_value=110), separator=st.sampled_from(["\n", "\n\n", "\r\n"]))
def test_a_hard_wrapped_article_gives_the_sentences_of_the_original(title, blocks, width, separator):
    """Paragraphs are wrapped as a mail client does (greedy, words kept whole); headings are short
    lines. The wrapped file is detected and gives the same sentences (shown on one line), title and
    headings as the unwrapped one, with or without blank lines between paragraphs."""
    assume(sum(1 for b in blocks if len(b) > 2 * width) >= 3)
    line_break = "\r\n" if separator == "\r\n" else "\n"
    text = separator.join([title, *blocks]) + separator
    wrapped = separator.join(line_break.join(textwrap.wrap(block, width, break_on_hyphens=False))
                             for block in [title, *blocks]) + separator
    original, rejoined = (segment(RawDocument(path=Path("a.txt"), data_sha256="0", encoding="utf-8", format="txt",
                                              text=t)) for t in (text, wrapped))
    assert original.line_wrap is None and rejoined.line_wrap is not None
    assert width - 10 <= rejoined.line_wrap.width <= min(width, rejoined.line_wrap.limit)

    assert [s.text for b in rejoined.blocks for s in b.sentences] == [
        s.text for b in original.blocks for s in b.sentences]
    assert [(b.kind, b.text) for b in rejoined.blocks if b.kind != "body"] == [
        (b.kind, b.text) for b in original.blocks if b.kind != "body"]

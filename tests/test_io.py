"""Reading: encodings, BOMs, bad files, web pages."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from translate.errors import EmptyFileError, EncodingError, NotArabicError, UnsupportedFormatError
from translate.outputs.atomic import write_atomic
from translate.reading.files import discover, read_document
from translate.text.segment import segment

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE = (FIXTURES / "article_full.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("encoder, expected", [
    (lambda t: t.encode("utf-8"), "utf-8"),
    (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
    (lambda t: t.encode("utf-16"), "utf-16"),  # Python writes a BOM
    (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16"),
    (lambda t: t.replace("\u00a0", " ").replace("–", "-").replace("…", "...").replace("«", '"').replace("»", '"')
        .translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")).encode("cp1256"), "windows-1256"),
    (lambda t: t.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
])
def test_encodings_give_the_same_structure(tmp_path, encoder, expected):
    path = tmp_path / "a.txt"
    path.write_bytes(encoder(ARTICLE))
    raw = read_document(path)
    assert raw.encoding == expected
    assert not raw.text.startswith("\ufeff")
    doc = segment(raw)
    assert doc.title == "وزير الخارجية يبحث التعاون الاقتصادي في القاهرة"
    assert doc.date == "2024-06-10"
    assert [b.kind for b in doc.blocks].count("body") == 5
    assert "".join(raw.text[b.span[0]:b.span[1]] for b in doc.blocks) == raw.text


def test_stray_windows_byte_in_utf8_is_kept_as_one_character(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(ARTICLE.encode("utf-8").replace("\u00a0".encode(), b"\xa0"))
    raw = read_document(path)
    assert raw.encoding == "utf-8+windows-1256"
    assert raw.text == ARTICLE


@pytest.mark.parametrize("data, error, words", [
    (b"", EmptyFileError, "empty"),
    ("\u00a0\n \u200f\n".encode(), EmptyFileError, "no visible text"),
    (b"An English text about trade and security in the region. " * 3, NotArabicError, "not Arabic"),
    ("Привет мир, это русский текст о торговле и безопасности.".encode("cp1251"), EncodingError, "not UTF-8"),
    (bytes(range(256)), EncodingError, "binary"),
    (codecs.BOM_UTF16_LE + b"\x00\xd8", EncodingError, "utf-16"),
])
def test_bad_inputs_are_rejected_with_reason_and_fix(tmp_path, data, error, words):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(error) as caught:
        read_document(path)
    assert words in caught.value.reason and caught.value.hint


def test_unsupported_extension(tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(UnsupportedFormatError) as caught:
        read_document(path)
    assert "'.pdf'" in caught.value.reason and ".txt" in caught.value.hint


def test_discover_sorts_and_separates_unsupported(tmp_path):
    for name in ("b.txt", "a.md", "c.html", "d.pdf", ".hidden.txt", "sub/e.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    found, skipped = discover(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.md", "b.txt", "c.html", "sub/e.txt"]
    assert [p.name for p in skipped] == ["d.pdf"]


def test_html_keeps_the_article_and_drops_the_page_furniture():
    raw = read_document(FIXTURES / "article.html")
    doc = segment(raw)
    assert doc.title == "مؤتمر المناخ يختتم أعماله في دبي"
    assert doc.date == "2023-12-13"
    assert [b.kind for b in doc.blocks] == ["title", "body", "body", "heading", "body", "body"]
    for furniture in ("الرئيسية", "الأكثر قراءة", "أسعار الذهب", "جميع الحقوق", "tracking", "color:red"):
        assert furniture not in raw.text
    assert "<script>alert(1)</script>" in raw.text  # article text that looks like markup stays text


def test_markdown_structure():
    doc = segment(read_document(FIXTURES / "article.md"))
    assert doc.title == "قمة الطاقة في الرياض"
    assert doc.date == "2024-03-03"
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["title", "date", "body", "heading", "body", "body", "body", "body"]
    items = [b.text for b in doc.blocks[4:7]]
    assert items[0] == "- زيادة الاستثمار في الطاقة المتجددة"


def test_write_atomic_leaves_no_temp_files(tmp_path):
    target = tmp_path / "deep" / "out.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_web_page_in_windows_1256_with_declared_charset(tmp_path):
    page = (FIXTURES / "article.html").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="windows-1256"')
    path = tmp_path / "page.htm"
    path.write_bytes(page.encode("cp1256", errors="strict"))
    raw = read_document(path)
    assert raw.encoding == "cp1256"
    assert segment(raw).title == "مؤتمر المناخ يختتم أعماله في دبي"


def test_an_explicitly_named_file_with_another_extension_is_read_as_text(tmp_path):
    path = tmp_path / "article.body"
    path.write_bytes((FIXTURES / "article_full.txt").read_bytes())
    with pytest.raises(UnsupportedFormatError):
        read_document(path)
    assert segment(read_document(path, explicit=True)).title == "وزير الخارجية يبحث التعاون الاقتصادي في القاهرة"

"""Safe outputs: normal file permissions, no partial file on a full disk or read-only folder, and
article text / file names that cannot inject HTML, links or line breaks into the Markdown views
(checked by rendering them with a real CommonMark renderer, markdown-it-py)."""

from __future__ import annotations

import errno
import os
import stat
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from translate.errors import OutputError, UsageError
from translate.outputs import atomic, render_index, render_markdown
from translate.outputs.atomic import write_atomic, write_atomic_bytes
from translate.outputs.escape import display_name, md_cell, md_link_target, md_text

# ---------------------------------------------------------------- atomic writes


@pytest.fixture
def umask():
    """Set the process umask for one test, restored afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_written_files_get_the_umask_permissions(tmp_path, umask, mask, mode):
    umask(mask)
    target = tmp_path / "sub" / "out.md"
    write_atomic(target, "one")
    assert stat.S_IMODE(target.stat().st_mode) == mode
    write_atomic(target, "two")  # replacing an existing file: the same
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.md"]


def test_text_is_written_as_utf8_with_newlines_unchanged(tmp_path):
    target = tmp_path / "a.txt"
    write_atomic(target, "سطر\r\nline\n")
    assert target.read_bytes() == "سطر\r\nline\n".encode("utf-8")
    write_atomic_bytes(target, b"\x00\xff")
    assert target.read_bytes() == b"\x00\xff"


def _failing(code: int, *, after: int = 0):
    """A stand-in that raises OSError(code), after writing ``after`` bytes for os.write."""
    real_write = os.write

    def fail(*args, **kwargs):
        if after and len(args) == 2 and isinstance(args[1], (bytes, memoryview)):
            real_write(args[0], bytes(args[1][:after]))
        raise OSError(code, os.strerror(code))
    return fail


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_disk_full_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch, code, where):
    target = tmp_path / "article.json"
    target.write_text("old", encoding="utf-8")
    monkeypatch.setattr(atomic.os, where, _failing(code, after=3))
    with pytest.raises(OutputError) as caught:
        write_atomic(target, "new content, much longer than three bytes")
    monkeypatch.undo()
    error = caught.value
    assert isinstance(error, UsageError) and error.errno == code and error.path == target
    assert str(target) in error.reason and "disk or quota is full" in error.reason
    assert "free space" in error.hint and "--out" in error.hint
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["article.json"]


def test_read_only_folder_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "index.md").write_text("old", encoding="utf-8")
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root writes anyway: make the file system say read-only
            monkeypatch.setattr(atomic.os, "open", _failing(errno.EROFS))
        with pytest.raises(OutputError) as caught:
            write_atomic(folder / "index.md", "new")
        monkeypatch.undo()
    finally:
        folder.chmod(0o755)
    assert caught.value.errno in (errno.EROFS, errno.EACCES)
    assert str(folder / "index.md") in caught.value.reason and "read-only" in caught.value.reason
    assert "choose a writable --out folder" in caught.value.hint
    assert (folder / "index.md").read_text(encoding="utf-8") == "old"
    assert [p.name for p in folder.iterdir()] == ["index.md"]


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM, errno.EROFS])
def test_refused_rename_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch, code):
    monkeypatch.setattr(atomic.os, "replace", _failing(code))
    with pytest.raises(OutputError, match="read-only or not yours"):
        write_atomic(tmp_path / "x.md", "new")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_other_os_errors_pass_through_but_still_leave_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic.os, "fsync", _failing(errno.EIO))
    with pytest.raises(OSError) as caught:
        write_atomic(tmp_path / "x.md", "new")
    monkeypatch.undo()
    assert caught.value.errno == errno.EIO and not isinstance(caught.value, OutputError)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_during_the_write_leaves_nothing(tmp_path, monkeypatch):
    def interrupted(fd, data):
        raise KeyboardInterrupt
    monkeypatch.setattr(atomic.os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "x.md", "new")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- escaping

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[x](javascript:alert(1))"
IMAGE = "![y](http://example.com/t.png)"
HOSTILE = f"{SCRIPT} {IMG} {LINK} {IMAGE} *em* `code` ~~del~~ a|b &amp;"
RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


class _Html(HTMLParser):
    """Elements, attributes and visible text of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def rendered(markdown: str) -> _Html:
    parser = _Html()
    parser.feed(RENDERER.render(markdown))
    parser.close()
    return parser


def assert_nothing_live(markdown: str, *, code_spans: int = 0) -> _Html:
    for raw in ("<script", "<img", "](javascript:", "](http://example.com"):
        assert raw not in markdown
    html = rendered(markdown)
    tags = {tag for tag, _ in html.tags}
    assert not tags & {"script", "img", "iframe", "del", "s", "pre", "style"}, tags
    assert [tag for tag, _ in html.tags].count("code") == code_spans  # only the view's own
    for tag, attrs in html.tags:
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").lower().startswith(("javascript:", "http:", "https:")), (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    return html


def hostile_record() -> dict:
    title_ar, title_en = f"عنوان {HOSTILE}", f"Title {HOSTILE}"
    sentence = {"id": "p2.s1", "span": [20, 60], "source": f"نص {HOSTILE}", "target": f"Text {HOSTILE}"}
    return {
        "schema": "translate.article/1",
        "source": {"path": f"in/{SCRIPT}.txt", "sha256": "0" * 64, "encoding": "utf-8", "format": "txt",
                   "characters": 60},
        "source_lang": "ar", "target_lang": "en",
        "title": f"عنوان {HOSTILE}", "title_target": f"Title {HOSTILE}", "date": "2024-03-01",
        "summary": {"text": f"Summary {HOSTILE}", "method": "extractive", "model": None,
                    "sentences": [{"text": f"Summary {HOSTILE}", "paragraph_ids": ["p2"], "sentence_ids": ["p2.s1"]}]},
        "paragraphs": [
            {"id": "p1", "kind": "title", "span": [0, 20], "source": title_ar, "target": title_en,
             "sentences": [{"id": "p1.s1", "span": [0, 20], "source": title_ar, "target": title_en}]},
            {"id": "p2", "kind": "body", "span": [20, 60], "source": f"نص {HOSTILE}\n# not a heading\n- not a list",
             "target": f"Text {HOSTILE}\n1. not a list", "sentences": [sentence]},
        ],
        "provenance": {"signature": "translate:0.1.0|mt:m@main",
                       "translation": {"model": "m", "backend": "ctranslate2"}},
    }


def test_markdown_review_file_escapes_article_text(tmp_path):
    markdown = render_markdown(hostile_record())
    html = assert_nothing_live(markdown)
    visible = "".join(html.text)
    for original in (SCRIPT, IMG, LINK, IMAGE, "*em*", "`code`", "~~del~~", "a|b", "&amp;", "# not a heading",
                     "- not a list", "1. not a list", f"in/{SCRIPT}.txt"):
        assert original in visible, original
    assert visible.count(f"Title {HOSTILE}") == 2  # the heading and paragraph p1
    assert [t for t, _ in html.tags].count("h1") == 1 and [t for t, _ in html.tags].count("ul") == 1
    anchors = [a for t, a in html.tags if t == "a"]
    assert {"id": "p1"} in anchors and {"href": "#p2"} in anchors


def index_entries(key: str, outputs: list[str]) -> dict:
    return {
        key: {"status": "done", "title": f"عنوان {HOSTILE}", "title_target": f"Title {HOSTILE}", "date": "2024-03-01",
              "summary": f"Summary {HOSTILE}\nsecond line", "outputs": outputs},
        f"bad/{SCRIPT}\n.txt": {"status": "failed", "error": {"code": "encoding", "reason": f"cannot decode {LINK}",
                                                               "hint": f"save it as UTF-8 {IMG}"}},
    }


def test_index_escapes_titles_summaries_and_errors():
    markdown = render_index(index_entries("a.txt", ["a.json", "a.md"]),
                            settings={"profile": "default", "translation": {"model": "m`"}, "summary": {"method": "x"}})
    html = assert_nothing_live(markdown, code_spans=2)
    visible = "".join(html.text)
    for original in (f"Title {HOSTILE}", f"عنوان {HOSTILE}", f"Summary {HOSTILE} second line", f"cannot decode {LINK}",
                     f"save it as UTF-8 {IMG}", f"bad/{SCRIPT}\\n.txt"):
        assert original in visible, original
    assert "Profile default; translation model m`; summary: x." in visible
    rows = [t for t, _ in html.tags].count("tr")
    assert rows == 4  # two header rows, one article, one failure
    assert [a["href"] for t, a in html.tags if t == "a"] == ["a.md"]


def test_file_name_with_newline_and_bidi_control_keeps_one_row_and_a_link_that_resolves(tmp_path):
    key = "dir one/ev\nil\u202etxt.exe (1).txt"
    review = "dir one/ev\nil\u202etxt.exe (1).md"
    (tmp_path / "dir one").mkdir()
    (tmp_path / review).write_text("review", encoding="utf-8")
    markdown = render_index(index_entries(key, [review[:-3] + ".json", review]), settings={})
    row = [line for line in markdown.splitlines() if "Title &lt;" in line]
    assert len(row) == 1 and "\u202e" not in markdown.split("## Not translated")[0]
    html = rendered(markdown)
    links = [a for t, a in html.tags if t == "a"]
    assert len(links) == 1
    href = links[0]["href"]
    assert href == "dir%20one/ev%0Ail%E2%80%AEtxt.exe%20%281%29.md"
    assert (tmp_path / unquote(href)).read_text(encoding="utf-8") == "review"
    assert "dir one/ev\\nil\\u202etxt.exe (1).txt" in "".join(html.text)
    assert [t for t, _ in html.tags].count("tr") == 4


def test_display_name_makes_controls_visible():
    assert display_name("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert display_name("x\u202ey\u2066z\u200f\u061c\ufeff") == "x\\u202ey\\u2066z\\u200f\\u061c\\ufeff"
    assert display_name("\x00\x1b\x7f\x85\u2028") == "\\x00\\x1b\\x7f\\x85\\u2028"
    assert display_name(Path("مقال\u200c.txt")) == "مقال\u200c.txt"  # ZWNJ is part of Arabic-script names
    assert display_name(os.fsdecode(b"bad\xff.txt")) == "bad\\udcff.txt"
    assert display_name(b"raw\n") == "raw\\n"


def test_link_targets_are_percent_encoded():
    assert md_link_target("a b/c(1)\n.md") == "a%20b/c%281%29%0A.md"
    assert md_link_target("javascript:alert(1).md") == "javascript%3Aalert%281%29.md"
    assert md_link_target("مقال.md") == "%D9%85%D9%82%D8%A7%D9%84.md"
    assert md_link_target(os.fsdecode(b"bad\xff.md")) == "bad%FF.md"


def test_md_text_escapes_block_constructs_line_by_line():
    assert md_text("# a\n  - b\n1) c\n===\n> d") == "\\# a\n\\- b\n1\\) c\n\\===\n&gt; d"
    assert md_cell(" a |\n b ") == "a \\| b"
    assert md_cell(None) == "—"


_CHARS = st.sampled_from(list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ abcXYZ019") + ["عر", "\u00a0", "&lt;", "&#65;",
                                                                                  "javascript:", "http://x.y/"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHARS, min_size=1, max_size=40).map("".join))
def test_any_line_renders_as_exactly_its_own_characters(text):
    line = text.strip()  # (leading and trailing blanks never show)
    html = rendered(md_text(line))
    tags = [tag for tag, _ in html.tags]
    if not line:
        assert tags == []
        return
    assert tags == ["p"], (line, md_text(line))
    assert "".join(html.text).strip() == line
    heading = rendered(f"# {md_text(line)}")
    assert [tag for tag, _ in heading.tags] == ["h1"] and "".join(heading.text).strip() == line


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CHARS, max_size=12).map("".join), min_size=2, max_size=6).map("\n".join))
def test_any_lines_render_as_paragraphs_of_their_own_words(text):
    html = rendered(md_text(text))
    assert {tag for tag, _ in html.tags} <= {"p"}, (text, md_text(text))
    assert "".join(html.text).split() == text.split()

"""Review views of a batch: HTML (in a real headless browser), TMX (read back by translate-toolkit
in its own environment), TSV, index.html, and `translate review`."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support import browser, required
from tests.support.helpers import load, run_cli
from translate.record import translated_pairs

ROOT = Path(__file__).resolve().parent.parent
TTK_PYTHON = Path(os.environ.get("TRANSLATE_TTK_PYTHON", ROOT / ".venv-ttk" / "bin" / "python"))
HOSTILE = ('عنوان فيه <b>وسم</b>\n\nنشر الموقع <script>document.title="pwned"</script> و<img src=x onerror=alert(1)> '
           'في الخبر & "اقتباس" \'مفرد\'.\n\nوقال لافروف إن الحوار مهم.\n')


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory, tiny_models):
    """One batch over the test articles, a hostile one and a web page, with a glossary."""
    folder = tmp_path_factory.mktemp("views-in")
    fixtures = Path(__file__).parent / "fixtures"
    for name, as_name in (("article_full.txt", "article_full.txt"), ("article.md", "article.md"),
                          ("article.html", "page.html")):
        (folder / as_name).write_bytes((fixtures / name).read_bytes())
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    glossary = folder.parent / "glossary.tsv"
    glossary.write_text("لافروف\tLavrov\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("views-out")
    result = run_cli("batch", folder, "--out", out, "--config", tiny_models, "--glossary", glossary)
    assert result.exit_code == 0, result.output
    return out


def sentences(record: dict) -> list[dict]:
    return [s for p in record["paragraphs"] for s in p["sentences"]]


def test_every_view_is_written_and_flags_are_in_the_json(batch_out):
    for stem in ("article_full", "article", "hostile", "page"):
        for ext in ("json", "md", "html", "tmx", "tsv"):
            assert (batch_out / f"{stem}.{ext}").is_file()
    record = load(batch_out / "hostile.json")
    lavrov = next(s for s in sentences(record) if "لافروف" in s["source"])
    assert "glossary" in lavrov["flags"]  # the tiny model never writes "Lavrov"
    assert record["provenance"]["glossary"].endswith("glossary.tsv")
    assert all(isinstance(s["flags"], list) for s in sentences(record) if not s.get("copied"))


def test_formats_option_limits_the_views(tmp_path, tiny_models, articles):
    out = tmp_path / "out"
    assert run_cli("batch", articles, "--out", out, "--config", tiny_models, "--formats", "tsv").exit_code == 0
    assert sorted(p.suffix for p in out.glob("article.*")) == [".json", ".tsv"]
    bad = run_cli("batch", articles, "--out", out, "--config", tiny_models, "--formats", "pdf")
    assert bad.exit_code == 2 and "unknown output format" in bad.output


def test_article_text_is_escaped_everywhere_in_html(batch_out):
    page = (batch_out / "hostile.html").read_text(encoding="utf-8")
    assert "<script>document.title" not in page and "<img src=x" not in page and "<b>وسم</b>" not in page
    assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "http://" not in page and "https://" not in page
    index = (batch_out / "index.html").read_text(encoding="utf-8")
    assert "<b>وسم</b>" not in index and "&lt;b&gt;وسم&lt;/b&gt;" in index


def test_tsv_has_one_row_per_sentence(batch_out):
    record = load(batch_out / "article_full.json")
    with (batch_out / "article_full.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, dialect="excel-tab"))
    assert [r["id"] for r in rows] == [s["id"] for s in sentences(record)]
    assert [(r["source"], r["target"]) for r in rows] == [(s["source"], s["target"]) for s in sentences(record)]
    assert [r["flags"] for r in rows] == [",".join(s.get("flags", [])) for s in sentences(record)]
    assert rows[-1]["kind"] == "meta/source"


def test_tmx_read_back_by_translate_toolkit_gives_the_json_pairs(batch_out):
    if not TTK_PYTHON.exists():
        required(f"translate-toolkit at {TTK_PYTHON}", "bash scripts/test.sh sets it up")
    reader = ("import json, sys\nfrom translate.storage import tmx\n"
              "with open(sys.argv[1], 'rb') as fh:\n"
              "    store = tmx.tmxfile(fh, sourcelanguage='ar', targetlanguage='en')\n"
              "print(json.dumps([[u.getid(), u.source, u.target] for u in store.units], ensure_ascii=False))\n")
    for stem in ("article_full", "hostile", "article", "page"):
        done = subprocess.run([str(TTK_PYTHON), "-c", reader, str(batch_out / f"{stem}.tmx")],
                              capture_output=True, text=True, cwd="/")
        assert done.returncode == 0, done.stderr
        record = load(batch_out / f"{stem}.json")
        expected = [[f"{record['source']['path']}#{sid}", ar, en] for sid, ar, en in translated_pairs(record)]
        assert json.loads(done.stdout) == expected and expected


@pytest.fixture(scope="module")
def driver():
    reason = browser.available()
    if reason:
        required("the browser", reason)
    chrome = browser.start()
    yield chrome
    chrome.quit()


@pytest.mark.parametrize("stem", ["article_full", "hostile", "article", "page"])
def test_html_in_a_real_browser(batch_out, driver, stem, tmp_path):
    from selenium.webdriver.common.by import By

    record = load(batch_out / f"{stem}.json")
    browser.requests(driver)
    driver.get((batch_out / f"{stem}.html").as_uri())
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert browser.requests(driver) == [(batch_out / f"{stem}.html").as_uri()]  # the page itself, nothing else
    assert driver.title != "pwned"
    arabic = driver.find_elements(By.CSS_SELECTOR, ".ar")
    assert arabic and all(driver.execute_script("return getComputedStyle(arguments[0]).direction", a) == "rtl"
                          for a in arabic)
    first_ar, first_en = arabic[0].rect, driver.find_elements(By.CSS_SELECTOR, ".en")[0].rect
    assert first_ar["x"] > first_en["x"]  # Arabic on the right, English on the left
    ids = [s["id"] for s in sentences(record)]
    for side in ("ar", "en"):
        assert driver.execute_script(
            f"return [...document.querySelectorAll('.{side} .s')].map(e => e.dataset.sid)") == ids
    assert len(driver.find_elements(By.CSS_SELECTOR, ".para")) == len(record["paragraphs"])
    flagged = [s["id"] for s in sentences(record) if s.get("flags")]
    assert driver.execute_script(
        "return [...document.querySelectorAll('.en .s.flagged')].map(e => e.dataset.sid)") == flagged
    target = driver.find_elements(By.CSS_SELECTOR, f'.en .s[data-sid="{ids[-1]}"]')[0]
    driver.execute_script("arguments[0].focus()", target)
    assert driver.execute_script(
        "return [...document.querySelectorAll('.s.hl')].map(e => e.dataset.sid)") == [ids[-1]] * 2
    links = driver.execute_script(
        "return [...document.querySelectorAll('.summary a')].map(a => a.getAttribute('href'))")
    assert links == [f"#{pid}" for item in record["summary"]["sentences"] for pid in item["paragraph_ids"]]
    driver.save_screenshot(str(tmp_path / f"{stem}.png"))


def test_index_html_in_a_real_browser(batch_out, driver):
    from selenium.webdriver.common.by import By

    driver.get((batch_out / "index.html").as_uri())
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    dates = lambda: [r.find_elements(By.TAG_NAME, "td")[0].text  # noqa: E731
                     for r in driver.find_elements(By.CSS_SELECTOR, "table.articles tbody tr")]
    assert len(dates()) == 4
    assert dates()[:3] == ["2024-06-10", "2024-03-03", "2023-12-13"]
    driver.find_element(By.CSS_SELECTOR, "th button").click()
    assert dates()[-3:] == ["2023-12-13", "2024-03-03", "2024-06-10"]


def test_review_command_lists_flagged_pairs_first(batch_out):
    result = run_cli("review", batch_out, "--article", "hostile")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("=== hostile.txt")
    first_pair = next(i for i, line in enumerate(lines) if line.startswith("["))
    assert "⚑" in lines[first_pair]
    assert "glossary: glossary term not rendered as specified" in result.stdout
    only_flagged = run_cli("review", batch_out, "--flagged")
    assert only_flagged.exit_code == 0
    assert all("⚑" in line for line in only_flagged.stdout.splitlines() if line.startswith("["))
    missing = run_cli("review", batch_out, "--article", "nothing-like-this")
    assert missing.exit_code == 2 and "no article named" in missing.output


def test_tsv_says_where_each_translation_comes_from(batch_out):
    record = load(batch_out / "article_full.json")
    with (batch_out / "article_full.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, dialect="excel-tab"))
    assert [r["origin"] for r in rows] == ["copied" if s.get("copied") else "machine" for s in sentences(record)]
    assert rows[0]["origin"] == "copied" and {r["reviewer"] for r in rows} == {""}


def test_only_the_english_is_editable_and_nothing_is_exported_before_an_edit(batch_out, driver):
    record = load(batch_out / "hostile.json")
    driver.get((batch_out / "hostile.html").as_uri())
    sides = driver.execute_script(
        "return [...document.querySelectorAll('[contenteditable]')].map(e => e.parentElement.className)")
    assert sides == ["en"] * len(sentences(record))
    assert driver.execute_script("return document.getElementById('download').disabled") is True
    assert driver.find_element("id", "edits").text == "No edits"


# ---------------------------------------------------------------- views keep the README's promises


def test_markdown_review_file_shows_each_flagged_sentence_with_its_flags(batch_out):
    from markdown_it import MarkdownIt

    from translate.record import flag_reason, review_counts

    for stem in ("hostile", "article_full"):
        record = load(batch_out / f"{stem}.json")
        text = (batch_out / f"{stem}.md").read_text(encoding="utf-8")
        flagged = [s for s in sentences(record) if s.get("flags")]
        assert flagged
        for s in flagged:  # each flagged sentence's English is followed by its flags, as on the HTML page
            marker = f"**⚑ {', '.join(s['flags'])}**"
            assert marker in text, (stem, s["id"])
        counts = review_counts(record)
        assert f"{counts['flagged']} flagged sentence(s), {counts['to_review']} to review" in text
        legend = text.split("## Quality flags", 1)[1]
        for flag in {f for s in flagged for f in s["flags"]}:
            assert flag_reason(flag) in legend
        html = MarkdownIt().render(text)
        assert "<script" not in html and "⚑" in html
    hostile = (batch_out / "hostile.md").read_text(encoding="utf-8")
    assert "glossary**" in hostile  # the Lavrov sentence


def test_index_md_has_the_flags_and_to_review_columns_of_index_html(batch_out):
    manifest = load(batch_out / "manifest.json")["files"]
    index = (batch_out / "index.md").read_text(encoding="utf-8")
    assert "| Date | Title | Summary | Flags | To review | Unsure | File |" in index
    html = (batch_out / "index.html").read_text(encoding="utf-8")
    assert ">Flags<" in html and ">To review<" in html and ">Unsure<" in html
    rows = [line for line in index.splitlines() if line.startswith("| ") and "](" in line]
    assert len(rows) == len(manifest)
    for key, entry in manifest.items():
        row = next(r for r in rows if f"[{key}]" in r)
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[3] == str(entry["flagged"]) and cells[4] == str(entry["to_review"]), (key, cells)
        assert cells[5] == str(entry["low_confidence"]), (key, cells)
    to_review = [int(r.strip("|").split(" | ")[4]) for r in rows]
    assert to_review == sorted(to_review, reverse=True)  # the most to review first


def test_every_tmx_unit_says_where_its_english_comes_from(batch_out):
    import xml.etree.ElementTree as ET

    from translate.record import origin

    for stem in ("article_full", "hostile", "article", "page"):
        record = load(batch_out / f"{stem}.json")
        by_id = {s["id"]: s for s in sentences(record)}
        units = ET.parse(batch_out / f"{stem}.tmx").getroot().iter("tu")
        for unit in units:
            props = {p.get("type"): p.text for p in unit.iter("prop")}
            sid = unit.get("tuid").rsplit("#", 1)[1]
            assert props["x-origin"] == origin(by_id[sid]) == "machine", (stem, sid)
            assert props.get("x-flags", "") == ",".join(by_id[sid].get("flags", []))


@pytest.mark.parametrize("width", [800, 1400])
def test_review_pages_never_scroll_sideways(batch_out, driver, width):
    driver.set_window_size(width, 900)
    try:
        for page in ("article_full", "hostile", "article", "page", "index"):
            driver.get((batch_out / f"{page}.html").as_uri())
            overflow = driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert overflow[0] <= overflow[1], (page, width, overflow)
            facts = driver.execute_script("const f=document.querySelector('header .facts');"
                                          "return f?[f.scrollWidth,f.clientWidth]:[0,0]")
            assert facts[0] <= facts[1], (page, width, facts)  # the provenance line wraps
    finally:
        driver.set_window_size(1400, 1000)


def test_flags_do_not_look_like_spelling_mistakes(batch_out, driver):
    driver.get((batch_out / "hostile.html").as_uri())
    style = driver.execute_script("const s=getComputedStyle(document.querySelector('.en .s.flagged'));"
                                  "return [s.textDecorationLine, s.textDecorationStyle, s.textUnderlineOffset]")
    assert style[0] == "underline" and style[1] == "dashed" and style[2] != "auto"  # spell-check draws wavy
    labels = driver.execute_script("return [...document.querySelectorAll('.en .flag')].map(e=>e.textContent)")
    assert labels and all(label.startswith("⚑ ") for label in labels)


def test_sortable_columns_show_their_direction(batch_out, driver):
    from selenium.webdriver.common.by import By

    driver.get((batch_out / "index.html").as_uri())
    state = lambda: driver.execute_script(  # noqa: E731
        "return [...document.querySelectorAll('th[aria-sort]')].map(th=>[th.textContent,th.getAttribute('aria-sort'),"
        "getComputedStyle(th.querySelector('button'),'::after').content])")
    first = state()
    assert first[3][:2] == ["To review", "descending"] and "▼" in first[3][2]  # the most to review first, as rendered
    assert all(s[1] == "none" for n, s in enumerate(first) if n != 3)
    driver.find_element(By.CSS_SELECTOR, "th[aria-sort] button").click()
    assert state()[0][1] == "ascending" and "▲" in state()[0][2]
    flags = driver.find_elements(By.CSS_SELECTOR, "th[aria-sort] button")[2]
    flags.click()
    now = state()
    assert now[0][1] == "none" and now[2][:2] == ["Flags", "ascending"] and "▲" in now[2][2]
    flags.click()
    assert state()[2][1] == "descending"

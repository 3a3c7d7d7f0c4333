"""Review that flows back: corrections from the review page, XLIFF (edited with translate-toolkit),
TMX and TSV go into the translation memory as human translations; plan/assemble let them win; every
view marks them; `review status` counts what is left. Batches run with the tiny models."""

from __future__ import annotations

import csv
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support import browser, required
from tests.support.helpers import load, run_cli
from tests.test_xliff import REVIEWED, build_record, ttk
from translate.errors import CorrectionsFileError
from translate.memory import TranslationMemory
from translate.outputs.html import render_article_html, render_index_html
from translate.outputs.manifest import write_manifest
from translate.outputs.tabular import render_tmx, render_tsv
from translate.outputs.xliff import render_xliff
from translate.record import Human, human_key, translated_pairs
from translate.review.importing import import_corrections, render_import
from translate.review.show import review_lines
from translate.review.status import render_status, review_status

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = "ما هي الخطوات القادمة؟"  # article_full.txt p6.s1, also in copy.txt
COPY = f"خبر قصير عن الطاقة\n\n{SHARED}\n\nوقال الوزير إن العمل مستمر في كل المجالات.\n"


@pytest.fixture(scope="module")
def out(tmp_path_factory, tiny_models) -> Path:
    folder = tmp_path_factory.mktemp("review-in")
    for name in ("article_full.txt", "article.md"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    (folder / "copy.txt").write_text(COPY, encoding="utf-8")
    out = tmp_path_factory.mktemp("review-out")
    result = run_cli("batch", folder, "--out", out, "--config", tiny_models)
    assert result.exit_code == 0, result.output
    return out


def sentence(out: Path, stem: str, sid: str) -> dict:
    return next(s for p in load(out / f"{stem}.json")["paragraphs"] for s in p["sentences"] if s["id"] == sid)


def page_export(path: Path, out: Path, stem: str, edits: dict[str, str], *, reviewer: str | None = None,
                source: dict[str, str] | None = None) -> Path:
    """A corrections file as the review page's Download corrections button writes it."""
    record = load(out / f"{stem}.json")
    items = [{"id": sid, "source": (source or {}).get(sid, sentence(out, stem, sid)["source"]),
              "previous_target": sentence(out, stem, sid)["target"], "previous_origin": "machine", "new_target": text}
             for sid, text in edits.items()]
    path.write_text(json.dumps({"schema": "translate.corrections/1", "article": record["source"], "reviewer": reviewer,
                                "exported": "2025-02-01T10:00:00.000Z", "corrections": items}), encoding="utf-8")
    return path


def human_rows(memory_path: Path) -> dict[str, tuple]:
    memory = TranslationMemory(memory_path)
    try:
        return {k: (h.text, h.reviewer) for k, h in memory.human_lookup(
            r[0] for r in memory.db.execute("SELECT key FROM human")).items()}
    finally:
        memory.close()


def history(memory_path: Path, key: str) -> list[tuple]:
    memory = TranslationMemory(memory_path)
    try:
        return [(h.text, h.reviewer) for h in memory.human_history(key)]
    finally:
        memory.close()


def test_page_export_is_applied_to_every_article_with_the_sentence(out, tmp_path):
    memory = tmp_path / "tm.sqlite"
    file = page_export(tmp_path / "a.corrections.json", out, "article_full",
                       {"p4.s2": "The minister discussed economic cooperation.", "p6.s1": "What are the next steps?"},
                       reviewer="Layla")
    report = import_corrections([file], out=out, memory_path=memory, reviewer=None)
    assert [(o.article, o.id, o.after) for o in report.applied] == [
        ("article_full.txt", "p4.s2", "The minister discussed economic cooperation."),
        ("article_full.txt", "p6.s1", "What are the next steps?")]
    assert report.applied[0].before == sentence(out, "article_full", "p4.s2")["target"]
    assert (report.unchanged, report.stale, report.skipped) == (0, (), ())
    assert report.articles == ("article_full.txt", "copy.txt")  # the shared sentence is in both
    assert human_rows(memory) == {human_key(SHARED): ("What are the next steps?", "Layla"),
                                  human_key(sentence(out, "article_full", "p4.s2")["source"]):
                                      ("The minister discussed economic cooperation.", "Layla")}
    assert "2 correction(s) applied, 0 unchanged, 0 stale, 0 skipped" in render_import(report)
    again = import_corrections([file], out=out, memory_path=memory, reviewer="Someone else")
    assert (again.applied, again.unchanged, again.articles) == ((), 2, ())  # idempotent
    assert history(memory, human_key(SHARED)) == []


TTK_EDIT = """import json, sys
from translate.storage import xliff
path, edits = sys.argv[1], json.loads(sys.argv[2])
with open(path, "rb") as fh:
    store = xliff.xlifffile(fh)
for unit in store.units:
    sid = unit.getid().split("\\x04")[-1]
    if sid in edits:
        text, state = edits[sid]
        unit.target = text
        unit.set_state_n(getattr(unit, state))
store.savefile(path)
"""


def test_xliff_edited_with_translate_toolkit_round_trip(out, tmp_path):
    xlf = tmp_path / "article_full.xlf"
    xlf.write_text(render_xliff(load(out / "article_full.json")), encoding="utf-8")
    edits = {"p2.s1": ["The foreign minister discusses economic cooperation in Cairo", "S_SIGNED_OFF"],
             "p7.s1": ["The next meeting is due to be held in Moscow...", "S_TRANSLATED"],
             "p8.s1": ["Observers see the visit as an important step", "S_NEEDS_REVIEW"]}
    ttk(TTK_EDIT, str(xlf), json.dumps(edits))
    memory = tmp_path / "tm.sqlite"
    report = import_corrections([xlf], out=out, memory_path=memory, reviewer="Rania")
    assert [(o.id, o.after) for o in report.applied] == [("p2.s1", edits["p2.s1"][0]), ("p7.s1", edits["p7.s1"][0])]
    assert [(o.id, o.reason) for o in report.skipped] == [
        ("p8.s1", "state 'needs-review-translation': set the unit to translated, final or signed-off to import it")]
    units = sum(len(p["sentences"]) for p in load(out / "article_full.json")["paragraphs"])
    assert report.unchanged == units - 1 - 3  # every unit but the copied one (translate="no") and the three edited
    rows = human_rows(memory)
    assert rows[human_key(sentence(out, "article_full", "p2.s1")["source"])] == (edits["p2.s1"][0], "Rania")
    assert rows[human_key(sentence(out, "article_full", "p7.s1")["source"])] == (edits["p7.s1"][0], "Rania")
    assert len(rows) == 2
    memory_db = TranslationMemory(memory)
    stored = memory_db.human_lookup([human_key(sentence(out, "article_full", "p2.s1")["source"])])
    memory_db.close()
    assert [(h.file, h.source) for h in stored.values()] == [
        (str(xlf.resolve()), sentence(out, "article_full", "p2.s1")["source"])]
    assert import_corrections([xlf], out=out, memory_path=memory, reviewer="Rania").applied == ()


def test_same_sentence_twice_latest_wins_and_history_is_kept(out, tmp_path):
    memory = tmp_path / "tm.sqlite"
    first = page_export(tmp_path / "1.json", out, "article_full", {"p4.s2": "First wording."}, reviewer="A")
    second = page_export(tmp_path / "2.json", out, "article_full", {"p4.s2": "Second wording."}, reviewer="B")
    report = import_corrections([first, second], out=out, memory_path=memory, reviewer=None)
    assert [(o.id, o.before, o.after) for o in report.applied] == [
        ("p4.s2", sentence(out, "article_full", "p4.s2")["target"], "First wording."),
        ("p4.s2", "First wording.", "Second wording.")]
    key = human_key(sentence(out, "article_full", "p4.s2")["source"])
    assert human_rows(memory) == {key: ("Second wording.", "B")}
    assert history(memory, key) == [("First wording.", "A")]


def test_storing_human_translations_is_one_transaction(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    good = Human("Fine.", "A", "2025-01-01T00:00:00+00:00", "f")
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        memory.store_human([("k1", good), ("k2", Human(None, "A", "2025-01-01T00:00:00+00:00", "f"))])
    assert memory.human_lookup(["k1", "k2"]) == {}
    memory.store_human([("k1", good)])
    assert memory.human_lookup(["k1", "k2"]) == {"k1": good}
    memory.close()


def test_stale_corrections_are_listed_and_not_applied(out, tmp_path):
    memory = tmp_path / "tm.sqlite"
    file = page_export(tmp_path / "s.json", out, "article_full", {"p4.s2": "Changed.", "p4.s3": "Also changed."},
                       source={"p4.s2": "جملة لم تعد في المقال."})
    data = load(file)
    data["corrections"].append({**data["corrections"][1], "id": "p99.s1"})
    file.write_text(json.dumps(data), encoding="utf-8")
    report = import_corrections([file], out=out, memory_path=memory, reviewer=None)
    assert [(o.id, o.reason) for o in report.stale] == [
        ("p4.s2", "the Arabic no longer matches the current article text"),
        ("p99.s1", "no such sentence in the current article")]
    assert [o.id for o in report.applied] == ["p4.s3"]
    assert ("stale    article_full.txt p4.s2: the Arabic no longer matches the current article text"
            in render_import(report))


@pytest.mark.parametrize("name, content, reason", [
    ("bad.json", "{not json", "is not valid JSON"),
    ("other.json", '{"schema": "something/1"}', 'is not a corrections file (no "schema": "translate.corrections/1")'),
    ("bad.xlf", "<xliff><file original='a'>", "is not well-formed XML"),
    ("html.xliff", "<html/>", "is not XLIFF (root element <html>)"),
    ("bad.tmx", "<tmx><body><tu tuid='article_full.txt#p2.s1'><tuv xml:lang='ar'><seg>x</seg></tuv></tu></body></tmx>",
     "a <tu> (article_full.txt#p2.s1) lacks an ar or en <tuv><seg>"),
    ("bad.tsv", "id\tsource\nx\ty\n", "has no target column"),
    ("notes.docx", "x", "unknown corrections format '.docx'"),
    ("bytes.tsv", b"id\tsource\ttarget\n\xff\xfe\xfa\n", "is not UTF-8 or UTF-16 text"),
])
def test_malformed_files_change_nothing(out, tmp_path, name, content, reason):
    memory = tmp_path / "tm.sqlite"
    good = page_export(tmp_path / "good.json", out, "article_full", {"p4.s2": "Would be applied."})
    bad = tmp_path / name
    bad.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(CorrectionsFileError) as error:
        import_corrections([good, bad], out=out, memory_path=memory, reviewer=None)
    assert str(error.value).startswith(f"{bad}: {reason}")
    assert "fix: " in str(error.value)
    assert not memory.exists()  # nothing was opened, let alone changed


def test_wrong_out_folder_is_an_error(out, tmp_path):
    record = load(out / "article_full.json")
    record["source"]["path"] = "elsewhere/other.txt"
    xlf = tmp_path / "other.xlf"
    xlf.write_text(render_xliff(record), encoding="utf-8")
    with pytest.raises(CorrectionsFileError, match="names no article of .* \\(elsewhere/other.txt\\)"):
        import_corrections([xlf], out=out, memory_path=tmp_path / "tm.sqlite", reviewer=None)


def edit_tsv(source: Path, target: Path, edits: dict[str, str]) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, dialect="excel-tab"))
    for row in rows:
        row["target"] = edits.get(row["id"], row["target"])
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), dialect="excel-tab")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("name", ["article.tsv", "renamed by the reviewer.tsv"])
def test_tsv_with_an_edited_english_column(out, tmp_path, name):
    edited = tmp_path / name
    edit_tsv(out / "article.tsv", edited,
             {"p1.s1": "Energy summit in Riyadh", "p3.s2": "Participants discussed markets."})
    report = import_corrections([edited], out=out, memory_path=tmp_path / "tm.sqlite", reviewer="Omar")
    assert [(o.article, o.id, o.after) for o in report.applied] == [
        ("article.md", "p1.s1", "Energy summit in Riyadh"), ("article.md", "p3.s2", "Participants discussed markets.")]
    assert report.unchanged == sum(len(p["sentences"]) for p in load(out / "article.json")["paragraphs"]) - 2
    assert report.articles == ("article.md",)


def test_tmx_import_and_an_older_export_does_not_undo_a_correction(out, tmp_path):
    memory = tmp_path / "tm.sqlite"
    tree = ET.parse(out / "copy.tmx")
    unit = next(tu for tu in tree.getroot().iter("tu") if tu.get("tuid") == "copy.txt#p3.s1")
    unit.findall("tuv")[1].find("seg").text = "The minister said work continues in all areas."
    tree.write(tmp_path / "copy.tmx", encoding="utf-8", xml_declaration=True)
    report = import_corrections([tmp_path / "copy.tmx"], out=out, memory_path=memory, reviewer=None)
    assert [(o.article, o.id, o.after) for o in report.applied] == [
        ("copy.txt", "p3.s1", "The minister said work continues in all areas.")]
    assert report.unchanged == len(translated_pairs(load(out / "copy.json"))) - 1
    older = import_corrections([out / "copy.tmx"], out=out, memory_path=memory, reviewer=None)  # the machine text
    assert [(o.id, o.reason) for o in older.skipped] == [
        ("p3.s1", "a translation this sentence had before its current correction (the file is older)")]
    assert older.applied == ()
    assert human_rows(memory)[human_key(sentence(out, "copy", "p3.s1")["source"])][0] == (
        "The minister said work continues in all areas.")


def test_human_translation_wins_in_plan_assemble_and_every_view(tmp_path):
    plain = build_record(FIXTURES / "article_full.txt")
    source = next(s for p in plain["paragraphs"] for s in p["sentences"] if s["id"] == "p5.s1")["source"]
    from translate.reading.files import read_document
    from translate.stages.align import plan
    from translate.text.segment import segment

    seen: list[str] = []
    doc = segment(read_document(FIXTURES / "article_full.txt"))
    segments = plan(doc, count=lambda texts: (seen.extend(texts), [1] * len(texts))[1], budget=64,
                    human={human_key(source)})
    assert [(s.model_input, s.human) for s in segments if s.source == source] == [(None, True)]
    assert not any("أحمد علي" in text for text in seen)  # never sent to the model, not even to count tokens
    record = build_record(FIXTURES / "article_full.txt", human={human_key(source): REVIEWED})
    reviewed = [s for p in record["paragraphs"] for s in p["sentences"] if s.get("origin") == "human"]
    assert [(s["id"], s["target"], s["reviewer"], s["reviewed"], s["flags"]) for s in reviewed] == [
        ("p5.s1", REVIEWED.text, "Rania", "2025-02-01T10:00:00+00:00", [])]
    short = build_record(FIXTURES / "article_full.txt", human={human_key(source): Human(
        "Dr. Ahmed Ali said the agreement takes effect soon, and its text is online at the ministry website.",
        None, "2025-02-02T00:00:00+00:00", "f")})
    assert [s["flags"] for p in short["paragraphs"] for s in p["sentences"] if s["id"] == "p5.s1"] == [
        ["number_mismatch"]]  # flags are computed on the human text
    page = render_article_html(record)
    assert page.count('data-origin="human"') == 1 and page.count("✓ reviewed") == 1
    assert 'class="s human" data-sid="p5.s1"' in page and "human translation by Rania" in page
    rows = list(csv.DictReader(render_tsv(record).splitlines(), dialect="excel-tab"))
    assert [(r["id"], r["origin"], r["reviewer"]) for r in rows if r["origin"] != "machine"] == [
        ("p1.s1", "copied", ""), ("p5.s1", "human", "Rania")]
    tmx = ET.fromstring(render_tmx(record).split("\n", 2)[2])
    marked = [(tu.get("tuid"), tu.findall("tuv")[1].get("changeid"), tu.findall("tuv")[1].get("changedate"))
              for tu in tmx.iter("tu")
              if any(p.get("type") == "x-origin" and p.text == "human" for p in tu.iter("prop"))]
    assert marked == [("article_full.txt#p5.s1", "Rania", "20250201T100000Z")]
    out = tmp_path / "out"
    out.mkdir()
    (out / "article_full.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    write_manifest(out, run={}, files={"article_full.txt": {"status": "done", "outputs": ["article_full.json"]}})
    assert any(line.startswith("[p5.s1 body]") and line.endswith("✓ human translation by Rania "
                                                                  "(2025-02-01T10:00:00+00:00)")
               for line in review_lines(out))
    status = review_status(out, memory_path=tmp_path / "none.sqlite")
    assert [(a.article, a.sentences, a.reviewed, a.flagged, a.to_review, a.pending) for a in status.articles] == [
        ("article_full.txt", 15, 1, 0, 0, 0)]


def test_review_status_counts_the_to_do_list(out, tmp_path):
    memory = tmp_path / "tm.sqlite"
    import_corrections([page_export(tmp_path / "c.json", out, "article_full",
                                    {"p4.s2": "Fixed.", "p6.s1": "Next steps?"})],
                       out=out, memory_path=memory, reviewer=None)
    report = review_status(out, memory_path=memory)
    counted = {}
    for stem, key in (("article", "article.md"), ("article_full", "article_full.txt"), ("copy", "copy.txt")):
        ss = [s for p in load(out / f"{stem}.json")["paragraphs"] for s in p["sentences"] if not s.get("copied")]
        counted[key] = (len(ss), sum(bool(s["flags"]) for s in ss))
    reviewed = {"article.md": 0, "article_full.txt": 2, "copy.txt": 1}
    assert sorted((a.article, a.sentences, a.reviewed, a.flagged, a.pending) for a in report.articles) == [
        (k, counted[k][0], reviewed[k], counted[k][1], reviewed[k]) for k in sorted(counted)]
    assert [a.to_review for a in report.articles] == sorted((a.to_review for a in report.articles), reverse=True)
    assert counted["article_full.txt"] == (15, 15)  # the tiny model's gibberish is flagged everywhere
    by_name = {a.article: a for a in report.articles}
    assert by_name["article_full.txt"].to_review == 13 and by_name["copy.txt"].to_review == counted["copy.txt"][1] - 1
    assert report.total.to_review == sum(a.to_review for a in report.articles)
    table = render_status(report).splitlines()
    assert table[0].split() == ["article", "sentences", "reviewed", "flagged", "to", "review", "unsure", "pending"]
    assert table[2].split() == ["article_full.txt", "15", "2", "15", "13", "0", "2"]  # the most to review first
    assert table[-2].split()[0] == "total" and table[-1].startswith(
        "3 imported correction(s) are not in the outputs yet")


def test_index_html_has_a_to_review_column():
    entries = {"a.txt": {"status": "done", "date": "2024-01-02", "title": "أ", "flagged": 5, "to_review": 3,
                         "outputs": []},
               "b.txt": {"status": "done", "date": "2024-01-01", "title": "ب", "flagged": 1, "outputs": []}}
    page = render_index_html(entries, settings={})
    assert '<button type="button">To review</button>' in page
    assert '<td data-key="000005">5</td><td data-key="000003">3</td>' in page
    assert '<td data-key="000001">1</td><td data-key="">—</td>' in page  # a manifest without the count


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    reason = browser.available()
    if reason:
        required("the browser", reason)
    downloads = tmp_path_factory.mktemp("downloads")
    chrome = browser.start(downloads=downloads)
    chrome.downloads = downloads
    yield chrome
    chrome.quit()


def test_review_page_edit_download_and_import_in_a_real_browser(out, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = out / "article_full.html"
    browser.requests(driver)
    driver.get(page.as_uri())
    edits = {"p4.s2": "The minister discussed economic cooperation with his Egyptian counterpart.",
             "p7.s1": "The next meeting is due to be held in Moscow..."}
    for sid, text in edits.items():
        element = driver.find_element(By.CSS_SELECTOR, f'.en .s[data-sid="{sid}"]')
        element.click()
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(text, Keys.ENTER)  # Enter ends the edit: no line break enters the sentence
    assert driver.execute_script(
        "return [...document.querySelectorAll('.s.edited')].map(e => e.dataset.sid)") == list(edits)
    assert driver.find_element(By.ID, "edits").text == "2 sentence(s) edited"
    driver.find_element(By.ID, "reviewer").send_keys("Layla")
    driver.find_element(By.ID, "download").click()
    files = browser.downloaded(driver.downloads)
    assert [f.name for f in files] == ["article_full.corrections.json"]
    assert [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
    assert browser.requests(driver) == [page.as_uri()]  # the page itself; the download is a local Blob URL
    exported = load(files[0])
    assert (exported["schema"], exported["article"], exported["reviewer"]) == (
        "translate.corrections/1",
        {"path": "article_full.txt", "sha256": load(out / "article_full.json")["source"]["sha256"]}, "Layla")
    assert [(c["id"], c["source"], c["previous_target"], c["new_target"]) for c in exported["corrections"]] == [
        (sid, sentence(out, "article_full", sid)["source"],
         " ".join(sentence(out, "article_full", sid)["target"].split()), text) for sid, text in edits.items()]
    memory = tmp_path / "tm.sqlite"
    report = import_corrections(files, out=out, memory_path=memory, reviewer=None)
    assert [(o.article, o.id, o.after) for o in report.applied] == [
        ("article_full.txt", sid, t) for sid, t in edits.items()]
    assert (report.unchanged, report.stale, report.skipped) == (0, (), ())
    assert human_rows(memory) == {human_key(sentence(out, "article_full", sid)["source"]): (text, "Layla")
                                  for sid, text in edits.items()}


def test_index_sorts_by_flags_and_to_review_in_a_real_browser(driver, tmp_path):
    from selenium.webdriver.common.by import By

    entries = {f"{name}.txt": {"status": "done", "date": f"2024-01-0{n}", "title": name, "flagged": flagged,
                               "to_review": to_review, "outputs": []}
               for n, (name, flagged, to_review) in enumerate((("a", 10, 1), ("b", 2, 7), ("c", 5, 0)), 1)}
    index = tmp_path / "index.html"
    index.write_text(render_index_html(entries, settings={}), encoding="utf-8")
    driver.get(index.as_uri())
    def column(n: int) -> list[str]:
        return [r.find_elements(By.TAG_NAME, "td")[n].text
                for r in driver.find_elements(By.CSS_SELECTOR, "table.articles tbody tr")]

    buttons = {b.text: b for b in driver.find_elements(By.CSS_SELECTOR, "th button")}
    buttons["Flags"].click()
    assert column(3) == ["2", "5", "10"]
    buttons["To review"].click()
    assert column(4) == ["0", "1", "7"]

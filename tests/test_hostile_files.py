"""Hostile and careless surroundings of a batch (issue 18's files and state): inputs named like the
run's own files or like each other, names the file system allows but that cannot be written back,
an --out that is a file or inside the input, damaged journals and memories, temporary files left
by a killed run, a review import killed between its two commits."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.support.helpers import load, run_cli
from translate import load_config
from translate.memory import MEMORY_FILE
from translate.runners import run_batch
from translate.runners.journal import JOURNAL
from translate.runners.plan import RunOptions

ARTICLE = "قال وزير الخارجية إن المحادثات كانت مثمرة.\nوأضاف أن التعاون مستمر بين البلدين.\n"


def article(n: int) -> str:
    """A short Arabic article, different for each ``n`` (so records can be told apart)."""
    return f"قال الوزير رقم {n} إن المحادثات كانت مثمرة.\nوأضاف أن التعاون مستمر بين البلدين منذ {n} عاما.\n"


def profile(tiny_models):
    return load_config(tiny_models).profile("tiny-extractive")


def records(out: Path) -> dict[str, dict]:
    """Every article record in ``out`` by its source path."""
    found = {}
    for path in out.rglob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") == "translate.article/1":
            assert data["source"]["path"] not in found, f"two records for {data['source']['path']}"
            found[data["source"]["path"]] = data
    return found


def test_inputs_named_like_the_runs_files_or_each_other_keep_their_own_outputs(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["manifest.txt", "index.txt", "index.md", "journal.txt", "a.txt", "a.md", "a.txt.txt", "B.txt", "b.md"]
    for n, name in enumerate(names):
        (folder / name).write_text(article(n), encoding="utf-8")
    out = tmp_path / "out"
    report = run_batch(profile=profile(tiny_models), run=RunOptions(input=folder, out=out))
    assert sorted(report.done) == sorted(names) and not report.failed
    found = records(out)
    assert sorted(found) == sorted(names)  # every input's record present...
    for n, name in enumerate(names):  # ...and its own
        assert f"رقم {n} " in found[name]["paragraphs"][0]["source"], name
    manifest = load(out / "manifest.json")
    assert manifest["schema"] == "translate.manifest/1" and sorted(manifest["files"]) == sorted(names)
    outputs = [o for entry in manifest["files"].values() for o in entry["outputs"]]
    assert len(outputs) == len(set(o.casefold() for o in outputs))  # no two inputs share an output name
    assert not {"manifest.json", "index.md", "index.html"} & set(outputs)
    assert (out / "index.md").read_text(encoding="utf-8").startswith("# Translated articles")
    again = run_batch(profile=profile(tiny_models), run=RunOptions(input=folder, out=out))
    assert sorted(again.skipped) == sorted(names) and not again.done  # the same names on the next run


def test_names_that_cannot_be_written_back_get_a_safe_name_and_the_batch_goes_on(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    long_name = "ا" * 124 + ".txt"  # 252 bytes: allowed, but no room for ".xliff" and the temporary affixes
    (folder / long_name).write_text(article(1), encoding="utf-8")
    (folder / os.fsdecode(b"caf\xe9-latin1.txt")).write_text(article(2), encoding="utf-8")
    (folder / "plain.txt").write_text(article(3), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("batch", folder, "--out", out, "--config", tiny_models, "--profile", "tiny-extractive",
                     "--formats", "all")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    found = records(out)
    assert sorted(found) == sorted([long_name, "caf\\xe9-latin1.txt", "plain.txt"])
    for name in os.listdir(out):
        name.encode("utf-8")  # every output name is valid UTF-8
        assert len(name.encode()) <= 255
    json.dumps(load(out / "manifest.json"), ensure_ascii=False).encode("utf-8")


def test_out_that_is_a_file_is_refused_in_one_line(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "out.txt").write_text("not a folder", encoding="utf-8")
    result = run_cli("batch", folder, "--out", tmp_path / "out.txt", "--config", tiny_models)
    assert result.exit_code == 2 and result.output.count("error:") == 1 and "is a file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders: run as a normal user to check")
def test_out_in_a_read_only_folder_is_refused_in_one_line(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    result = run_cli("batch", folder, "--out", locked / "out", "--config", tiny_models)
    assert result.exit_code == 2 and "cannot be written" in result.output and "Traceback" not in result.output


def test_out_inside_the_input_is_never_read_as_input(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    run = RunOptions(input=folder, out=folder / "out")
    first = run_batch(profile=profile(tiny_models), run=run)
    assert first.done == ["a.txt"]
    (folder / "old-run").mkdir()  # an output folder of another run, moved into the input
    (folder / "old-run" / JOURNAL).write_bytes((folder / "out" / JOURNAL).read_bytes())
    (folder / "old-run" / "x.md").write_text(ARTICLE, encoding="utf-8")
    second = run_batch(profile=profile(tiny_models), run=run)
    assert second.skipped == ["a.txt"] and not second.done and not second.failed and not second.ignored
    assert not (folder / "out" / "out").exists()
    result = run_cli("batch", folder, "--out", folder, "--config", tiny_models)
    assert result.exit_code == 2 and "is the input folder" in result.output


def test_a_damaged_journal_is_rebuilt_from_the_records(tmp_path, tiny_models, caplog):
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        (folder / f"a{n}.txt").write_text(article(n), encoding="utf-8")
    out = tmp_path / "out"
    run = RunOptions(input=folder, out=out)
    run_batch(profile=profile(tiny_models), run=run)
    journal = out / JOURNAL
    data = bytearray(journal.read_bytes())
    data[len(data) // 3:len(data) // 3 + 2048] = os.urandom(2048)  # bytes overwritten mid-file
    data[:16] = b"definitely not  "  # and the header
    journal.write_bytes(bytes(data))
    (folder / "a3.txt").write_text(article(3), encoding="utf-8")
    with caplog.at_level("WARNING", logger="translate"):
        again = run_batch(profile=profile(tiny_models), run=run)
    assert again.done == ["a3.txt"] and sorted(again.skipped) == ["a0.txt", "a1.txt", "a2.txt"]
    assert "was damaged" in caplog.text and (out / (JOURNAL + ".damaged")).exists()
    files = load(out / "manifest.json")["files"]
    assert sorted(k for k, e in files.items() if e["status"] == "done") == ["a0.txt", "a1.txt", "a2.txt", "a3.txt"]


@pytest.mark.parametrize("damage", ["overwritten", "foreign"])
def test_a_damaged_or_foreign_memory_stops_the_run_before_any_article(tmp_path, tiny_models, damage):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(article(1), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("batch", folder, "--out", out, "--config", tiny_models, "--profile",
                   "tiny-extractive").exit_code == 0
    memory = out / MEMORY_FILE
    if damage == "overwritten":
        data = bytearray(memory.read_bytes())
        data[:100] = os.urandom(100)
        memory.write_bytes(bytes(data))
    else:
        memory.unlink()
        db = sqlite3.connect(memory)
        db.execute("CREATE TABLE memory (id INTEGER, blob BLOB)")
        db.commit()
        db.close()
    before = (out / JOURNAL).read_bytes()
    (folder / "b.txt").write_text(article(2), encoding="utf-8")
    result = run_cli("batch", folder, "--out", out, "--config", tiny_models, "--profile", "tiny-extractive")
    assert result.exit_code == 2, result.output
    assert result.output.count("error:") == 1 and MEMORY_FILE in result.output and "--memory" in result.output
    assert "model" not in result.output.split("fix:")[0]  # the model is not blamed
    assert "Traceback" not in result.output
    assert not (out / "b.json").exists()
    assert load(out / "manifest.json")["files"]["a.txt"]["status"] == "done"
    assert (out / JOURNAL).read_bytes() == before or sqlite3.connect(out / JOURNAL).execute(
        "SELECT status FROM articles WHERE key = 'a.txt'").fetchone() == ("done",)


def test_stale_temporary_files_are_removed_at_the_start_of_a_run(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    stale = [out / ".a03.md.0123456789ab.tmp", out / "sub" / ".b.json.abcdef012345.tmp"]
    for path in stale:
        path.write_text("half", encoding="utf-8")
    keep = out / ".notes.tmp"  # not one of ours
    keep.write_text("mine", encoding="utf-8")
    run_batch(profile=profile(tiny_models), run=RunOptions(input=folder, out=out))
    assert not any(path.exists() for path in stale) and keep.exists()


def test_review_import_killed_between_its_commits_never_strands_a_correction(tmp_path, tiny_models, monkeypatch):
    from translate.memory import TranslationMemory

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    run = RunOptions(input=folder, out=out)
    run_batch(profile=profile(tiny_models), run=run)
    tsv = out / "a.tsv"
    rows = tsv.read_text(encoding="utf-8").splitlines()
    cells = rows[1].split("\t")
    cells[3] = "A REVIEWER'S TRANSLATION"
    tsv.write_text("\n".join([rows[0], "\t".join(cells), *rows[2:]]) + "\n", encoding="utf-8")
    real = TranslationMemory.store_human

    def killed_after_commit(self, entries):
        real(self, entries)
        raise KeyboardInterrupt  # the process dies right after the memory's commit

    monkeypatch.setattr(TranslationMemory, "store_human", killed_after_commit)
    with pytest.raises(KeyboardInterrupt):
        from translate.review.importing import review_import

        review_import([tsv], out=out)
    monkeypatch.undo()
    report = run_batch(profile=profile(tiny_models), run=run)
    assert report.done == ["a.txt"]  # the article was marked before the commit: the batch applies it
    targets = [s["target"] for p in load(out / "a.json")["paragraphs"] for s in p["sentences"]]
    assert "A REVIEWER'S TRANSLATION" in targets


def test_tsv_cells_that_look_like_formulas_are_written_as_text_and_read_back(tmp_path):
    from translate.outputs.tabular import render_tsv
    from translate.review.formats import read_corrections

    record = {"paragraphs": [{"id": "p1", "kind": "body", "sentences": [
        {"id": "p1.s1", "source": "=HYPERLINK(\"http://evil\",\"x\")", "target": "=1+1", "flags": []},
        {"id": "p1.s2", "source": "نص عربي", "target": "-2 percent", "flags": []},
        {"id": "p1.s3", "source": "نص", "target": "'quoted", "flags": []}]}]}
    text = render_tsv(record)
    cells = [cell for line in text.splitlines()[1:] for cell in line.split("\t")]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    path = tmp_path / "a.tsv"
    path.write_text(text, encoding="utf-8")
    back = read_corrections(path).corrections
    assert [(c.source, c.target) for c in back] == [("=HYPERLINK(\"http://evil\",\"x\")", "=1+1"),
                                                     ("نص عربي", "-2 percent"), ("نص", "'quoted")]


def test_xml_imports_refuse_entity_declarations(tmp_path):
    from translate.errors import CorrectionsFileError
    from translate.review.formats import read_corrections

    path = tmp_path / "a.tmx"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY x "EXPANDED">]>\n<tmx version="1.4"><header/>'
                    '<body><tu tuid="a.txt#p1.s1"><tuv xml:lang="ar"><seg>نص</seg></tuv><tuv xml:lang="en">'
                    '<seg>&x;</seg></tuv></tu></body></tmx>\n', encoding="utf-8")
    with pytest.raises(CorrectionsFileError) as caught:
        read_corrections(path)
    assert "declares its own document type" in str(caught.value) and "EXPANDED" not in str(caught.value)


def test_an_oversized_correction_is_refused_with_its_id_and_never_printed_whole(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    run_batch(profile=profile(tiny_models), run=RunOptions(input=folder, out=out))
    tsv = out / "a.tsv"
    rows = tsv.read_text(encoding="utf-8").splitlines()
    cells = rows[1].split("\t")
    cells[3] = "HUGE " * 5000  # 25,000 characters
    tsv.write_text("\n".join([rows[0], "\t".join(cells), *rows[2:]]) + "\n", encoding="utf-8")
    result = run_cli("review", "import", tsv, "--out", out, "--config", tiny_models)
    assert result.exit_code == 1, result.output  # nothing applied
    assert "0 correction(s) applied" in result.output and cells[0] in result.output
    assert "more than review.max_correction_characters (10,000)" in result.output
    assert len(result.output) < 2000


def test_a_wrong_ray_address_is_refused_in_seconds(tmp_path, tiny_models):
    from translate.errors import UsageError
    from translate.runners.ray_cluster import check_reachable

    with pytest.raises(UsageError) as caught:
        check_reachable("127.0.0.1:1", timeout=2)
    assert "cannot connect to the Ray cluster at 127.0.0.1:1" in str(caught.value)
    with pytest.raises(UsageError):
        check_reachable("ray://127.0.0.1:1", timeout=2)
    check_reachable("auto")  # Ray's own discovery: not tried here


def test_site_furniture_is_carried_over_not_translated_or_counted(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("قال الوزير إن المحادثات كانت مثمرة جدا.\n\nاقرأ أيضا:\n\nمقالات أخرى للكاتب\n\n"
                                  "وأضاف أن التعاون مستمر بين البلدين منذ سنوات طويلة.\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch(profile=profile(tiny_models), run=RunOptions(input=folder, out=out))
    record = load(out / "a.json")
    chrome = [p for p in record["paragraphs"] if p["kind"] == "chrome"]
    assert chrome and all(s.get("copied") and s["target"] == s["source"] and not s["flags"]
                          for p in chrome for s in p["sentences"])
    from translate.record import review_counts

    sentences = sum(len(p["sentences"]) for p in record["paragraphs"] if p["kind"] != "chrome")
    assert review_counts(record)["sentences"] == sentences  # furniture is not on the reviewer's list


def test_the_review_page_shows_markdown_emphasis_as_text_and_its_export_still_imports(tmp_path, tiny_models):
    import json
    import re

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_bytes((Path(__file__).parent / "fixtures" / "article.md").read_bytes())
    out = tmp_path / "out"
    run_batch(profile=profile(tiny_models), run=RunOptions(input=folder, out=out))
    page = (out / "a.html").read_text(encoding="utf-8")
    arabic = re.findall(r'<div class="ar" dir="rtl" lang="ar">(.*?)</div>', page)
    assert arabic and not any("**" in column for column in arabic)  # the markers are not shown as text
    record = load(out / "a.json")
    sentence = next(s for p in record["paragraphs"] for s in p["sentences"] if "**" in s["source"])
    shown = re.sub(r"\*\*|_", "", sentence["source"])  # what the page's Arabic column holds
    export = tmp_path / "a.corrections.json"
    export.write_text(json.dumps({"schema": "translate.corrections/1", "article": record["source"], "reviewer": "R",
                                  "corrections": [{"id": sentence["id"], "source": shown,
                                                   "new_target": "The regional energy summit opened."}]}),
                      encoding="utf-8")
    result = run_cli("review", "import", export, "--out", out)
    assert result.exit_code == 0 and result.output.startswith("1 correction(s) applied"), result.output

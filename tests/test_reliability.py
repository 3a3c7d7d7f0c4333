"""Batch reliability under attack: a model failing on some segments, any exception type, two runs
on one folder, SIGTERM, SIGKILL at random points, a full disk, oversized articles."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.helpers import assert_partition, load, run_cli
from translate import load_config
from translate.backends import load_backend
from translate.reading.files import read_document
from translate.runners import run_batch
from translate.runners.plan import RunOptions

POISON = "زززز"  # a word that makes the fault-injecting backend fail
SENTENCES = ["أعلنت الحكومة اليوم عن خطة جديدة لدعم الاقتصاد الوطني.", "وقال رئيس الوزراء إن الخطة ستبدأ قريبا.",
             "وأكد الوزير أن التعاون مع الدول المجاورة مهم.", "ويواجه الاقتصاد تحديات كبيرة بسبب ارتفاع الأسعار."]


def write_articles(folder: Path, count: int, *, poison: set[int] = frozenset()) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        lines = [f"{SENTENCES[(i + j) % len(SENTENCES)][:-1]} رقم {i}{j}." for j in range(3)]
        if i in poison:
            lines.insert(1, f"وقال المتحدث {POISON} إن الاجتماع انتهى.")
        (folder / f"a{i:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        names.append(f"a{i:03d}.txt")
    return names


class Poisoned:
    """A real backend that raises (as a model can: an odd input, an out-of-memory) on any batch
    holding the poison word, and counts the calls it receives."""

    def __init__(self, inner, exc: type[Exception]) -> None:
        self.inner, self.exc, self.batches = inner, exc, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def translate(self, batch, *, context=None):
        self.batches += 1
        if any(POISON in text for text in batch):
            raise self.exc("the model failed")
        return self.inner.translate(batch, context=context)


@pytest.mark.parametrize("exc", [RuntimeError, AttributeError, MemoryError])
def test_bisection_fails_only_the_articles_with_a_failing_segment(tmp_path, tiny_models, exc):
    profile = load_config(tiny_models).profile("tiny-extractive")
    names = write_articles(tmp_path / "in", 12, poison={3, 8})
    holder = {}

    def loader(options, *, role):
        holder["backend"] = Poisoned(load_backend(options, role=role), exc)
        return holder["backend"]

    out = tmp_path / "out"
    report = run_batch(profile=profile, run=RunOptions(input=tmp_path / "in", out=out, reuse_translations=False),
                       loader=loader)
    assert sorted(report.failed) == ["a003.txt", "a008.txt"]
    assert sorted(report.done) == sorted(set(names) - {"a003.txt", "a008.txt"})
    files = load(out / "manifest.json")["files"]
    for key in ("a003.txt", "a008.txt"):
        error = files[key]["error"]
        assert error["code"] == "model" and "segment p2.s1" in error["reason"] and exc.__name__ in error["reason"]
    for key in report.done:
        record = load(out / key.replace(".txt", ".json"))
        assert_partition(record, read_document(tmp_path / "in" / key).text)
    assert holder["backend"].batches < 40  # bisection: a few halvings, not one call per segment


def test_an_unexpected_error_in_one_article_is_contained(tmp_path, tiny_models, monkeypatch):
    import translate.stages.article as article

    real = article.segment

    def fragile(raw, **kwargs):
        if raw.path.name == "a001.txt":
            raise AttributeError("'NoneType' object has no attribute 'text'")
        return real(raw, **kwargs)

    monkeypatch.setattr(article, "segment", fragile)
    write_articles(tmp_path / "in", 3)
    result = run_cli("batch", tmp_path / "in", "--out", tmp_path / "out", "--config", tiny_models,
                     "--profile", "tiny-extractive")
    assert result.exit_code == 1
    assert "2 done, 0 unchanged, 1 failed" in result.output
    assert "a001.txt: internal error while processing (AttributeError" in result.output
    assert "Traceback" not in result.output


def test_an_article_over_the_size_limit_fails_alone(tmp_path, tiny_models):
    config = tmp_path / "models.yaml"
    config.write_text(tiny_models.read_text(encoding="utf-8").replace(
        "  tiny-extractive:\n    extends: tiny\n",
        "  tiny-extractive:\n    extends: tiny\n    input: {max_characters: 400}\n"), encoding="utf-8")
    for name in ("marian", "bart"):
        (tmp_path / name).symlink_to(tiny_models.parent / name)
    write_articles(tmp_path / "in", 2)
    (tmp_path / "in" / "big.txt").write_text("\n".join(SENTENCES * 10), encoding="utf-8")
    result = run_cli("batch", tmp_path / "in", "--out", tmp_path / "out", "--config", config,
                     "--profile", "tiny-extractive")
    assert result.exit_code == 1 and "2 done, 0 unchanged, 1 failed" in result.output
    error = load(tmp_path / "out" / "manifest.json")["files"]["big.txt"]["error"]
    assert error["code"] == "too-large" and "more than the profile's limit of 400" in error["reason"]
    assert "input.max_characters" in error["hint"]


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "translate", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kwargs)


def test_two_runs_on_one_output_folder_lose_nothing(tmp_path, tiny_models):
    first = write_articles(tmp_path / "in1", 6)
    (tmp_path / "in2").mkdir()
    second = []
    for i in range(5):
        (tmp_path / "in2" / f"b{i}.txt").write_text(f"{SENTENCES[i % 4][:-1]} في المدينة {i}.\n", encoding="utf-8")
        second.append(f"b{i}.txt")
    out = tmp_path / "out"
    common = ("--out", out, "--config", tiny_models, "--profile", "tiny-extractive")
    from translate.runners.lock import folder_lock

    with folder_lock(out):  # both runs find the folder busy (whichever process starts first)
        runs = [_cli("batch", tmp_path / "in1", *common), _cli("batch", tmp_path / "in2", *common)]
        for run in runs:  # each says it waits before the lock is released
            assert any("another translate run is writing to" in line for line in iter(run.stderr.readline, ""))
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    files = load(out / "manifest.json")["files"]
    assert sorted(files) == sorted(first + second)
    assert all(entry["status"] == "done" for entry in files.values())
    index = (out / "index.md").read_text(encoding="utf-8")
    assert all(f"[{name}]" in index for name in first + second)
    # the same input twice: the second run waits, then has nothing to do
    runs = [_cli("batch", tmp_path / "in1", *common, "--force"), _cli("batch", tmp_path / "in1", *common)]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert "6 done, 0 unchanged" in results[0][1] and "0 done, 6 unchanged" in results[1][1]


def test_no_wait_refuses_a_busy_folder(tmp_path, tiny_models):
    from translate.runners.lock import folder_lock

    write_articles(tmp_path / "in", 1)
    with folder_lock(tmp_path / "out"):
        result = run_cli("batch", tmp_path / "in", "--out", tmp_path / "out", "--config", tiny_models, "--no-wait")
    assert result.exit_code == 2
    assert "another translate run is writing to" in result.output and "fix:" in result.output


def _wait_for_done(out: Path, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        journal = out / "journal.sqlite"
        if journal.exists():
            try:
                with sqlite3.connect(journal, timeout=5) as db:
                    if db.execute("SELECT count(*) FROM articles WHERE status = 'done'").fetchone()[0] >= count:
                        return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    raise AssertionError("the run did not get going")


def test_sigterm_records_finished_articles_and_says_how_to_resume(tmp_path, tiny_models):
    names = write_articles(tmp_path / "in", 30)
    out = tmp_path / "out"
    args = ("batch", tmp_path / "in", "--out", out, "--config", tiny_models, "--profile", "tiny")
    run = _cli(*args)  # abstractive summaries: slow enough to be caught mid-run
    _wait_for_done(out, 1)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 143, err
    assert "terminated: finished articles are saved" in err and "run the same command again" in err
    files = load(out / "manifest.json")["files"]
    done = [k for k, v in files.items() if v["status"] == "done"]
    assert 1 <= len(done) < 30
    assert all((out / k.replace(".txt", ".json")).is_file() for k in done)
    assert len(done) == (out / "index.md").read_text(encoding="utf-8").count("](a0")
    rerun = _cli(*args)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert f"{30 - len(done)} done, {len(done)} unchanged" in err
    assert sorted(load(out / "manifest.json")["files"]) == names


def test_sigkill_at_random_points_then_resume(tmp_path, tiny_models):
    names = write_articles(tmp_path / "in", 16)
    out = tmp_path / "out"
    args = ("batch", tmp_path / "in", "--out", out, "--config", tiny_models, "--profile", "tiny")
    rng = random.Random(7)
    trials = 6
    for _ in range(trials):
        run = _cli(*args, "--force")
        time.sleep(rng.uniform(1.0, 5.0))  # start-up, model loading, mid-window, mid-write
        run.kill()
        run.wait()
    final = _cli(*args)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    files = load(out / "manifest.json")["files"]
    assert sorted(files) == names and all(v["status"] == "done" for v in files.values())
    for name in names:
        record = load(out / name.replace(".txt", ".json"))
        assert_partition(record, read_document(tmp_path / "in" / name).text)
    assert not list(out.glob("**/.*.tmp"))
    with sqlite3.connect(out / "translation-memory.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_full_disk_stops_the_run_cleanly_and_the_next_run_completes(tmp_path, tiny_models, monkeypatch):
    import translate.outputs.atomic as atomic

    write_articles(tmp_path / "in", 4)
    out = tmp_path / "out"
    real_replace, calls = os.replace, []

    def full_disk(src, dst):
        calls.append(dst)
        if len(calls) == 4:  # the second article's first file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    args = ("batch", tmp_path / "in", "--out", out, "--config", tiny_models, "--profile", "tiny-extractive",
            "--formats", "md,html")
    result = run_cli(*args)
    assert result.exit_code == 2
    assert "No space left" in result.output or "space" in result.output.lower()
    assert "Traceback" not in result.output
    assert not list(out.glob("**/.*.tmp"))
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    with sqlite3.connect(out / "translation-memory.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    result = run_cli(*args)
    assert result.exit_code == 0 and "3 done, 1 unchanged" in result.output


def test_outputs_are_readable_by_others(tmp_path, tiny_models):
    write_articles(tmp_path / "in", 1)
    old = os.umask(0o022)
    try:
        assert run_cli("batch", tmp_path / "in", "--out", tmp_path / "out", "--config", tiny_models,
                       "--profile", "tiny-extractive").exit_code == 0
    finally:
        os.umask(old)
    for path in (tmp_path / "out").iterdir():
        if path.is_file() and not path.name.startswith("."):
            assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, path.name
    assert json.loads((tmp_path / "out" / "a000.json").read_text(encoding="utf-8"))["schema"]


def test_hostile_file_names_are_shown_escaped_and_links_still_resolve(tmp_path, tiny_models):
    import re
    from urllib.parse import unquote

    folder = tmp_path / "in"
    folder.mkdir()
    name = "ev\u202eil\nname.txt"
    (folder / name).write_text(f"{SENTENCES[0]}\n{SENTENCES[1]}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("batch", folder, "--out", out, "--config", tiny_models, "--profile", "tiny-extractive")
    assert result.exit_code == 0, result.output
    for index in ("index.md", "index.html"):
        text = (out / index).read_text(encoding="utf-8")
        assert "\u202e" not in text, index
        targets = re.findall(r'\]\(([^)]+)\)', text) if index.endswith(".md") else re.findall(r'href="([^"#]+)"', text)
        article_links = [t for t in targets if "name" in unquote(t)]
        assert article_links and all((out / unquote(t)).is_file() for t in article_links), (index, targets)
    assert "\u202e" not in result.output


def test_one_memory_shared_by_concurrent_runs_into_two_folders(tmp_path, tiny_models):
    write_articles(tmp_path / "in1", 8)
    write_articles(tmp_path / "in2", 8)  # the same sentences: both runs want to store them
    memory = tmp_path / "shared.sqlite"
    runs = [_cli("batch", tmp_path / f"in{i}", "--out", tmp_path / f"out{i}", "--config", tiny_models,
                 "--profile", "tiny-extractive", "--memory", memory) for i in (1, 2)]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    for i in (1, 2):
        assert len(load(tmp_path / f"out{i}" / "manifest.json")["files"]) == 8
    with sqlite3.connect(memory) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT count(*), count(DISTINCT source) FROM memory").fetchone()
    assert rows[0] == rows[1] > 0  # each segment stored once, whichever run stored it
    third = run_cli("batch", tmp_path / "in1", "--out", tmp_path / "out3", "--config", tiny_models,
                    "--profile", "tiny-extractive", "--memory", memory)
    assert third.exit_code == 0 and "0 segments translated" in third.output  # all from the shared memory


def test_symlinks_leading_outside_the_input_are_skipped_unless_followed(tmp_path, tiny_models):
    write_articles(tmp_path / "in", 1)
    outside = tmp_path / "elsewhere"
    write_articles(outside, 2)
    (tmp_path / "in" / "link.txt").symlink_to(outside / "a001.txt")
    (tmp_path / "in" / "linked-folder").symlink_to(outside, target_is_directory=True)
    (tmp_path / "in" / "inside-link.txt").symlink_to(tmp_path / "in" / "a000.txt")
    args = ("--config", tiny_models, "--profile", "tiny-extractive")
    result = run_cli("batch", tmp_path / "in", "--out", tmp_path / "out", *args)
    assert result.exit_code == 0, result.output
    assert "link.txt: skipped (a symbolic link to" in result.output and "--follow-symlinks" in result.output
    assert sorted(load(tmp_path / "out" / "manifest.json")["files"]) == ["a000.txt", "inside-link.txt"]
    followed = run_cli("batch", tmp_path / "in", "--out", tmp_path / "out2", *args, "--follow-symlinks")
    assert followed.exit_code == 0
    assert sorted(load(tmp_path / "out2" / "manifest.json")["files"]) == [
        "a000.txt", "inside-link.txt", "link.txt", "linked-folder/a000.txt", "linked-folder/a001.txt"]
    assert all(p.resolve().is_relative_to((tmp_path / "out2").resolve()) for p in (tmp_path / "out2").rglob("*"))

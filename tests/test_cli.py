"""The CLI surface: segment output, version, import cost, interrupted runs."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.helpers import load, run_cli
from translate import load_config
from translate.backends import load_backend
from translate.backends.wrappers import Wrapper
from translate.runners import run_batch
from translate.runners.plan import RunOptions

FIXTURES = Path(__file__).parent / "fixtures"


def test_segment_json_prints_structure_per_file():
    result = run_cli("segment", FIXTURES / "article_full.txt", FIXTURES / "article.md", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["title"] for d in data] == ["وزير الخارجية يبحث التعاون الاقتصادي في القاهرة", "قمة الطاقة في الرياض"]
    first = data[0]
    assert first["date"] == "2024-06-10" and first["source"]["encoding"] == "utf-8"
    assert [p["kind"] for p in first["paragraphs"]].count("body") == 5
    assert first["paragraphs"][-1]["role"] == "source"
    assert all("target" not in p for p in first["paragraphs"])


def test_segment_text_view_marks_kinds_and_reports_bad_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run_cli("segment", FIXTURES / "article_full.txt", empty)
    assert result.exit_code == 1
    assert "[p2 title]" in result.stdout and "[p13 meta/source]" in result.stdout and "(dateline)" in result.stdout
    assert "empty.txt: is empty" in result.stderr


def test_importing_and_segmenting_loads_no_model_library():
    code = ("import sys; from translate.cli import app; from typer.testing import CliRunner; "
            f"r = CliRunner().invoke(app, ['segment', {str(FIXTURES / 'article.md')!r}]); "
            "assert r.exit_code == 0, r.output; "
            "heavy = [m for m in ('torch', 'transformers', 'trafilatura') if m in sys.modules]; "
            "assert not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_version():
    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("translate ")


class Interrupting(Wrapper):
    """The real translation model, but the run is stopped (as by Ctrl-C) at its second call."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.calls_left = 1

    def translate(self, batch, **kwargs):
        self.calls_left -= 1
        if self.calls_left < 0:
            raise KeyboardInterrupt
        return self.inner.translate(batch, **kwargs)


def interrupting_loader(options, *, role):
    backend = load_backend(options, role=role)
    return Interrupting(backend) if role == "translation" else backend


def test_an_interrupted_run_resumes_where_it_stopped(articles, tmp_path, tiny_models):
    profile = load_config(tiny_models).profile("tiny-extractive")
    out = tmp_path / "out"
    run = RunOptions(input=articles, out=out, window_segments=1)  # each article is its own window
    with pytest.raises(KeyboardInterrupt):
        run_batch(profile=profile, run=dataclasses.replace(run, memory_path=out / "tm.sqlite"),
                  loader=interrupting_loader)
    files = load(out / "manifest.json")["files"]
    assert [k for k, v in files.items() if v["status"] == "done"] == ["article.md"]
    assert not list(out.glob(".*.tmp"))
    report = run_batch(profile=profile, run=run)
    assert report.skipped == ["article.md"] and sorted(report.done) == ["article_full.txt", "article_notitle.txt"]


# ---------------------------------------------------------------- help pages


def _commands(group, path=()):
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_help_of_every_command_shows_each_default_and_readable_metavars():
    import typer.main
    from typer.core import TyperArgument, TyperOption
    from typer.testing import CliRunner

    from translate.cli import app

    root = typer.main.get_command(app)
    seen = set()
    for path, command in _commands(root):
        seen.add(" ".join(path))
        result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "300"})
        assert result.exit_code == 0, (path, result.output)
        text = result.output
        rows = [line.strip("│ ") for line in text.splitlines()]
        usage = next(line for line in rows if line.startswith("Usage:"))
        assert "{" not in usage and "<" not in usage, usage  # INPUT, not {input}
        for bad in ("<bool>", "<str>", "<path>", "<int>", "<list"):
            assert bad not in text, (path, bad)
        for param in command.params:
            if isinstance(param, TyperOption) and (param.is_flag or param.required):
                continue
            if isinstance(param, TyperArgument) and param.required:
                continue
            name = param.opts[0] if isinstance(param, TyperOption) else param.metavar
            row = next((line for line in rows if line.startswith(name + " ") or line.startswith(f"{name}  ")
                        or f" {name} " in f" {line.split('  ')[0]} "), None)
            assert row is not None, (path, name)
            assert "[default: " in row, (path, name, row)
            assert "[default: ]" not in row and "[default: ()]" not in row
    assert {"batch", "text", "models export", "models import", "review status", "eval"} <= seen
    batch = " ".join(run_cli_wide("batch", "--help").split())
    for shown in ("[default: $TRANSLATE_CONFIG, else ./models.yaml, else the project's own]",
                  "[default: its default_profile]", "[default: OUT/translation-memory.sqlite]",
                  "0 = chosen from the cluster: one per GPU, else one per 4 CPUs", "[default: the profile's]",
                  "[default: outputs]", "[default: local]", "[default: no limit]"):
        assert shown in batch, shown
    models = " ".join(run_cli_wide("models", "--help").split())
    assert all(word in models for word in ("list", "check", "download", "convert", "export", "import"))
    assert "List or download" not in models


def run_cli_wide(*args: str) -> str:
    from typer.testing import CliRunner

    from translate.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"}).output


# ---------------------------------------------------------------- hints and run options


def _snapshot(*folders: Path) -> dict:
    found = {}
    for folder in folders:
        if folder.exists():
            for path in sorted(folder.rglob("*")):
                stat = path.lstat()
                found[str(path)] = (stat.st_size, stat.st_mtime_ns, path.read_bytes() if path.is_file() else None)
    return found


def test_dry_run_says_what_and_why_and_changes_nothing_on_disk(articles, tmp_path, tiny_models):
    out = tmp_path / "out"
    fresh = run_cli("batch", articles, "--out", out, "--config", tiny_models, "--dry-run")
    assert fresh.exit_code == 0, fresh.output
    assert not out.exists()  # not even the folder, the lock or the journal
    assert fresh.stdout.count("new") == 3 and "nothing was written (--dry-run)" in fresh.stdout
    assert run_cli("batch", articles, "--out", out, "--config", tiny_models, "--profile",
                   "tiny-extractive").exit_code == 0
    (articles / "article.md").write_text((articles / "article.md").read_text(encoding="utf-8") + "\nسطر جديد.\n",
                                         encoding="utf-8")
    (articles / "new.txt").write_text("قال الوزير إن المحادثات كانت مثمرة.\n", encoding="utf-8")
    (out / "article_notitle.md").unlink()
    before = _snapshot(out, articles)
    result = run_cli("batch", articles, "--out", out, "--config", tiny_models, "--profile", "tiny-extractive",
                     "--dry-run", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert _snapshot(out, articles) == before  # no journal write, no lock file, no -wal/-shm, no memory
    lines = {line.split()[1]: line for line in result.stdout.splitlines()[:-1]}
    assert lines["article.md"].startswith("redo") and "the file changed" in lines["article.md"]
    assert lines["article_full.txt"].startswith("skip") and "up to date" in lines["article_full.txt"]
    assert lines["article_notitle.txt"].startswith("redo") and "output missing" in lines["article_notitle.txt"]
    assert lines["new.txt"].startswith("later") and "--limit 2" in lines["new.txt"]
    other = run_cli("batch", articles, "--out", out, "--config", tiny_models, "--dry-run")  # another profile
    assert "the settings changed" in other.stdout and _snapshot(out, articles) == before


def test_limit_leaves_the_rest_for_the_next_run(articles, tmp_path, tiny_models):
    out = tmp_path / "out"
    args = ("batch", articles, "--out", out, "--config", tiny_models, "--profile", "tiny-extractive")
    first = run_cli(*args, "--limit", "1")
    assert first.exit_code == 0, first.output
    assert "1 done, 0 unchanged, 0 failed, 2 left for later (--limit)" in first.output
    assert [k for k, v in load(out / "manifest.json")["files"].items() if v["status"] == "done"] == ["article.md"]
    second = run_cli(*args)
    assert second.exit_code == 0 and "2 done, 1 unchanged" in second.output


def test_force_translates_every_segment_again_but_reviewers_still_win(articles, tmp_path, tiny_models):
    import csv

    out = tmp_path / "out"
    args = ("batch", articles, "--out", out, "--config", tiny_models, "--profile", "tiny-extractive")
    assert run_cli(*args).exit_code == 0
    tsv = out / "article_full.tsv"
    rows = list(csv.reader(tsv.open(encoding="utf-8"), dialect="excel-tab"))
    row = next(r for r in rows[1:] if r[5] == "machine")
    row[3] = "The minister met his counterpart."
    with tsv.open("w", encoding="utf-8") as handle:
        csv.writer(handle, dialect="excel-tab", lineterminator="\n").writerows(rows)
    assert run_cli("review", "import", tsv, "--out", out).exit_code == 0
    profile = load_config(tiny_models).profile("tiny-extractive")
    report = run_batch(profile=profile, run=RunOptions(input=articles, out=out, force=True))
    assert len(report.done) == 3 and report.memory_hits == 0 and report.translation_calls > 0
    sentences = {s["id"]: s for p in load(out / "article_full.json")["paragraphs"] for s in p["sentences"]}
    assert sentences[row[0]]["target"] == "The minister met his counterpart." and sentences[row[0]]["origin"] == "human"
    said = run_cli(*args, "--force")
    assert said.exit_code == 0 and "3 done" in said.output
    assert "the translation memory's machine translations not used: --force" in said.output
    assert "from the translation memory)" not in said.output


def test_a_folder_of_only_unsupported_files_stops_with_a_clear_message(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF-1.4")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    result = run_cli("batch", folder, "--out", tmp_path / "out", "--config", tiny_models)
    assert result.exit_code == 2
    assert "holds no article this tool reads" in result.output and ".docx, .pdf" in result.output
    assert "fix: convert the articles to text or HTML" in result.output
    assert not (tmp_path / "out").exists()


def test_offline_missing_models_are_named_at_once_with_the_profile_and_config(tmp_path, monkeypatch, articles):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub-cache"))
    config = tmp_path / "models.yaml"
    config.write_text("default_profile: other\nprofiles:\n  other: {}\n  bigger:\n    translation: "
                      "{model: Helsinki-NLP/opus-mt-tc-big-ar-en}\n", encoding="utf-8")
    result = run_cli("batch", articles, "--out", tmp_path / "out", "--config", config, "--profile", "bigger")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "2 model(s) of profile 'bigger'" in text
    assert "'Helsinki-NLP/opus-mt-tc-big-ar-en'" in text and "'sshleifer/distilbart-cnn-12-6'" in text
    assert f"`translate models download --profile bigger --config {config}`" in text
    assert f"`translate models export bigger models.tar --config {config}`" in text
    assert "--summary extractive" in text
    checked = run_cli("models", "check", "--config", config, "--profile", "bigger")
    assert checked.exit_code == 2 and "translate models download --profile bigger" in checked.output


def test_review_status_and_import_say_the_exact_batch_command(articles, tmp_path, tiny_models):
    out = tmp_path / "out"
    batch_args = ("batch", articles, "--out", out, "--config", tiny_models, "--profile", "tiny-extractive",
                  "--formats", "tsv")
    assert run_cli(*batch_args, "--limit", "5").exit_code == 0
    record = load(out / "article_full.json")
    sentence = next(s for p in record["paragraphs"] for s in p["sentences"] if not s.get("copied"))
    corrections = tmp_path / "c.json"
    corrections.write_text(json.dumps({
        "schema": "translate.corrections/1", "article": record["source"], "reviewer": "Layla",
        "corrections": [{"id": sentence["id"], "source": sentence["source"], "previous_target": sentence["target"],
                         "new_target": "The minister spoke."}]}), encoding="utf-8")
    command = (f"translate batch {articles} --out {out} --config {tiny_models} --profile tiny-extractive "
               "--formats tsv")
    imported = run_cli("review", "import", corrections, "--out", out)
    assert imported.exit_code == 0 and f"the command: {command}" in imported.stdout
    status = run_cli("review", "status", out)
    assert status.exit_code == 0 and "1 imported correction(s)" in status.stdout
    assert f"the command: {command}" in status.stdout  # --limit (a one-off) left out
    stale = json.loads(corrections.read_text(encoding="utf-8"))
    stale["corrections"][0]["source"] = "نص آخر لا يطابق المقال."
    corrections.write_text(json.dumps(stale), encoding="utf-8")
    refused = run_cli("review", "import", corrections, "--out", out)
    assert refused.exit_code == 1 and "1 stale" in refused.stdout and "none of the corrections" in refused.stderr


def test_text_and_standard_input_use_the_profiles_memory_and_flags(tmp_path, tiny_models, articles):
    text = "قال وزير الخارجية إن المحادثات كانت مثمرة يوم 5 مايو."
    result = run_cli("text", text, "--config", tiny_models)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() and "⚑ p1.s1" in result.stderr
    piped = CliRunner_invoke(["batch", "-", "--config", str(tiny_models), "--json"], input=text.encode("utf-8"))
    assert piped.exit_code == 0, piped.output
    record = json.loads(piped.stdout)
    assert record["schema"] == "translate.article/1" and record["paragraphs"][0]["source"] == text
    assert record["paragraphs"][0]["target"] == result.stdout.strip()
    assert record["summary"]["method"] == "none"
    # a batch's memory: its reviewers' translations win here too
    out = tmp_path / "out"
    (articles / "one.txt").write_text(text + "\n", encoding="utf-8")
    assert run_cli("batch", articles, "--out", out, "--config", tiny_models, "--profile",
                   "tiny-extractive").exit_code == 0
    one = load(out / "one.json")
    sentence = one["paragraphs"][0]["sentences"][0]
    corrections = tmp_path / "c.json"
    corrections.write_text(json.dumps({
        "schema": "translate.corrections/1", "article": one["source"], "reviewer": "Layla",
        "corrections": [{"id": sentence["id"], "source": sentence["source"], "previous_target": sentence["target"],
                         "new_target": "The foreign minister said the talks on 5 May were fruitful."}]}),
        encoding="utf-8")
    assert run_cli("review", "import", corrections, "--out", out).exit_code == 0
    reviewed = run_cli("text", text, "--config", tiny_models, "--memory", out / "translation-memory.sqlite")
    assert reviewed.stdout.strip() == "The foreign minister said the talks on 5 May were fruitful."
    empty = run_cli("text", "   ", "--config", tiny_models)
    assert empty.exit_code == 1 and "is empty" in empty.output


def CliRunner_invoke(args: list[str], *, input: bytes):
    from typer.testing import CliRunner

    from translate.cli import app

    return CliRunner().invoke(app, args, input=input, catch_exceptions=False)


def test_the_python_api_example_of_the_readme_runs(tiny_models, tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "/tmp/tiny/models.yaml" in code
    code = code.replace("/tmp/tiny/models.yaml", str(tiny_models))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) >= 2 and lines[1].startswith("p1.s1 ")


def test_the_distribution_has_a_name_of_its_own_and_every_install_hint_works_as_printed():
    import re

    import tomllib

    from translate.distribution import DIST_NAME, install_command

    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DIST_NAME == "arabic-news-translate"
    assert project["scripts"] == {"translate": "translate.cli:main"} and "ray" in project["optional-dependencies"]
    assert install_command("ray") == f"{sys.executable} -m pip install -e '{root}[ray]'"
    for path in [*(root / "translate").rglob("*.py"), root / "README.md", *(root / "scripts").glob("*.sh")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"pip install [\"']?translate\[", text), path  # the index's `translate` is another program

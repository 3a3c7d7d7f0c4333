"""``--engine ray`` (translate.runners.ray) against the local engine, on one local Ray instance started
here (3 logical CPUs, loopback only) and shared by the tests: the same records, the same failures, resume
after an interruption, and the translation memory. Skipped when Ray is not installed (CI installs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import required_module
from tests.support.helpers import load
from translate import load_config
from translate.backends import load_backend
from translate.errors import OutputError, UsageError
from translate.memory import MEMORY_FILE
from translate.runners import LogProgress, run_batch
from translate.runners.plan import RunOptions

FIXTURES = Path(__file__).parent / "fixtures"
POISON = "زمردة"  # a word that makes the translation model raise (see ``poisoned_loader``)
GOOD = ["article.md", "article_full.txt", "article_notitle.txt"]
BAD = {"binary.txt": "encoding", "empty.txt": "empty", "english.txt": "not-arabic", "poisoned.txt": "model"}
RUNTIME_KEYS = {"created", "threads"}  # when the record was made; the threads of the process that made it


class Poisoned:
    """A translation backend that raises on any batch holding ``POISON`` (the model failing on one
    segment); everything else is the real backend's."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def translate(self, batch, *, context=None):
        if any(POISON in text for text in batch):
            raise RuntimeError("the model failed")
        return self.inner.translate(batch, context=context)


def poisoned_loader(options, *, role):
    backend = load_backend(options, role=role)
    return Poisoned(backend) if role == "translation" else backend


@pytest.fixture(scope="module")
def ray_instance():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # the local instance on 127.0.0.1 only
    ray = required_module("ray", "pip install -e '.[ray]' in the clone; CI installs it")
    import logging

    # 3 logical CPUs on this 2-core machine: room for two 1-CPU replicas and a reading task
    ray.init(num_cpus=3, include_dashboard=False, object_store_memory=200 * 2**20, logging_level=logging.WARNING)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the poisoned loader runs on the workers
    yield ray
    ray.shutdown()


def make_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in GOOD:
        shutil.copyfile(FIXTURES / name, folder / name)
    (folder / "empty.txt").write_text("  \n\u00a0\n", encoding="utf-8")
    (folder / "english.txt").write_text("This is an English article about the economy. " * 5, encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "poisoned.txt").write_text(f"قال الوزير إن التعاون مهم.\nوأضاف أن {POISON} في موسكو.\n", encoding="utf-8")
    return folder


def runtime_free(value):
    if isinstance(value, dict):
        return {k: runtime_free(v) for k, v in value.items() if k not in RUNTIME_KEYS}
    if isinstance(value, list):
        return [runtime_free(v) for v in value]
    return value


def records(out: Path) -> dict[str, dict]:
    return {p.name: runtime_free(load(p)) for p in sorted(out.glob("*.json")) if p.name != "manifest.json"}


def manifest_files(out: Path) -> dict[str, dict]:
    """The manifest's per-article entries without what depends on the clock."""
    return {key: {k: v for k, v in entry.items() if k not in ("timings", "finished")}
            for key, entry in load(out / "manifest.json")["files"].items()}


def run_ray(profile, run: RunOptions, *, progress=None, options=None):
    from translate.runners.ray import RayEngine, RayOptions

    engine = RayEngine(address=None, options=options or RayOptions())
    return run_batch(profile=profile, run=run, engine=engine, loader=poisoned_loader, progress=progress)


def run_local(profile, run: RunOptions):
    return run_batch(profile=profile, run=run, engine="local", loader=poisoned_loader)


def reviewed_sentence(folder: Path) -> str:
    """The first body sentence of article_full.txt, as segmented."""
    from translate import read_document, segment

    doc = segment(read_document(folder / "article_full.txt"))
    return next(block.sentences[0].text for block in doc.blocks if block.kind == "body")


def add_review(out: Path, sentence: str) -> None:
    """A reviewer's translation of ``sentence`` in the output folder's memory (as review import does)."""
    from translate.memory import TranslationMemory
    from translate.record import Human, human_key

    memory = TranslationMemory(out / MEMORY_FILE)
    memory.store_human([(human_key(sentence), Human("REVIEWED BY A HUMAN", "tester", "2026-01-01T00:00:00+00:00",
                                                    "corrections.tsv", sentence))])
    memory.close()


@pytest.fixture(scope="module")
def both(ray_instance, tiny_models, tmp_path_factory):
    """The abstractive tiny profile over the same folder with each engine; one sentence reviewed."""
    folder = make_folder(tmp_path_factory.mktemp("ray") / "in")
    profile = load_config(tiny_models).profile("tiny")
    for name in ("local", "ray"):
        add_review(folder.parent / name, reviewed_sentence(folder))
    local = run_local(profile, RunOptions(input=folder, out=folder.parent / "local"))
    ray = run_ray(profile, RunOptions(input=folder, out=folder.parent / "ray"))
    return profile, folder, local, ray


def test_same_records_views_and_failures_as_the_local_engine(both):
    profile, folder, local, ray = both
    out_local, out_ray = folder.parent / "local", folder.parent / "ray"
    assert sorted(ray.done) == sorted(local.done) == GOOD
    assert ray.failed == local.failed and sorted(ray.failed) == sorted(BAD)
    assert (ray.translation_calls, ray.memory_hits) == (local.translation_calls, local.memory_hits)
    assert local.translation_calls > 30 and local.memory_hits == 0
    ours, theirs = records(out_ray), records(out_local)
    assert sorted(ours) == ["article.json", "article_full.json", "article_notitle.json"]
    assert ours == theirs
    assert ours["article_full.json"]["summary"]["method"] == "abstractive"  # summaries ran on the replicas
    reviewed = [s for p in ours["article_full.json"]["paragraphs"] for s in p["sentences"]
                if s.get("origin") == "human"]
    assert [(s["source"], s["target"]) for s in reviewed] == [(reviewed_sentence(folder), "REVIEWED BY A HUMAN")]
    for name in ("article_full.md", "article_full.tsv", "index.md"):
        assert (out_ray / name).read_text(encoding="utf-8") == (out_local / name).read_text(encoding="utf-8"), name
    entries = manifest_files(out_ray)
    assert entries == manifest_files(out_local)
    assert {key: entries[key]["error"]["code"] for key in BAD} == BAD
    assert "segment p2.s1" in entries["poisoned.txt"]["error"]["reason"]
    assert load(out_ray / "manifest.json")["run"]["engine"] == "ray"


def test_a_second_run_is_answered_by_the_translation_memory(both):
    profile, folder, _, _ = both
    out = folder.parent / "ray"
    before = records(out)
    from translate.runners.journal import Journal

    for redo in (out, folder.parent / "local"):  # every article to redo (--force would also bypass the memory)
        journal = Journal(redo)
        journal.mark_changed(list(journal.entries()))
        journal.close()
    again = run_ray(profile, RunOptions(input=folder, out=out))
    local = run_local(profile, RunOptions(input=folder, out=folder.parent / "local"))
    assert again.translation_calls == local.translation_calls == 0  # the poisoned one fails before the model counts it
    # every distinct segment of a window answered by the memory, once (as locally)
    assert again.memory_hits == local.memory_hits >= 40
    assert sorted(again.done) == GOOD and sorted(again.failed) == sorted(BAD)
    assert records(out) == before


def test_unchanged_articles_are_skipped_without_starting_ray(both, monkeypatch):
    profile, folder, _, _ = both
    import translate.runners.ray as engine

    monkeypatch.setattr(engine, "ray_session", None)  # would fail if called
    only_good = folder.parent / "only-good"
    only_good.mkdir()
    out = folder.parent / "ray-good"
    shutil.copytree(folder.parent / "ray", out)
    for name in GOOD:
        shutil.copyfile(folder / name, only_good / name)
    report = run_ray(profile, RunOptions(input=only_good, out=out))
    assert sorted(report.skipped) == GOOD and report.done == [] and report.translation_calls == 0


class StopAfter(LogProgress):
    """Interrupts the run (as Ctrl-C would) once ``n`` articles are done."""

    def __init__(self, n: int) -> None:
        self.n, self.done = n, []

    def finished(self, name: str, status: str) -> None:
        if status.startswith("done"):
            self.done.append(name)
            if len(self.done) == self.n:
                raise KeyboardInterrupt


def test_an_interrupted_run_resumes_with_only_the_missing_articles(ray_instance, tiny_models, tmp_path, caplog):
    profile = load_config(tiny_models).profile("tiny-extractive")
    folder = make_folder(tmp_path / "in")
    # one article per window: the interruption comes with windows still on the replica
    local = run_local(profile, RunOptions(input=folder, out=tmp_path / "local", window_segments=1))
    run = RunOptions(input=folder, out=tmp_path / "ray", window_segments=1)
    stop = StopAfter(1)
    with pytest.raises(KeyboardInterrupt):
        run_ray(profile, run, progress=stop)
    assert stop.done == ["article.md"]
    files = load(run.out / "manifest.json")["files"]  # written on the way out
    assert [key for key, entry in files.items() if entry["status"] == "done"] == ["article.md"]
    caplog.clear()
    resumed = run_ray(profile, run)
    assert resumed.skipped == ["article.md"]
    assert sorted(resumed.done) == ["article_full.txt", "article_notitle.txt"]
    assert sorted(resumed.failed) == sorted(BAD)
    assert records(run.out) == records(tmp_path / "local")
    assert manifest_files(run.out) == manifest_files(tmp_path / "local")
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert sum("empty.txt: is empty" in e for e in errors) == 1  # failed while read, on a Ray Data task
    assert sum("poisoned.txt: the translation model failed" in e for e in errors) == 1  # logged on a replica
    assert resumed.translation_calls < local.translation_calls  # the finished article's segments were not redone


def test_two_replicas_share_the_windows_and_give_the_same_records(ray_instance, tiny_models, tmp_path):
    from translate.runners.ray import RayOptions

    profile = load_config(tiny_models).profile("tiny-extractive")
    folder = make_folder(tmp_path / "in")
    local = run_local(profile, RunOptions(input=folder, out=tmp_path / "local", window_segments=1))
    ray = run_ray(profile, RunOptions(input=folder, out=tmp_path / "ray", window_segments=1),
                  options=RayOptions(workers=2, cpus_per_worker=1))
    assert sorted(ray.done) == GOOD and ray.failed == local.failed
    assert records(tmp_path / "ray") == records(tmp_path / "local")
    assert manifest_files(tmp_path / "ray") == manifest_files(tmp_path / "local")
    # no memo shared between replicas: a segment repeated in windows that ran at once is translated twice
    assert local.translation_calls <= ray.translation_calls


def test_the_workers_errors_reach_the_driver_as_they_were():
    from translate.runners.ray_workers import RemoteError

    error = OutputError("cannot write x.json: disk full", "free space", path=Path("x.json"), errno=28)
    rebuilt = RemoteError.of(error).rebuild()  # OutputError does not survive plain pickling
    assert type(rebuilt) is OutputError and isinstance(rebuilt, UsageError)
    assert (rebuilt.reason, rebuilt.hint, rebuilt.errno, str(rebuilt)) == (error.reason, error.hint, 28, str(error))
    odd = RemoteError.of(type("Unimportable", (Exception,), {})("boom")).rebuild()
    assert (type(odd).__name__, str(odd)) == ("Unimportable", "boom")


def test_replicas_are_planned_from_the_cluster():
    from translate.runners.ray import RayOptions, plan_replicas

    assert plan_replicas(RayOptions(), cpus=2, gpus=0, gpu=False) == (1, 1)
    assert plan_replicas(RayOptions(), cpus=32, gpus=0, gpu=False) == (7, 4)
    assert plan_replicas(RayOptions(), cpus=16, gpus=4, gpu=True) == (4, 1)
    assert plan_replicas(RayOptions(workers=2, cpus_per_worker=1), cpus=2, gpus=0, gpu=False) == (2, 1)


def test_without_ray_the_engine_says_how_to_install_it(tmp_path, tiny_models, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    with pytest.raises(UsageError) as info:
        run_batch(profile=load_config(tiny_models).profile("tiny"),
                  run=RunOptions(input=tmp_path, out=tmp_path / "out"), engine="ray")
    assert "-m pip install -e '" in str(info.value) and "[ray]'" in str(info.value)  # from the clone, as printed
    assert not (tmp_path / "out").exists()  # refused before anything


def test_importing_translate_and_the_engine_does_not_import_ray():
    code = ("import sys, translate, translate.runners.ray, translate.runners.ray_workers; "
            "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout.replace("'", '"')) == []


def test_the_cli_engine_option_runs_on_ray(ray_instance, tiny_models, tmp_path):
    from tests.support.helpers import run_cli

    folder = make_folder(tmp_path / "in")
    result = run_cli("batch", folder, "--out", tmp_path / "out", "--config", tiny_models, "--profile",
                     "tiny-extractive", "--engine", "ray", "--ray-workers", "1")
    assert result.exit_code == 1  # the bad files of the folder failed, the rest are done
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["engine"] == "ray"
    assert sorted(k for k, v in manifest["files"].items() if v["status"] == "done") == sorted(GOOD + ["poisoned.txt"])
    wrong = run_cli("batch", folder, "--out", tmp_path / "out2", "--config", tiny_models, "--ray-address", "auto")
    assert wrong.exit_code == 2 and "need --engine ray" in wrong.output

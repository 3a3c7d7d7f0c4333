"""Parallel batches (``BatchingBackend`` over a backend with ``submit``, CTranslate2's
``inter_threads``): the same records as one batch at a time, failures still isolated to their
article, outputs stored in order, the cores shared out as the profile says."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path

import pytest

from translate import load_config
from translate.backends import load_backend
from translate.backends.base import Output
from translate.backends.devices import threads
from translate.backends.wrappers import (
    BatchingBackend,
    Deferred,
    IsolatingBackend,
    StoringBackend,
    parallel_batches,
    stream,
)
from translate.config import TranslationOptions
from translate.runners import run_batch
from translate.runners.plan import RunOptions

POISON = "زززز"
SENTENCES = ["أعلنت الحكومة اليوم عن خطة جديدة لدعم الاقتصاد الوطني.", "وقال رئيس الوزراء إن الخطة ستبدأ قريبا.",
             "وأكد الوزير أن التعاون مع الدول المجاورة مهم.", "ويواجه الاقتصاد تحديات كبيرة بسبب ارتفاع الأسعار."]


class Workers:
    """A backend with ``width`` workers: ``submit`` runs the batch on a thread (slower for the
    earlier, longer batches, so they finish out of order), failing on the poison word."""

    count_tokens = staticmethod(lambda texts: [len(t) for t in texts])
    max_input_tokens = 10_000
    device, groups_paragraphs, calls = "cpu", False, 0

    def __init__(self, width: int) -> None:
        self.parallel_batches = width
        self.running = self.most = 0
        self.lock = threading.Lock()
        self.submitted: list[list[str]] = []

    def _run(self, batch) -> list[Output]:
        if any(POISON in text for text in batch):
            raise RuntimeError("the model failed")
        return [Output(text=text.upper(), tokens=len(text)) for text in batch]

    def translate(self, batch, *, context=None):
        return self._run(batch)

    def submit(self, batch, *, context=None):
        self.submitted.append(list(batch))
        box: dict = {}
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)

        def work():
            time.sleep(0.002 * len(batch) / (len(self.submitted) or 1))
            try:
                box["out"] = self._run(batch)
            except RuntimeError as exc:
                box["error"] = exc
            with self.lock:
                self.running -= 1

        worker = threading.Thread(target=work)
        worker.start()

        def result():
            worker.join()
            if "error" in box:
                raise box["error"]
            return box["out"]

        return Deferred(result)


def test_batches_are_submitted_ahead_and_taken_in_order_with_failures_bisected():
    model = Workers(width=3)
    stored: list[str] = []
    done: list[int] = []
    stack = BatchingBackend(IsolatingBackend(StoringBackend(model, lambda pairs: stored.extend(t for t, _ in pairs))),
                            batch_tokens=60, on_batch=done.append)
    assert parallel_batches(stack.inner) == 3
    texts = [f"{'ab' * (i % 7 + 1)} {i}" for i in range(40)]
    texts[17] = f"{POISON} 17"
    outputs = stack.translate(texts)
    assert [o.text for o in outputs] == [t.upper() if i != 17 else "" for i, t in enumerate(texts)]
    assert outputs[17].error and "the model failed" in outputs[17].error and stack.inner.failures == 1
    assert model.most <= 2 * 3 and len(model.submitted) > 3
    assert sorted(stored) == sorted(t for i, t in enumerate(texts) if i != 17) and sum(done) == len(texts)
    cut = stack.batches(model.count_tokens(texts), parts=3)
    order = [t for batch in cut for t in (texts[i] for i in batch) if t != texts[17]]
    assert stored == order  # stored batch after batch, in the batching order, as one at a time


def test_a_small_call_is_cut_so_that_every_worker_has_work():
    stack = BatchingBackend(Workers(width=4), batch_tokens=1000)
    lengths = [30, 28, 25, 20, 12, 9, 5]
    assert len(stack.batches(lengths)) == 1
    cut = stack.batches(lengths, parts=4)
    assert len(cut) >= 4 and sorted(i for b in cut for i in b) == list(range(len(lengths)))
    assert len(stack.batches([10, 9], parts=4)) == 2  # never more batches than inputs
    assert [o.text for o in stack.translate(["b", "aaa", "cc"])] == ["B", "AAA", "CC"]


@pytest.mark.parametrize("width", [1, 2])
def test_streamed_requests_start_their_next_round_without_waiting_for_the_others(width):
    """``stream`` (the summary rounds): each request gets its own outputs in its order, a failure
    stays with its request, and a request whose outputs are back sends its next texts while another
    request's first texts are still waiting or decoding (no round synchronisation)."""
    model = Workers(width=width)
    events: list[tuple[str, object]] = []
    submit = model.submit if width > 1 else None
    if submit:
        model.submit = lambda batch, *, context=None: (events.append(("sent", tuple(batch))), submit(batch))[1]
    else:
        real = model.translate
        model.translate = lambda batch, *, context=None: (events.append(("sent", tuple(batch))), real(batch))[1]
    stack = BatchingBackend(IsolatingBackend(model), batch_tokens=40)
    # longest first: "quick" (one long text) is decoded first; "slow" is spread over later batches
    first = {"quick": ["q" * 35], "slow": [f"{'s' * 10} {i}" for i in range(6)], "bad": ["ok", f"{POISON} c"]}
    got: dict[str, list] = {}

    def follow(key, outputs):
        events.append(("back", key))
        got.setdefault(key, []).append([(o.text, o.error is not None) for o in outputs])
        return [f"{key} round two"] if len(got[key]) == 1 else None

    stream(stack, first, follow)
    assert got["quick"] == [[("Q" * 35, False)], [("QUICK ROUND TWO", False)]]
    assert got["slow"][0] == [(t.upper(), False) for t in first["slow"]] and len(got["slow"]) == 2
    assert got["bad"][0] == [("OK", False), ("", True)]  # the poisoned text failed alone, in its place
    second = next(i for i, (what, texts) in enumerate(events) if what == "sent" and "quick round two" in texts)
    assert second < events.index(("back", "slow"))  # quick's round two went out before slow's first was back


def test_a_wrapper_that_only_changes_translate_gets_one_batch_at_a_time():
    class Delegating:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def translate(self, batch, *, context=None):
            return self.inner.translate(batch, context=context)

    assert parallel_batches(Delegating(Workers(width=4))) == 1
    assert parallel_batches(IsolatingBackend(Delegating(Workers(width=4)))) == 1


def test_the_cores_are_shared_out_between_parallel_batches():
    auto = TranslationOptions()
    assert threads(auto, device="cpu", available=2) == threads(auto, device="cpu", available=2)
    assert (threads(auto, device="cpu", available=2).parallel, threads(auto, device="cpu", available=2).per_batch) \
        == (2, 1)
    big = threads(auto, device="cpu", available=32)
    assert big.parallel * big.per_batch == 32 and big.parallel == 8
    assert threads(auto, device="cpu", available=1).parallel == 1
    fixed = threads(TranslationOptions(threads=6, parallel_batches=2), device="cpu", available=64)
    assert (fixed.parallel, fixed.per_batch, fixed.source) == (2, 3, "profile")
    assert threads(TranslationOptions(parallel_batches=16), device="cpu", available=4).parallel == 4
    assert threads(auto, device="cuda", gpus=2, available=8).parallel == 2  # one replica per GPU


def test_parallel_batches_are_validated_in_models_yaml(tmp_path):
    from translate.errors import ConfigError

    config = tmp_path / "models.yaml"
    config.write_text("profiles:\n  p:\n    translation: {parallel_batches: many}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "translation.parallel_batches" in str(caught.value)
    config.write_text("profiles:\n  p:\n    summary: {parallel_batches: 3, threads: 6}\n", encoding="utf-8")
    assert load_config(config).profile().summary.parallel_batches == 3


def write_articles(folder: Path, count: int, poison: set[int]) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        lines = [f"{SENTENCES[(i + j) % len(SENTENCES)][:-1]} رقم {i}{j}." for j in range(2 + i % 4)]
        if i in poison:
            lines.insert(1, f"وقال المتحدث {POISON} إن الاجتماع انتهى.")
        (folder / f"a{i:02d}.txt").write_text("عنوان الخبر رقم %d\n" % i + "\n".join(lines) + "\n", encoding="utf-8")


# timings (the settings hash leaves out parallel_batches, as it leaves out threads: speed, not output)
TIMINGS = {"seconds", "time", "timings", "started", "finished", "created", "elapsed", "run_id", "duration"}


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def run(profile, folder: Path, out: Path, parallel: int):
    """A batch with ``parallel`` batches at once on 2 cores, for translation and summaries; the
    translation model fails on any batch holding the poison word."""
    def poisoned(options, *, role):
        backend = load_backend(options, role=role)
        assert backend.parallel_batches == parallel and backend.threads == 2
        real = backend._checked

        def checked(batch):
            if any(POISON in text for text in batch):
                raise RuntimeError("the model failed")
            return real(batch)

        backend._checked = checked
        return backend

    changed = dataclasses.replace(profile, **{role: dataclasses.replace(getattr(profile, role), threads=2,
                                                                        parallel_batches=parallel, batch_tokens=64)
                                              for role in ("translation", "summary")})
    return run_batch(profile=changed, run=RunOptions(input=folder, out=out, reuse_translations=False),
                     loader=poisoned)


def test_parallel_batches_give_the_same_records_as_one_at_a_time(tmp_path, tiny_models):
    profile = load_config(tiny_models).profile()  # tiny MarianMT + tiny BART summaries, both CTranslate2
    write_articles(tmp_path / "in", 8, poison={5})
    reports = {p: run(profile, tmp_path / "in", tmp_path / f"out{p}", p) for p in (1, 2)}
    for report in reports.values():
        assert list(report.failed) == ["a05.txt"] and len(report.done) == 7
    records = sorted(p.name for p in (tmp_path / "out1").glob("a*.json"))
    assert len(records) == 7
    for name in records:
        serial, parallel = ((tmp_path / f"out{p}" / name).read_bytes() for p in (1, 2))
        if serial != parallel:  # only timings may differ
            assert without_timings(json.loads(serial)) == without_timings(json.loads(parallel)), name
    manifests = [json.loads((tmp_path / f"out{p}" / "manifest.json").read_text(encoding="utf-8")) for p in (1, 2)]
    assert [m["files"]["a05.txt"]["error"] for m in manifests][0] == manifests[1]["files"]["a05.txt"]["error"]
    assert "segment p3.s1" in manifests[0]["files"]["a05.txt"]["error"]["reason"]

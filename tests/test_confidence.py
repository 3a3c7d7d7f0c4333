"""The model's confidence through the run (issue 20): recorded per machine sentence (token-weighted
over a split sentence's pieces) and per article, kept by translation-memory hits, the
``low_confidence`` flag at the profile's threshold, the least confident first in ``review
--worst`` and ``review status``, and carried by the TSV, XLIFF and review page. Reviewed
translations of similar sentences come back as suggestions. The backends' own log-probabilities
are tested with the backends; here a wrapper gives each output a known one."""

from __future__ import annotations

import csv
import dataclasses
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.support.helpers import load, run_cli
from translate import load_config
from translate.backends import load_backend
from translate.backends.base import Output
from translate.backends.wrappers import Wrapper
from translate.record import Human, human_key
from translate.runners import run_batch
from translate.runners.plan import RunOptions
from translate.stages.align import _translation
from translate.stages.suggest import SuggestionIndex

UNSURE = "مجهول"  # a word the scoring wrapper makes the model unsure of


class Scored(Wrapper):
    """The real model, each output given a log-probability: -0.1 per token, -3 per token when the
    source holds ``UNSURE``."""

    def translate(self, batch, *, context=None):
        outputs = self.inner.translate(batch, context=context)
        return [dataclasses.replace(o, logprob=(-3.0 if UNSURE in text else -0.1) * o.tokens)
                for text, o in zip(batch, outputs)]


def scored_loader(options, *, role):
    backend = load_backend(options, role=role)
    return Scored(backend) if role == "translation" else backend


def write_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("قال الوزير إن المحادثات كانت مثمرة جدا.\n"
                                  f"وأضاف أن الوضع {UNSURE} تماما في المنطقة.\n", encoding="utf-8")
    (folder / "b.txt").write_text("أعلنت الحكومة عن خطة جديدة لدعم الاقتصاد.\n", encoding="utf-8")
    return folder


def profile(tiny_models, threshold: float | None = 0.5):
    chosen = load_config(tiny_models).profile("tiny-extractive")
    return dataclasses.replace(chosen, translation=dataclasses.replace(chosen.translation, low_confidence=threshold))


def machine(record: dict) -> list[dict]:
    return [s for p in record["paragraphs"] for s in p["sentences"]
            if not s.get("copied") and s.get("origin") != "human"]


def test_confidence_recorded_flagged_kept_by_the_memory_and_shown(tmp_path, tiny_models):
    folder = write_folder(tmp_path / "in")
    out = tmp_path / "out"
    run = RunOptions(input=folder, out=out)
    run_batch(profile=profile(tiny_models), run=run, loader=scored_loader)
    record = load(out / "a.json")
    sure, unsure = machine(record)[-2:]
    assert math.isclose(sure["confidence"], math.exp(-0.1), abs_tol=1e-3) and sure["logprob"] == -0.1
    assert math.isclose(unsure["confidence"], math.exp(-3.0), abs_tol=1e-3)
    assert "low_confidence" in unsure["flags"] and "low_confidence" not in sure["flags"]
    assert (record["confidence"]["min"] == round(math.exp(-3.0), 4)
            and "geometric-mean" in record["confidence"]["measure"])
    assert record["provenance"]["low_confidence"] == 0.5
    # a re-run answered by the memory (only the summary changed) keeps every confidence
    changed = profile(tiny_models)
    changed = dataclasses.replace(changed, summary=dataclasses.replace(changed.summary, sentences=1))
    again = run_batch(profile=changed, run=run, loader=scored_loader)
    assert again.translation_calls == 0 and again.memory_hits > 0
    assert [s.get("confidence") for s in machine(load(out / "a.json"))] == [
        s.get("confidence") for s in machine(record)]
    # views: TSV column, XLIFF note and state, the page's data and legend
    rows = list(csv.DictReader((out / "a.tsv").read_text(encoding="utf-8").splitlines(), dialect="excel-tab"))
    assert {r["id"]: r["confidence"] for r in rows}[unsure["id"]] == f"{math.exp(-3):.3f}"
    run_cli("batch", folder, "--out", out, "--config", tiny_models, "--formats", "xliff,html", "--force")
    page = (out / "a.html").read_text(encoding="utf-8")
    assert "Next least confident" in page and 'data-confidence="' in page


def test_worst_first_in_review_and_status(tmp_path, tiny_models):
    folder = write_folder(tmp_path / "in")
    out = tmp_path / "out"
    run_batch(profile=profile(tiny_models), run=RunOptions(input=folder, out=out), loader=scored_loader)
    result = run_cli("review", out, "--worst", "2")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line[:1].isdigit()]
    assert lines[0].startswith(f"{math.exp(-3):.3f}  a.txt") and len(lines) == 2
    from translate.review.status import review_status

    report = review_status(out)
    assert report.articles[0].article == "a.txt" and report.articles[0].low_confidence == 1


def test_split_sentence_confidence_is_token_weighted():
    from translate.stages.align import Segment

    parts = [Segment(0, 0, (0, 5), "أ", "أ"), Segment(0, 0, (5, 9), "ب", "ب")]
    outputs = {"أ": Output("a", 3, logprob=-0.3), "ب": Output("b", 1, logprob=-2.0)}
    found = _translation(parts, outputs)
    assert math.isclose(found["logprob"], (-0.3 - 2.0) / 4, abs_tol=1e-4)
    assert "confidence" not in _translation(parts, {**outputs, "ب": Output("b", 1)})  # one piece unknown: unknown


def test_reviewed_translations_are_offered_for_similar_sentences():
    reviewed = "قال وزير الخارجية إن المحادثات مع الوفد الروسي كانت مثمرة"
    index = SuggestionIndex({human_key(reviewed): Human("The talks were fruitful, the minister said.", "Layla",
                                                        "2026-01-01T00:00:00+00:00", "f", reviewed)})
    one_word = "قال وزير الخارجية إن المحادثات مع الوفد الصيني كانت مثمرة"
    found = index.suggest(one_word)
    assert found and found[0]["target"].startswith("The talks") and 0.8 <= found[0]["similarity"] < 1
    assert index.suggest("أعلنت الحكومة عن خطة جديدة لدعم الاقتصاد الوطني") == []
    assert index.suggest(reviewed) == []  # an exact match is the reviewer's translation, not a suggestion


def test_suggestions_reach_the_record_and_the_xliff(tmp_path, tiny_models):
    from translate.memory import TranslationMemory

    folder = write_folder(tmp_path / "in")
    out = tmp_path / "out"
    reviewed = "قال الوزير إن المحادثات كانت مثمرة للغاية."
    memory = TranslationMemory(out / "translation-memory.sqlite")
    memory.store_human([(human_key(reviewed), Human("The minister said the talks were very fruitful.", "Layla",
                                                    "2026-01-01T00:00:00+00:00", "f", reviewed))])
    memory.close()
    chosen = dataclasses.replace(profile(tiny_models), output=dataclasses.replace(profile(tiny_models).output,
                                                                                  formats=("xliff",)))
    run_batch(profile=chosen, run=RunOptions(input=folder, out=out), loader=scored_loader)
    first = machine(load(out / "a.json"))[0]
    assert first["suggestions"][0]["target"] == "The minister said the talks were very fruitful."
    root = ET.fromstring((out / "a.xliff").read_text(encoding="utf-8"))
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    unit = root.find(f".//x:trans-unit[@id='{first['id']}']", ns)
    alt = unit.find("x:alt-trans", ns)
    assert alt is not None and 80 <= int(alt.get("match-quality")) < 100
    assert alt.find("x:target", ns).text == "The minister said the talks were very fruitful."
    assert any(n.get("from") == "developer" and n.text.startswith("confidence ") for n in unit.findall("x:note", ns))
    from lxml import etree

    from tests.test_xliff import schema

    xsd = schema()
    assert xsd.validate(etree.parse(str(out / "a.xliff"))), str(xsd.error_log)  # strict XLIFF 1.2, alt-trans and all


def test_calibration_correlates_confidence_with_sentence_chrf_and_suggests_a_threshold():
    from translate.evaluation.calibration import calibrate, ranks

    assert ranks([3.0, 1.0, 2.0, 2.0]) == [4.0, 1.0, 2.5, 2.5]
    references = [f"the minister met the delegation number {i} today" for i in range(20)]
    hypotheses = [r if i % 2 else "completely unrelated words here" for i, r in enumerate(references)]
    confidences = [0.9 if i % 2 else 0.2 for i in range(20)]
    found = calibrate(confidences, hypotheses, references)
    assert found.sentences == 20 and found.pearson > 0.9 and found.spearman > 0.8
    assert found.threshold == 0.2 and found.share == 0.1
    assert calibrate([None] * 3, hypotheses[:3], references[:3]).pearson is None

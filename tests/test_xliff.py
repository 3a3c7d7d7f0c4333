"""The XLIFF 1.2 view: structure and states, valid against the OASIS XLIFF 1.2 strict schema
(vendored in tests/fixtures/xliff, validated with lxml), and read back by translate-toolkit in its
own environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support import required
from tests.support.helpers import load, run_cli
from translate.backends.base import Output
from translate.outputs.xliff import XLIFF_NS, render_xliff
from translate.reading.files import read_document
from translate.record import Human, human_key
from translate.stages.align import assemble, plan
from translate.text.segment import segment

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = FIXTURES / "xliff" / "xliff-core-1.2-strict.xsd"
TTK_PYTHON = Path(os.environ.get("TRANSLATE_TTK_PYTHON", ROOT / ".venv-ttk" / "bin" / "python"))
HOSTILE = ('عنوان فيه <b>وسم</b>\n\nنشر الموقع <script>document.title="pwned"</script> و<img src=x onerror=alert(1)> '
           'في الخبر & "اقتباس" \'مفرد\'.\n\nوقال لافروف إن الحوار مهم.\n')
NS = {"x": XLIFF_NS}
OBSERVERS = "Observers\x01 see this visit as an important step for relations between both"
REVIEWED = Human("Dr. Ahmed Ali, an expert in economics, said the new agreement will enter into force on 11.03.2024, "
                 "and its text can be read on www.example.com or requested from info@example.org.", "Rania",
                 "2025-02-01T10:00:00+00:00", "/tmp/review.json")


def english(text: str) -> str:
    """Plausible machine English for the tests: the source's numbers, about its length, no loops."""
    numbers = re.findall(r"\d+(?:[.,]\d+)*", text)
    return " ".join(numbers + [f"w{i}" for i in range(max(1, len(text) // 5))])


def build_record(path: Path, *, human: dict | None = None, outputs: dict[str, Output] | None = None) -> dict:
    """An article record made by the real stages with made-up machine output; ``outputs``
    overrides the output of some sentences, by sentence id."""
    doc = segment(read_document(path))
    segments = plan(doc, count=lambda texts: [len(t.split()) for t in texts], budget=64, human=human or {})
    made = {s.model_input: Output(english(s.model_input), 5) for s in segments if s.model_input}
    for seg in segments:
        override = (outputs or {}).get(f"p{seg.block + 1}.s{seg.sentence + 1}")
        if override and seg.model_input:
            made[seg.model_input] = override
    paragraphs = assemble(doc, segments, made, human=human)
    return {"schema": "translate.article/1",
            "source": {"path": path.name, "sha256": doc.sha256, "encoding": doc.encoding, "format": doc.format,
                       "characters": len(doc.text)},
            "source_lang": "ar", "target_lang": "en", "title": doc.title,
            "title_target": next((p["target"] for p in paragraphs if p["kind"] == "title"), None), "date": doc.date,
            "summary": {"text": "", "method": "none", "model": None, "sentences": []}, "paragraphs": paragraphs,
            "provenance": {"signature": "translate:0.1.0|mt:test", "tool": {"name": "translate", "version": "0.1.0"},
                           "translation": {"model": "test", "backend": "test"}, "created": "2025-02-03T04:05:06+00:00"}}


def sentences(record: dict) -> list[dict]:
    return [s for p in record["paragraphs"] for s in p["sentences"]]


@pytest.fixture(scope="module")
def built() -> dict:
    """article_full.txt with a human translation (p5.s1), a hit_limit (p4.s3), an empty output (p7.s2)
    and a character XML cannot carry (p8.s1)."""
    source = next(s for s in sentences(build_record(FIXTURES / "article_full.txt")) if s["id"] == "p5.s1")["source"]
    return build_record(FIXTURES / "article_full.txt", human={human_key(source): REVIEWED}, outputs={
        "p4.s3": Output("The minister stressed that trade reached 1.8 billion dollars in 2023, noting that "
                        "relations between the two countries are strong", 30, hit_limit=True),
        "p7.s2": Output("", 0), "p8.s1": Output(OBSERVERS, 12)})


@pytest.fixture(scope="module")
def pipeline_records(tmp_path_factory, tiny_models) -> list[dict]:
    """Records of a real batch (tiny models): plain text, Markdown, a web page, hostile markup."""
    folder = tmp_path_factory.mktemp("xliff-in")
    for name, as_name in (("article_full.txt", "article_full.txt"), ("article.md", "article.md"),
                          ("article.html", "page.html")):
        (folder / as_name).write_bytes((FIXTURES / name).read_bytes())
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path_factory.mktemp("xliff-out")
    result = run_cli("batch", folder, "--out", out, "--config", tiny_models, "--formats", "tsv")
    assert result.exit_code == 0, result.output
    return [load(out / f"{stem}.json") for stem in ("article_full", "article", "page", "hostile")]


def schema():
    from lxml import etree

    class Local(etree.Resolver):
        def resolve(self, url, pubid, context):  # the schema imports the W3C xml.xsd: use the vendored copy
            if url.endswith("xml.xsd"):
                return self.resolve_filename(str(SCHEMA.parent / "xml.xsd"), context)
            return None

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(str(SCHEMA), parser))


def test_units_groups_states_and_notes(built):
    root = ET.fromstring(render_xliff(built))
    assert root.tag == f"{{{XLIFF_NS}}}xliff" and root.get("version") == "1.2"
    file = root.find("x:file", NS)
    assert {k: file.get(k) for k in ("original", "source-language", "target-language", "datatype")} == {
        "original": "article_full.txt", "source-language": "ar", "target-language": "en", "datatype": "plaintext"}
    assert file.find("x:header/x:tool", NS).get("tool-version") == "0.1.0"
    groups = file.findall("x:body/x:group", NS)
    assert [(g.get("id"), g.get("restype"), g.get("resname")) for g in groups] == [
        ("p1", "x-chrome", None), ("p2", "x-title", None), ("p3", "x-date", None), ("p4", "x-body", None),
        ("p5", "x-body", None), ("p6", "x-heading", None), ("p7", "x-body", None), ("p8", "x-body", None),
        ("p9", "x-heading", None), ("p10", "x-body", None), ("p11", "x-meta", "series"), ("p12", "x-meta", "photo"),
        ("p13", "x-meta", "source")]
    units = {u.get("id"): u for u in file.iter(f"{{{XLIFF_NS}}}trans-unit")}
    assert list(units) == [s["id"] for s in sentences(built)]
    state = {sid: u.find("x:target", NS).get("state") for sid, u in units.items()}
    assert state == {**{s["id"]: "translated" for s in sentences(built)}, "p1.s1": "final", "p5.s1": "final",
                     "p4.s3": "needs-review-translation", "p7.s2": "needs-review-translation"}
    assert units["p1.s1"].get("translate") == "no" and units["p1.s1"].find("x:target", NS).text == "Ru En"
    assert [u for u, e in units.items() if e.get("translate") == "no"] == ["p1.s1"]
    assert [u for u, e in units.items() if e.get("approved") == "yes"] == ["p1.s1", "p5.s1"]
    assert units["p5.s1"].find("x:target", NS).text == REVIEWED.text
    assert units["p5.s1"].find("x:target", NS).get("state-qualifier") is None
    assert units["p2.s1"].find("x:target", NS).get("state-qualifier") == "leveraged-mt"
    notes = {sid: [n.text for n in u.findall("x:note", NS)] for sid, u in units.items()}
    assert notes["p4.s3"] == ["hit_limit: hit the generation length limit (possibly cut off)"]
    assert notes["p7.s2"] == ["empty: no English for Arabic text"]
    assert notes["p5.s1"] == ["human translation by Rania (2025-02-01T10:00:00+00:00)"]
    assert notes["p1.s1"] == ["no Arabic text: carried over untranslated"]
    assert sum(1 for n in notes.values() if n) == 4
    assert units["p8.s1"].find("x:target", NS).text == OBSERVERS.replace("\x01", "\ufffd")


def test_valid_against_the_xliff_1_2_strict_schema(built, pipeline_records):
    from lxml import etree

    xsd = schema()
    for record in [built, *pipeline_records]:
        document = etree.fromstring(render_xliff(record).encode("utf-8"))
        assert xsd.validate(document), (record["source"]["path"], str(xsd.error_log))
    broken = etree.fromstring(render_xliff(built).replace('state="translated"', 'state="done"', 1).encode("utf-8"))
    assert not xsd.validate(broken)  # the schema does check: an unknown state is rejected
    assert "state" in str(xsd.error_log)


TTK_READER = """import json, sys
from translate.storage import xliff
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as fh:
        store = xliff.xlifffile(fh)
    out.append({"languages": [store.getsourcelanguage(), store.gettargetlanguage()],
                "units": [[u.getid(), u.source, u.target, u.get_state_n(), u.isapproved(), u.istranslatable(),
                           u.getnotes()] for u in store.units]})
print(json.dumps(out, ensure_ascii=False))
"""


def ttk(script: str, *args: str) -> str:
    if not TTK_PYTHON.exists():
        required(f"translate-toolkit at {TTK_PYTHON}", "bash scripts/test.sh sets it up")
    done = subprocess.run([str(TTK_PYTHON), "-c", script, *args], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    return done.stdout


def expected_units(record: dict) -> list[list]:
    """What translate-toolkit must read: its id (file original + \\x04 + unit id), source, target,
    state number (80 needs review, 100 translated, 121 final and approved), approved, translatable, notes."""
    from translate.record import CONFIDENCE_MEASURE, FLAGS

    units = []
    for s in sentences(record):
        human, copied, flags = s.get("origin") == "human", bool(s.get("copied")), s.get("flags", [])
        state = 121 if human or copied else 80 if flags else 100
        notes = [f"{f}: {FLAGS[f]}" for f in flags]
        notes += [f"human translation by {s['reviewer']} ({s['reviewed']})"] if human else []
        notes += [f"confidence {s['confidence']:.3f} ({CONFIDENCE_MEASURE})"] if "confidence" in s and not (
            human or copied) else []
        notes += ["no Arabic text: carried over untranslated"] if copied else []
        units.append([f"{record['source']['path']}\x04{s['id']}", s["source"], s["target"].replace("\x01", "\ufffd"),
                      state, human or copied, not copied, "\n".join(notes)])
    return units


def test_translate_toolkit_reads_ids_sources_targets_states_and_notes(built, pipeline_records, tmp_path):
    records = [built, *pipeline_records]
    paths = []
    for n, record in enumerate(records):
        paths.append(tmp_path / f"{n}.xlf")
        paths[-1].write_text(render_xliff(record), encoding="utf-8")
    read = json.loads(ttk(TTK_READER, *map(str, paths)))
    for record, store in zip(records, read):
        assert store["languages"] == ["ar", "en"]
        assert store["units"] == expected_units(record), record["source"]["path"]
    states = [u[3] for store in read for u in store["units"]]
    assert {states.count(80) > 0, states.count(100) > 0, states.count(121) > 0} == {True}

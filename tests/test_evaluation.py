"""``translate.evaluation``: reference readers (TSV, TMX, FLORES-style pairs), their errors, scores
equal to sacrebleu's own command line, and the report."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from translate.errors import ReferencesError, UsageError
from translate.evaluation import (
    EvalResult,
    References,
    Scores,
    arabic_share,
    as_json,
    load_references,
    render_table,
    score,
)

AR = ["قال الوزير إن المحادثات ستستأنف غدا.", "ارتفعت الأسعار بنسبة 5 في المئة.", "وصل الوفد إلى موسكو مساء الأحد."]
EN = ["The minister said the talks would resume tomorrow.", "Prices rose by 5 percent.",
      "The delegation arrived in Moscow on Sunday evening."]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def tmx(body: str, doctype: str = '<!DOCTYPE tmx SYSTEM "tmx14.dtd">') -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n<tmx version="1.4">\n'
            '<header creationtool="OmegaT" creationtoolversion="6.0" segtype="sentence" o-tmf="OmegaT TMX" '
            'adminlang="EN-US" srclang="AR" datatype="plaintext"/>\n'
            f'<body>\n{body}\n</body>\n</tmx>\n')


def raises(paths, *fragments: str) -> str:
    with pytest.raises(ReferencesError) as info:
        load_references(paths)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "fix: " in message
    assert isinstance(info.value, UsageError)
    return message


# --- TSV ---------------------------------------------------------------------------------------

def test_tsv_with_bom_header_blank_lines_and_crlf(tmp_path):
    text = "source\treference\r\n\r\n" + "".join(f"{a}\t{e}\r\n\n" for a, e in zip(AR, EN)) + "\n\n"
    path = write(tmp_path / "refs.tsv", "\ufeff" + text)
    refs = load_references([path])
    assert refs.sources == tuple(AR)
    assert refs.references == tuple(EN)
    assert len(refs) == 3
    assert refs.origin == f"{path} (TSV, 3 pairs)"


def test_tsv_without_header_and_spreadsheet_quoting(tmp_path):
    path = write(tmp_path / "refs.txt", f'{AR[0]}\t"He said ""no"" twice."\n{AR[1]}\t"Quoted as written."\n')
    refs = load_references([path])  # .txt with tabs is read as TSV
    assert refs.sources == (AR[0], AR[1])
    assert refs.references == ('He said "no" twice.', '"Quoted as written."')


def test_several_files_are_read_in_order(tmp_path):
    first = write(tmp_path / "a.tsv", f"{AR[0]}\t{EN[0]}\n")
    second = write(tmp_path / "b.tmx", tmx(f'<tu><tuv xml:lang="ar"><seg>{AR[1]}</seg></tuv>'
                                         f'<tuv xml:lang="en"><seg>{EN[1]}</seg></tuv></tu>'))
    refs = load_references([first, second])
    assert refs.sources == (AR[0], AR[1])
    assert refs.references == (EN[0], EN[1])
    assert refs.origin == f"{first} (TSV, 1 pairs), {second} (TMX, 1 pairs)"


@pytest.mark.parametrize("line, columns", [(f"{AR[1]}\t{EN[1]}\textra", 3), (f"{AR[1]}\t{EN[1]}\t", 3),
                                           (f"{AR[1]} {EN[1]}", 1)])
def test_tsv_wrong_column_count_names_the_line(tmp_path, line, columns):
    path = write(tmp_path / "refs.tsv", f"source\treference\n{AR[0]}\t{EN[0]}\n\n{line}\n")
    raises([path], f"{path}:4: {columns} columns, expected 2", "exactly one tab")


def test_tsv_empty_reference_and_empty_file(tmp_path):
    path = write(tmp_path / "refs.tsv", f"{AR[0]}\t{EN[0]}\n{AR[1]}\t  \n")
    raises([path], f"{path}:2: the English reference is empty")
    empty = write(tmp_path / "empty.tsv", "\ufeffsource\treference\n\n")
    raises([empty], f"{empty}: has no source<TAB>reference line")


def test_tsv_swapped_or_non_arabic_columns(tmp_path):
    swapped = write(tmp_path / "swapped.tsv", "".join(f"{e}\t{a}\n" for a, e in zip(AR, EN)))
    raises([swapped], f"{swapped}: the second column is Arabic and the first column is not", "Arabic source first")
    english = write(tmp_path / "english.tsv", "".join(f"{e}\t{e}\n" for e in EN))
    raises([english], "the first column is 0% Arabic script")


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path / "refs.tsv", f"{AR[0]}\t{EN[0]}\n{AR[1]}\t{EN[1]}\n", encoding="cp1256")
    raises([path], f"{path}:1: is not UTF-8", "save the file as UTF-8")
    mixed = tmp_path / "mixed.tsv"
    mixed.write_bytes(f"{AR[0]}\t{EN[0]}\n".encode() + f"{AR[1]}\t{EN[1]}\n".encode("cp1256"))
    raises([mixed], f"{mixed}:2: is not UTF-8")


# --- TMX ---------------------------------------------------------------------------------------

def test_tmx_languages_inline_codes_and_whitespace(tmp_path, caplog):
    body = f"""
<tu tuid="1"><prop type="x-article">a.txt</prop>
  <tuv xml:lang="ar-SA"><seg>{AR[0]}</seg></tuv>
  <tuv xml:lang="en-US"><seg>The <bpt i="1" x="1">&lt;b&gt;</bpt>minister<ept i="1">&lt;/b&gt;</ept> said
      the talks<ph x="2">&lt;br/&gt;</ph> would <hi type="x">resume</hi> tomorrow.</seg></tuv>
</tu>
<tu><tuv lang="ARA"><seg>{AR[1]}</seg></tuv>
    <tuv lang="eng"><seg>Prices rose by <it pos="begin">{{1}}</it>5 percent.</seg></tuv></tu>
<tu><tuv xml:lang="fr"><seg>Bonjour</seg></tuv><tuv xml:lang="en"><seg>Hello</seg></tuv></tu>
<tu><tuv xml:lang="EN"><seg>{EN[2]}</seg></tuv><tuv xml:lang="ar"><seg>{AR[2]}</seg></tuv>
    <tuv xml:lang="en-GB"><seg>A second English variant.</seg></tuv></tu>
"""
    path = write(tmp_path / "memory.tmx", tmx(body))
    with caplog.at_level(logging.WARNING, logger="translate"):
        refs = load_references([path])
    assert refs.sources == tuple(AR)
    assert refs.references == tuple(EN)
    assert refs.origin == f"{path} (TMX, 3 pairs)"
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: 1 translation unit(s) without both an Arabic and an English variant skipped"]


def test_tmx_in_utf16_without_tmx_extension(tmp_path):
    text = tmx(f'<tu><tuv xml:lang="ar"><seg>{AR[0]}</seg></tuv><tuv xml:lang="en"><seg>{EN[0]}</seg></tuv></tu>')
    path = tmp_path / "memory.xml"
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    refs = load_references([path])
    assert (refs.sources, refs.references) == ((AR[0],), (EN[0],))


def test_tmx_written_by_the_batch_reads_back(tmp_path):
    from translate.outputs.tabular import render_tmx

    provenance = {"tool": {"version": "0.1.0"}, "created": "2026-01-01T00:00:00+00:00"}
    record = {"source": {"path": "a.txt"}, "provenance": provenance, "paragraphs": [
        {"id": "p1", "kind": "body", "sentences": [
            {"id": f"p1.s{i}", "source": a, "target": e, "flags": []} for i, (a, e) in enumerate(zip(AR, EN), 1)]
         + [{"id": "p1.s9", "source": "CNN", "target": "CNN", "copied": True}]}]}
    path = write(tmp_path / "a.tmx", render_tmx(record))
    refs = load_references([path])
    assert (refs.sources, refs.references) == (tuple(AR), tuple(EN))


def test_tmx_without_arabic_side(tmp_path):
    path = write(tmp_path / "fr.tmx", tmx('<tu><tuv xml:lang="fr-FR"><seg>Bonjour</seg></tuv>'
                                          '<tuv xml:lang="en"><seg>Hello</seg></tuv></tu>'))
    raises([path], f"{path}: no translation unit has both an Arabic", "languages found: en, fr")


def test_tmx_empty_segment_names_the_line(tmp_path):
    path = write(tmp_path / "m.tmx", tmx(f'<tu>\n<tuv xml:lang="ar"><seg>{AR[0]}</seg></tuv>\n'
                                         '<tuv xml:lang="en"><seg> <ph>&lt;x/&gt;</ph> </seg></tuv>\n</tu>'))
    raises([path], f"{path}:8: the English segment of this <tu> is empty")


def test_malformed_xml_names_the_line(tmp_path):
    path = write(tmp_path / "bad.tmx", tmx(f'<tu><tuv xml:lang="ar"><seg>{AR[0]}</seg></tuv>\n'
                                           f'<tuv xml:lang="en"><seg>{EN[0]}</tuv></tu>'))
    raises([path], f"{path}:7: not well-formed XML", "fix the XML at that line")
    unit = f'<tu><tuv xml:lang="ar"><seg>{AR[0]}</seg></tuv><tuv xml:lang="en"><seg>a&nbsp;b</seg></tuv></tu>'
    undefined = write(tmp_path / "entity.tmx", tmx(unit, doctype=""))
    raises([undefined], f"{undefined}:6: not well-formed XML: Entity 'nbsp' not defined")
    with_dtd = write(tmp_path / "dtd.tmx", tmx(unit))  # an external DTD that is not read: kept as a node
    raises([with_dtd], f"{with_dtd}:6: uses the undefined entity &nbsp;", "&#160;")


def test_not_a_tmx_root(tmp_path):
    path = write(tmp_path / "page.tmx", '<?xml version="1.0"?>\n<html><body/></html>\n')
    raises([path], f"{path}:2: the root element is <html>, not <tmx>")


def test_external_entity_is_never_resolved(tmp_path):
    secret = write(tmp_path / "secret.txt", "TOP-SECRET-CONTENT")
    doctype = (f'<!DOCTYPE tmx SYSTEM "tmx14.dtd" [\n  <!ENTITY xxe SYSTEM "{secret.as_uri()}">\n'
               '  <!ENTITY lol "lol">\n]>')
    path = write(tmp_path / "xxe.tmx", tmx(f'<tu><tuv xml:lang="ar"><seg>{AR[0]} &xxe;</seg></tuv>'
                                           '<tuv xml:lang="en"><seg>Hello &xxe; &lol;</seg></tuv></tu>', doctype))
    message = raises([path], f"{path}: declares XML entities (xxe, lol)", "remove the <!ENTITY")
    assert "TOP-SECRET" not in message


# --- FLORES-style pairs --------------------------------------------------------------------------

@pytest.mark.parametrize("names", [("arb_Arab.devtest", "eng_Latn.devtest"), ("news.ar", "news.en")])
def test_pair_in_either_order(tmp_path, names):
    source = write(tmp_path / names[0], "\n".join(AR) + "\n")
    reference = write(tmp_path / names[1], "\ufeff" + "\r\n".join(EN) + "\r\n\r\n")
    forward = load_references([source, reference])
    backward = load_references([reference, source])
    assert forward == backward
    assert forward.sources == tuple(AR)
    assert forward.references == tuple(EN)
    assert forward.origin == f"{source} + {reference} (line-aligned pair, source {source}, 3 pairs)"


def test_pair_blank_lines(tmp_path):
    source = write(tmp_path / "x.ar", f"{AR[0]}\n\n{AR[1]}\n")
    reference = write(tmp_path / "x.en", f"{EN[0]}\n\n{EN[1]}\n")
    assert load_references([source, reference]).references == (EN[0], EN[1])
    gap = write(tmp_path / "y.ar", f"{AR[0]}\n\n{AR[1]}\n")
    full = write(tmp_path / "y.en", f"{EN[0]}\n{EN[1]}\n{EN[2]}\n")
    raises([gap, full], f"{gap}:2: is empty but line 2 of {full} is not", "fill in the line or delete it in both")


def test_pair_with_different_line_counts(tmp_path):
    source = write(tmp_path / "arb_Arab.devtest", "\n".join(AR) + "\n")
    reference = write(tmp_path / "eng_Latn.devtest", "\n".join(EN[:2]) + "\n")
    raises([reference, source], f"{source}:3: {reference} ends after line 2 but this file goes on (3 lines)",
           "not line-aligned")


def test_pair_needs_one_arabic_file(tmp_path):
    first = write(tmp_path / "a.en", "\n".join(EN))
    second = write(tmp_path / "b.en", "\n".join(EN))
    raises([first, second], f"Arabic script share: {first} 0%, {second} 0%")
    arabic = write(tmp_path / "c.ar", "\n".join(AR))
    raises([arabic, write(tmp_path / "d.ar", "\n".join(AR))], f"{arabic} 100%")


def test_path_errors(tmp_path):
    raises([], "no reference file given")
    raises([tmp_path / "missing.tsv"], f"{tmp_path / 'missing.tsv'}: no such file")
    raises([tmp_path], f"{tmp_path}: not a file")
    plain = write(tmp_path / "one.ar", "\n".join(AR))
    raises([plain], f"{plain}: has no tab on its first line", "exactly two")
    tsv = write(tmp_path / "refs.tsv", f"{AR[0]}\t{EN[0]}\n")
    raises([plain, tsv], f"{plain}: has no tab")


def test_arabic_share():
    assert arabic_share("abc") == 0.0
    assert arabic_share("قال") == 1.0
    assert arabic_share("قال CNN 2024") == 0.5
    assert arabic_share("123 ...") == 0.0


# --- scoring ------------------------------------------------------------------------------------

def sacrebleu_cli(reference: Path, hypothesis: Path) -> list[dict]:
    script = Path(sys.executable).parent / "sacrebleu"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "sacrebleu"]
    done = subprocess.run(command + [str(reference), "-i", str(hypothesis), "-m", "bleu", "chrf",
                                     "--chrf-word-order", "2", "--width", "10"],
                          capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout)


HYPOTHESES = ["The minister said that talks will resume tomorrow.", "Prices went up 5%.",
              "The delegation reached Moscow Sunday evening.  ", "", "Déjà vu — “quoted” text, 1,250 people.",
              "the minister said the talks would resume tomorrow"]
REFERENCES = EN + ["No output at all.", "Déjà vu: “quoted” text, 1,250 people.",
                   "The minister said the talks would resume tomorrow."]


def test_score_equals_sacrebleu_command_line(tmp_path):
    references = load_references([write(tmp_path / "refs.tsv", "".join(
        f"{AR[i % 3]}\t{r}\n" for i, r in enumerate(REFERENCES)))]).references
    ref_file = write(tmp_path / "ref.en", "\n".join(references) + "\n")
    hyp_file = write(tmp_path / "hyp.en", "\n".join(HYPOTHESES) + "\n")
    bleu, chrf = sacrebleu_cli(ref_file, hyp_file)
    ours = score(HYPOTHESES, references)
    assert (bleu["name"], chrf["name"]) == ("BLEU", "chrF2++")
    assert f"{ours.bleu:.10f}" == f"{bleu['score']:.10f}"
    assert f"{ours.chrf:.10f}" == f"{chrf['score']:.10f}"
    assert ours.bleu_signature == bleu["signature"]
    assert ours.chrf_signature == chrf["signature"]
    assert ours.bleu_signature.startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    assert ours.chrf_signature.startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:")
    assert ours.sentences == 6
    assert 0 < ours.bleu < 100 and 0 < ours.chrf < 100


def test_score_by_hand():
    same = score(EN, EN)
    assert (round(same.bleu, 10), round(same.chrf, 10), same.sentences) == (100.0, 100.0, 3)
    disjoint = score(["xyz qqq"], ["abc def"])
    assert (disjoint.bleu, disjoint.chrf) == (0.0, 0.0)


def test_score_rejects_mismatched_or_empty_input():
    with pytest.raises(ValueError, match="2 hypotheses for 1 references"):
        score(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="nothing to score"):
        score([], [])


# --- report -------------------------------------------------------------------------------------

SIG_BLEU = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
SIG_CHRF = "nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0"


def results() -> list[EvalResult]:
    return [
        EvalResult("quality", "Helsinki-NLP/opus-mt-tc-big-ar-en", "ctranslate2",
                   Scores(42.649, 63.04, SIG_BLEU, SIG_CHRF, 3), seconds=4.0, target_tokens=1000, sentences=3),
        EvalResult("default", "./models/a|b", "transformers",
                   Scores(33.95, 58.2, SIG_BLEU, SIG_CHRF, 3), seconds=0.0, target_tokens=10, sentences=3),
    ]


def test_render_table():
    assert render_table(results()) == (
        "| profile | model | backend | BLEU | chrF++ | target tok/s | seconds | sentences |\n"
        "|---|---|---|---:|---:|---:|---:|---:|\n"
        "| quality | Helsinki-NLP/opus-mt-tc-big-ar-en | ctranslate2 | 42.6 | 63.0 | 250.0 | 4.00 | 3 |\n"
        "| default | ./models/a\\|b | transformers | 34.0 | 58.2 | - | 0.00 | 3 |\n"
        "\n"
        f"BLEU signature: {SIG_BLEU}\n"
        f"chrF++ signature: {SIG_CHRF}\n")


def test_render_table_with_different_signatures():
    first, second = results()
    other = EvalResult("old", "m", "transformers", Scores(1.0, 2.0, SIG_BLEU.replace("2.6.0", "2.4.0"), SIG_CHRF, 3),
                       seconds=1.0, target_tokens=5, sentences=3)
    lines = render_table([first, other]).splitlines()
    assert lines[-3:] == [f"BLEU signature (quality): {SIG_BLEU}",
                          "BLEU signature (old): nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.0",
                          f"chrF++ signature: {SIG_CHRF}"]


def test_as_json():
    refs = References(tuple(AR), tuple(EN), "refs.tsv (TSV, 3 pairs)")
    data = as_json(results(), refs)
    assert json.loads(json.dumps(data)) == data
    assert data["schema"] == "translate.eval/1"
    assert data["references"] == {"origin": "refs.tsv (TSV, 3 pairs)", "sentences": 3}
    assert [r["profile"] for r in data["results"]] == ["quality", "default"]
    assert data["results"][0] == {
        "profile": "quality", "model": "Helsinki-NLP/opus-mt-tc-big-ar-en", "backend": "ctranslate2",
        "bleu": 42.649, "chrf": 63.04, "bleu_signature": SIG_BLEU, "chrf_signature": SIG_CHRF,
        "seconds": 4.0, "target_tokens": 1000, "sentences": 3, "tokens_per_second": 250.0}
    assert data["results"][1]["tokens_per_second"] is None


def test_references_must_be_aligned():
    with pytest.raises(ValueError, match="2 sources but 1 references"):
        References(("a", "b"), ("c",), "x")


def test_import_is_cheap():
    code = ("import sys, translate; before = set(sys.modules); import translate.evaluation; "
            "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} - set(sys.stdlib_module_names)"
            " - {'translate'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                          cwd=Path(__file__).parent.parent)
    assert done.stdout.strip() == "[]"  # no third-party module (sacrebleu, lxml...): they load when used

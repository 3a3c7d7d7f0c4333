"""`translate eval` and `translate models check` through the CLI, with the tiny models."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.helpers import run_cli

SOURCES = ["قال وزير الخارجية إن المحادثات كانت مثمرة.", "ارتفع عدد السكان إلى 4.5 مليون نسمة في عام 2023.",
           "أعلنت الحكومة عن خطة جديدة لدعم الاقتصاد. وقال الوزير إن الخطة تبدأ غدا.",
           "وصل الرئيس إلى القاهرة يوم الثلاثاء."]
REFERENCES = ["The foreign minister said the talks were fruitful.", "The population rose to 4.5 million in 2023.",
              "The government announced a new plan to support the economy. The minister said it starts tomorrow.",
              "The president arrived in Cairo on Tuesday."]


def test_eval_scores_profiles_exactly_as_sacrebleu_does(tmp_path, tiny_models):
    refs = tmp_path / "refs.tsv"
    refs.write_text("".join(f"{s}\t{r}\n" for s, r in zip(SOURCES, REFERENCES)), encoding="utf-8")
    result = run_cli("eval", refs, "--config", tiny_models, "--profile", "tiny,tiny-extractive",
                     "--json", tmp_path / "eval.json", "--hypotheses", tmp_path / "hyp")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    assert [r["profile"] for r in data["results"]] == ["tiny", "tiny-extractive"]
    assert data["references"]["sentences"] == 4
    (tmp_path / "ref.txt").write_text("\n".join(REFERENCES) + "\n", encoding="utf-8")
    for entry in data["results"]:
        hypotheses = (tmp_path / "hyp" / f"{entry['profile']}.txt").read_text(encoding="utf-8").splitlines()
        assert len(hypotheses) == 4 and all(h.strip() for h in hypotheses)
        cli = subprocess.run([sys.executable, "-m", "sacrebleu", str(tmp_path / "ref.txt"), "-i",
                              str(tmp_path / "hyp" / f"{entry['profile']}.txt"), "-m", "bleu", "chrf",
                              "--chrf-word-order", "2", "--width", "6", "--format", "json"],
                             capture_output=True, text=True, check=True)
        scores = {item["name"]: item for item in json.loads(cli.stdout)}
        assert round(entry["bleu"], 6) == scores["BLEU"]["score"]
        assert round(entry["chrf"], 6) == scores["chrF2++"]["score"]
        assert entry["bleu_signature"] == scores["BLEU"]["signature"]
        assert entry["target_tokens"] > 0 and entry["seconds"] > 0 and entry["tokens_per_second"] > 0
    table = result.stdout
    assert "| tiny |" in table and "| tiny-extractive |" in table and "BLEU signature: nrefs:1" in table


def test_eval_refuses_bad_references_with_exit_2(tmp_path, tiny_models):
    refs = tmp_path / "refs.tsv"
    refs.write_text("مرحبا\tHello\textra\n", encoding="utf-8")
    result = run_cli("eval", refs, "--config", tiny_models)
    assert result.exit_code == 2 and "refs.tsv:1" in result.output and "fix:" in result.output


def test_models_check_reports_each_check_sentence(tiny_models):
    result = run_cli("models", "check", "--config", tiny_models)
    # random weights: gibberish, so the check must say the translations look wrong
    assert result.exit_code == 1
    assert result.stdout.count("  ar: ") == 5 and result.stdout.count("  en: ") == 5
    assert "translations look wrong" in result.stdout and "source_lang" in result.stdout

"""The whole review cycle through the CLI: batch -> corrections -> `review import` -> batch again:
the human sentences win in the JSON, every view and the memory; only the touched articles are redone
and their reviewed sentences never reach the model; `review status` shows what is left."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.helpers import load, run_cli
from translate.memory import TranslationMemory
from translate.record import human_key

FIXTURES = Path(__file__).parent / "fixtures"


def test_corrections_win_on_every_later_run(tmp_path, tiny_models):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("article_full.txt", "article_notitle.txt", "article.md"):
        shutil.copy(FIXTURES / name, src / name)
    out = tmp_path / "out"
    args = ("batch", src, "--out", out, "--config", tiny_models, "--profile", "tiny")
    assert run_cli(*args).exit_code == 0
    record = load(out / "article_full.json")
    body = [s for p in record["paragraphs"] if p["kind"] == "body" for s in p["sentences"] if not s.get("dateline")]
    first, second = body[0], body[1]
    export = tmp_path / "article_full.corrections.json"
    export.write_text(json.dumps({
        "schema": "translate.corrections/1", "article": record["source"], "reviewer": "Layla",
        "exported": "2026-11-25T10:00:00.000Z",
        "corrections": [{"id": s["id"], "source": s["source"], "previous_target": s["target"],
                         "previous_origin": "machine", "new_target": text}
                        for s, text in ((first, "The minister met his counterpart."),
                                        (second, "The minister said trade reached $1.8 billion in 2023."))]}),
                      encoding="utf-8")
    imported = run_cli("review", "import", export, "--out", out)
    assert imported.exit_code == 0, imported.output
    assert "2 correction(s) applied" in imported.stdout and "article_full.txt" in imported.stdout
    again = run_cli("review", "import", export, "--out", out)  # idempotent
    assert "0 correction(s) applied" in again.stdout

    rerun = run_cli(*args)
    assert rerun.exit_code == 0 and "1 done, 2 unchanged" in rerun.output  # only the touched article
    record = load(out / "article_full.json")
    sentences = {s["id"]: s for p in record["paragraphs"] for s in p["sentences"]}
    assert sentences[first["id"]]["target"] == "The minister met his counterpart."
    assert sentences[first["id"]]["origin"] == "human" and sentences[first["id"]]["reviewer"] == "Layla"
    assert "1.8" in second["source"] and "2023" in second["source"]
    assert sentences[second["id"]]["target"] == "The minister said trade reached $1.8 billion in 2023."
    assert "number_mismatch" in second["flags"]  # the machine's gibberish lost the numbers ...
    assert "number_mismatch" not in sentences[second["id"]]["flags"]  # ... the human text, checked again, has them
    paragraph = next(p for p in record["paragraphs"] if any(s["id"] == first["id"] for s in p["sentences"]))
    assert "The minister met his counterpart." in paragraph["target"]
    for ext in ("md", "html", "tsv", "tmx", "xliff"):
        view = (out / f"article_full.{ext}").read_text(encoding="utf-8")
        assert "The minister met his counterpart." in view, ext
    xliff = (out / "article_full.xliff").read_text(encoding="utf-8")
    assert f'id="{first["id"]}"' in xliff and 'state="final"' in xliff
    memory = TranslationMemory(out / "translation-memory.sqlite")
    try:
        assert memory.human_lookup([human_key(first["source"])])[human_key(first["source"])].reviewer == "Layla"
    finally:
        memory.close()
    status = run_cli("review", "status", out)
    assert status.exit_code == 0
    line = next(ln for ln in status.stdout.splitlines() if "article_full" in ln)
    assert " 2 " in f" {line} "  # two reviewed sentences
    # a forced re-run with another model setting still keeps the human sentences
    forced = run_cli(*args, "--summary", "extractive", "--force")
    assert forced.exit_code == 0
    record = load(out / "article_full.json")
    assert {s["id"]: s for p in record["paragraphs"] for s in p["sentences"]}[first["id"]]["origin"] == "human"

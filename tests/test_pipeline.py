"""End to end through the real CLI with tiny random-weight models (no network)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.helpers import assert_partition, load, run_cli
from translate import load_config
from translate.backends import BatchingBackend, load_backend
from translate.reading.files import read_document


def batch(src: Path, out: Path, config: Path, *extra: str):
    return run_cli("batch", src, "--out", out, "--config", config, *extra)


def test_batch_writes_aligned_records_that_keep_every_character(articles, tmp_path, tiny_models):
    out = tmp_path / "out"
    result = batch(articles, out, tiny_models)
    assert result.exit_code == 0, result.output
    for name in ("article_full", "article_notitle", "article"):
        record = load(out / f"{name}.json")
        source = next(articles.glob(f"{name}.*"))
        text = read_document(source).text
        assert record["schema"] == "translate.article/1"
        assert record["source"]["sha256"] == read_document(source).data_sha256
        assert_partition(record, text)
        ids = [p["id"] for p in record["paragraphs"]]
        assert ids == [f"p{i}" for i in range(1, len(ids) + 1)]
        for paragraph in record["paragraphs"]:
            assert [s["id"] for s in paragraph["sentences"]] == [
                f"{paragraph['id']}.s{i}" for i in range(1, len(paragraph["sentences"]) + 1)]
            if paragraph["kind"] == "body":
                assert all(s["target"].strip() for s in paragraph["sentences"]), paragraph["id"]
            assert paragraph["target"] == " ".join(s["target"] for s in paragraph["sentences"] if s["target"])
        provenance = record["provenance"]
        assert provenance["translation"]["architecture"] == "MarianMTModel"
        assert provenance["translation"]["generation"]["num_beams"] == 2
        assert provenance["signature"].startswith("translate:")
        review = (out / f"{name}.md").read_text(encoding="utf-8")
        assert all(f'id="{p["id"]}"' in review for p in record["paragraphs"])
    full = load(out / "article_full.json")
    assert full["title"] == "وزير الخارجية يبحث التعاون الاقتصادي في القاهرة"
    assert full["date"] == "2024-06-10"
    assert [p["kind"] for p in full["paragraphs"]][:3] == ["chrome", "title", "date"]
    assert full["paragraphs"][0]["sentences"][0]["copied"] is True  # "Ru En": nothing to translate
    assert full["summary"]["method"] == "abstractive" and full["summary"]["text"]
    manifest = load(out / "manifest.json")
    assert {k: v["status"] for k, v in manifest["files"].items()} == {
        "article.md": "done", "article_full.txt": "done", "article_notitle.txt": "done"}
    assert manifest["files"]["article_full.txt"]["counts"]["body_paragraphs"] == 5
    index = (out / "index.md").read_text(encoding="utf-8")
    assert index.count("](article") == 3 and "2024-06-10" in index


def test_rerun_skips_unchanged_and_redoes_changed_new_or_forced(articles, tmp_path, tiny_models):
    out = tmp_path / "out"
    assert batch(articles, out, tiny_models).exit_code == 0
    first = load(out / "manifest.json")["files"]
    result = batch(articles, out, tiny_models)
    assert result.exit_code == 0
    assert "0 done, 3 unchanged" in result.output
    assert load(out / "manifest.json")["files"]["article.md"]["finished"] == first["article.md"]["finished"]
    # one changed article and one new one: only those two are processed
    (articles / "article_notitle.txt").write_text(
        "عنوان جديد للخبر\n" + (articles / "article_notitle.txt").read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copy(articles / "article_full.txt", articles / "new.txt")
    result = batch(articles, out, tiny_models)
    assert "2 done, 2 unchanged" in result.output
    assert (out / "new.json").is_file()
    # a deleted output is redone even though the input did not change
    (out / "article.json").unlink()
    assert "1 done, 3 unchanged" in batch(articles, out, tiny_models).output
    # changed settings redo everything touched by them; --force redoes all
    assert "4 done" in batch(articles, out, tiny_models, "--summary", "extractive").output
    assert "4 done, 0 unchanged" in batch(articles, out, tiny_models, "--summary", "extractive", "--force").output


def test_a_bad_file_is_reported_and_the_batch_goes_on(articles, tmp_path, tiny_models):
    (articles / "empty.txt").write_text("  \n\u00a0\n", encoding="utf-8")
    (articles / "english.txt").write_text("This is an English article about the economy. " * 5, encoding="utf-8")
    (articles / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (articles / "notes.docx").write_bytes(b"PK\x03\x04")
    out = tmp_path / "out"
    result = batch(articles, out, tiny_models)
    assert result.exit_code == 1
    assert "3 done, 0 unchanged, 3 failed" in result.output
    assert "empty.txt: is empty" in result.output and "english.txt: is not Arabic text" in result.output
    assert "binary.txt" in result.output and "fix:" in result.output
    assert "notes.docx: skipped" in result.output
    files = load(out / "manifest.json")["files"]
    assert files["empty.txt"]["error"]["code"] == "empty"
    assert files["english.txt"]["error"]["code"] == "not-arabic"
    assert files["binary.txt"]["error"]["code"] == "encoding"
    assert "notes.docx" not in files
    assert "## Not translated" in (out / "index.md").read_text(encoding="utf-8")


def test_batching_never_mixes_up_translations(tiny_models, articles):
    options = load_config(tiny_models).profile().translation
    backend = load_backend(options, role="translation")
    texts = [line for line in (articles / "article_full.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [t for t in texts if any("\u0600" <= ch <= "\u06ff" for ch in t)]
    texts = [t[:120] for t in texts] + ["وزير", "قال الوزير إن التعاون مهم", texts[0][:120]]
    alone = [backend.translate([t])[0].text for t in texts]
    batched = BatchingBackend(backend, batch_tokens=200)
    assert len(batched.batches(backend.count_tokens(texts))) > 1
    assert [o.text for o in batched.translate(texts)] == alone


def test_identical_segments_are_translated_once(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    line = "قال وزير الخارجية إن التعاون مهم للبلدين."
    (folder / "a.txt").write_text(f"{line}\n{line}\nوأضاف أن الاجتماع القادم في موسكو.\n", encoding="utf-8")
    (folder / "b.txt").write_text(f"{line}\nوأكد أن الطرفين اتفقا على متابعة الحوار.\n", encoding="utf-8")
    from translate.runners import run_batch
    from translate.runners.plan import RunOptions

    report = run_batch(profile=load_config(tiny_models).profile("tiny-extractive"),
                       run=RunOptions(input=folder, out=tmp_path / "out"))
    assert report.exit_code == 0
    assert report.translation_calls == 3  # 5 sentences, 3 distinct
    a = load(tmp_path / "out" / "a.json")
    assert a["paragraphs"][0]["target"] == a["paragraphs"][1]["target"]


def test_a_500_word_sentence_stays_within_the_token_budget(tmp_path, tiny_models):
    words = "وأكد الوزير أن التعاون الاقتصادي بين البلدين يشمل الطاقة والتجارة والنقل".split()
    sentence = " ".join(words[i % len(words)] for i in range(500))
    sentence = sentence.replace(" والنقل ", " والنقل، ", 10)  # a few clause boundaries, no full stop
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(sentence + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert batch(folder, out, tiny_models, "--summary", "none").exit_code == 0
    record = load(out / "long.json")
    [paragraph] = record["paragraphs"]
    [sent] = paragraph["sentences"]
    text = sentence + "\n"
    assert "".join(text[a:b] for a, b in (s["span"] for s in sent["segments"])) == text
    options = load_config(tiny_models).profile().translation
    backend = load_backend(options, role="translation")
    from translate.text.normalize import for_model

    counts = backend.count_tokens([for_model(s["source"]) for s in sent["segments"]])
    assert max(counts) <= options.max_input_tokens == record["provenance"]["token_budget"]
    assert len(sent["segments"]) >= 10
    first_cuts = [s["source"][-1] for s in sent["segments"][:-1]]
    assert "،" in first_cuts  # clause boundaries are used before word boundaries
    assert all(s["target"] for s in sent["segments"])


def test_extractive_summary_uses_aligned_sentences_in_article_order(articles, tmp_path, tiny_models):
    out = tmp_path / "out"
    assert batch(articles, out, tiny_models, "--profile", "tiny-extractive").exit_code == 0
    record = load(out / "article_full.json")
    summary = record["summary"]
    assert summary["method"] == "extractive" and summary["model"] is None
    assert len(summary["sentences"]) == 2
    sentences = {s["id"]: s for p in record["paragraphs"] for s in p["sentences"]}
    body_ids = [p["id"] for p in record["paragraphs"] if p["kind"] == "body"]
    order = list(sentences)
    positions = []
    for item in summary["sentences"]:
        [pid], [sid] = item["paragraph_ids"], item["sentence_ids"]
        assert pid in body_ids and sid.startswith(pid + ".")
        assert sentences[sid]["target"] == item["text"] and not sentences[sid].get("dateline")
        positions.append(order.index(sid))
    assert positions == sorted(positions)
    assert summary["text"] == " ".join(item["text"] for item in summary["sentences"])
    assert record["provenance"]["summary"] == {"method": "extractive"}


def test_abstractive_summary_chunks_long_input_instead_of_cutting(tmp_path, tiny_models):
    from translate.stages.summarize import abstractive, abstractive_plan

    options = load_config(tiny_models).profile().summary
    summarizer = BatchingBackend(load_backend(options, role="summary"), batch_tokens=4096)
    paragraphs = [(f"p{i}", "The minister said the talks on security and trade will continue in moscow. " * 3)
                  for i in range(1, 12)]
    limit = min(options.max_input_tokens, summarizer.max_input_tokens)
    first = next(abstractive_plan(paragraphs, count=summarizer.count_tokens, limit=limit, model=options.model))
    assert len(first) > 1  # the article did not fit: chunked (then summarized again)
    assert all(n <= 128 for n in summarizer.count_tokens(first))
    assert sum(len(c.split()) for c in first) == sum(len(t.split()) for _, t in paragraphs)
    summary = abstractive(paragraphs, summarizer, model=options.model, max_input_tokens=options.max_input_tokens)
    assert summary.text and summary.method == "abstractive"


def test_summary_none(articles, tmp_path, tiny_models):
    out = tmp_path / "out"
    assert batch(articles, out, tiny_models, "--summary", "none").exit_code == 0
    assert load(out / "article.json")["summary"] == {"text": "", "method": "none", "model": None, "sentences": []}


def test_missing_model_gives_one_clear_message(articles, tmp_path, tiny_models):
    result = batch(articles, tmp_path / "out", tiny_models, "--translation-model", "Helsinki-NLP/opus-mt-ar-en")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "translation model 'Helsinki-NLP/opus-mt-ar-en'" in result.output
    assert "not in the local Hugging Face cache" in result.output
    assert "translate models download" in result.output and "local folder" in result.output
    missing_folder = batch(articles, tmp_path / "out", tiny_models, "--summary-model", str(tmp_path / "nowhere"))
    assert missing_folder.exit_code == 2 and "holds no config.json" in missing_folder.output


def test_models_list_shows_local_availability(tiny_models):
    result = run_cli("models", "list", "--config", tiny_models)
    assert result.exit_code == 0
    assert "tiny (default)" in result.output and "[available]" in result.output
    assert "extractive (no model)" in result.output


def test_python_dash_m_and_single_file_input(tmp_path, tiny_models):
    import subprocess
    import sys

    source = Path(__file__).parent / "fixtures" / "article_notitle.txt"
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "translate", "batch", str(source), "--out", str(out), "--config",
                           str(tiny_models), "--summary", "extractive", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "article_notitle.json").read_text(encoding="utf-8"))["title"] is None


@pytest.mark.parametrize("flag", ["--profile", "--summary", "--device"])
def test_bad_flag_values_are_usage_errors(articles, tmp_path, tiny_models, flag):
    result = batch(articles, tmp_path / "out", tiny_models, flag, "nonsense")
    assert result.exit_code == 2
    assert "error:" in result.output and "fix:" in result.output


def test_every_segment_is_within_the_budget_whatever_precedes_it(tmp_path, tiny_models):
    """Lines with nothing to translate (site chrome, Latin credits) must not shift the length checks."""
    long = "وقال الوزير إن التعاون الاقتصادي بين البلدين يشمل الطاقة والتجارة والنقل والتعليم والصحة، " * 4
    text = f"Ru En\n\nعنوان الخبر\n\nPhoto: A. Person\n\nجملة قصيرة.\n\n{long.strip()}.\n\n{long.strip()}!\n"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert batch(folder, out, tiny_models, "--summary", "none").exit_code == 0
    options = load_config(tiny_models).profile().translation
    backend = load_backend(options, role="translation")
    from translate.text.normalize import for_model

    record = load(out / "a.json")
    pieces = [g["source"] for p in record["paragraphs"] for s in p["sentences"]
              for g in s.get("segments", [{"source": s["source"]}]) if not s.get("copied")]
    assert max(backend.count_tokens([for_model(p) for p in pieces])) <= options.max_input_tokens
    assert sum(1 for p in record["paragraphs"] for s in p["sentences"] if "segments" in s) == 2


def test_models_download_without_network_is_a_clear_usage_error(tiny_models, tmp_path):
    config = tmp_path / "models.yaml"
    config.write_text("profiles:\n  p:\n    translation: {model: Helsinki-NLP/opus-mt-ar-en}\n"
                      "    summary: {method: none}\n", encoding="utf-8")
    result = run_cli("models", "download", "--config", config)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "cannot reach the Hugging Face Hub" in result.output and "fix:" in result.output


def test_a_hard_wrapped_copy_gives_the_same_sentences_and_says_it_was_wrapped(tmp_path, tiny_models):
    import textwrap

    original = (Path(__file__).parent / "fixtures" / "article_full.txt").read_text(encoding="utf-8")
    wrapped = "\n\n".join(textwrap.fill(block, 60) for block in original.split("\n\n"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "original.txt").write_text(original, encoding="utf-8")
    (folder / "wrapped.txt").write_text(wrapped, encoding="utf-8")
    out = tmp_path / "out"
    assert batch(folder, out, tiny_models, "--summary", "none").exit_code == 0
    a, b = load(out / "original.json"), load(out / "wrapped.json")
    assert a["source"]["line_wrap"] is None and b["source"]["line_wrap"]["width"] <= 60
    sentences = [[s["source"] for p in r["paragraphs"] for s in p["sentences"]] for r in (a, b)]
    assert sentences[0] == sentences[1]
    assert [s["target"] for p in b["paragraphs"] for s in p["sentences"]] == \
        [s["target"] for p in a["paragraphs"] for s in p["sentences"]]  # the same model inputs

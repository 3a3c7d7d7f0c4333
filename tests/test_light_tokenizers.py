"""The CTranslate2 path without transformers and torch: the tokenizer snapshot (``backends.light``)
encodes and decodes exactly as transformers' tokenizer for every family, and a CTranslate2 batch
run in a fresh interpreter never imports torch (nor transformers, nor sacremoses)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from translate.backends import light

TEXTS = ["وزير الخارجية الروسي أكد التعاون الاقتصادي في موسكو.", "", " ", "في  موسكو ", "المصدر: تاس </s> بعد",
         "<unk>قال<pad> الرئيس", "عام 2022، بقيمة 28.2 مليار دولار.", "Photo: Alex Zarubi/Unsplash",
         "د. أحمد: \"نعم\"!",
         "The minister said the talks on trade will continue in moscow.", "it's fine , isn't it ? yes .",
         "«تاس» و“رويترز”؟ … ١٠ حزيران", "\u200fنص\u200e مع علامات", "x" * 50, "<mask> <s> tail"]
FAMILIES = ("nllb", "m2m100", "mbart50", "madlad", "marian_multi", "t5_summarizer", "pegasus")


@pytest.fixture(scope="module")
def folders(tiny_models, tmp_path_factory) -> dict[str, Path]:
    from tests.support.tiny_families import build_family

    built = tmp_path_factory.mktemp("light-families")
    return {"marian": tiny_models.parent / "marian", "bart": tiny_models.parent / "bart",
            **{name: build_family(name, built) for name in FAMILIES}}


def light_copy(folder: Path, tmp_path: Path, src_lang: str | None = None):
    """(transformers' tokenizer, config, the snapshot's tokenizer, config), or None when unsupported."""
    from transformers import AutoConfig, AutoTokenizer

    tokenizer, config = AutoTokenizer.from_pretrained(folder), AutoConfig.from_pretrained(folder)
    target = tmp_path / folder.name
    target.mkdir()
    light.write_snapshot(target, tokenizer, config)
    found = light.load(target, folder)
    if found is None:
        return None
    if src_lang:
        tokenizer.src_lang = found[0].src_lang = src_lang
    return tokenizer, config, *found


SRC_LANG = {"nllb": "arb_Arab", "mbart50": "ar_AR"}
SUPPORTED = {"marian", "bart", "nllb", "mbart50", "madlad", "marian_multi", "t5_summarizer", "pegasus"}


@pytest.mark.parametrize("name", sorted(SUPPORTED | {"m2m100"}))
def test_the_snapshot_tokenizer_is_transformers_tokenizer(folders, tmp_path, name):
    found = light_copy(folders[name], tmp_path, SRC_LANG.get(name))
    if name not in SUPPORTED:
        assert found is None  # transformers' tokenizer is used for it, as before
        return
    assert found is not None, f"{name}: no light tokenizer"
    reference, config, tokenizer, copied = found
    texts = TEXTS + [">>eng<< " + TEXTS[0], "<2en> " + TEXTS[0], "summarize: " + TEXTS[9]]
    expected = reference(texts, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
    assert tokenizer(texts, add_special_tokens=True)["input_ids"] == [list(ids) for ids in expected]
    for ids in expected:
        assert tokenizer.convert_ids_to_tokens(ids) == reference.convert_ids_to_tokens(ids)
        assert tokenizer.decode(ids, skip_special_tokens=True) == reference.decode(ids, skip_special_tokens=True)
    vocab = reference.get_vocab()
    assert tokenizer.get_vocab() == vocab
    rng = random.Random(7)
    for _ in range(30):  # what a model may generate: any ids, special ones among them
        ids = [rng.randrange(len(vocab)) for _ in range(rng.randrange(1, 12))]
        assert tokenizer.decode(ids, skip_special_tokens=True) == reference.decode(ids, skip_special_tokens=True)
    for token in ("<unk>", "</s>", "arb_Arab", "ar_AR", "not-a-token"):
        assert tokenizer.convert_tokens_to_ids(token) == reference.convert_tokens_to_ids(token)
    assert (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.eos_token, tokenizer.model_max_length) == (
        reference.pad_token_id, reference.unk_token_id, reference.eos_token, reference.model_max_length)
    assert sorted(tokenizer.all_special_tokens) == sorted(reference.all_special_tokens)
    for key in ("max_position_embeddings", "relative_attention_num_buckets", "forced_eos_token_id", "model_type",
                "architectures"):
        assert getattr(copied, key, None) == getattr(config, key, None)


def test_a_snapshot_of_another_transformers_version_is_ignored(folders, tmp_path):
    _, _, tokenizer, _ = light_copy(folders["marian"], tmp_path)
    path = tmp_path / "marian" / light.SNAPSHOT
    record = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**record, "transformers": "0.0.1"}), encoding="utf-8")
    assert light.load(tmp_path / "marian", folders["marian"]) is None


NO_TORCH = """
import json, sys
from pathlib import Path
from translate import load_config
from translate.runners import run_batch
from translate.runners.plan import RunOptions
profile = load_config(Path(sys.argv[1])).profile()
report = run_batch(profile=profile, run=RunOptions(input=Path(sys.argv[2]), out=Path(sys.argv[3])))
heavy = sorted(m for m in ("torch", "transformers", "sacremoses") if m in sys.modules)
print(json.dumps({"done": len(report.done), "failed": len(report.failed), "heavy": heavy}))
"""


def test_a_ctranslate2_batch_run_never_imports_torch(tiny_models, articles, tmp_path):
    """Translation and abstractive summaries on the tiny models, in a fresh interpreter, after the
    one-time conversion (``translate models convert``, which needs torch)."""
    from tests.support.helpers import run_cli

    assert run_cli("models", "convert", "--config", tiny_models).exit_code == 0
    child = subprocess.run([sys.executable, "-c", NO_TORCH, str(tiny_models), str(articles), str(tmp_path / "out")],
                           capture_output=True, text=True, timeout=600)
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result == {"done": 3, "failed": 0, "heavy": []}, child.stderr


def test_a_cached_hub_snapshot_is_found_without_the_hub_client(tmp_path, monkeypatch):
    from huggingface_hub import constants

    from translate.backends.hub import cached_snapshot

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "models--org--model"
    (repo / "snapshots" / commit).mkdir(parents=True)
    (repo / "snapshots" / commit / "config.json").write_text("{}", encoding="utf-8")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit + "\n", encoding="utf-8")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    assert cached_snapshot("org/model", None) == cached_snapshot("org/model", commit) == repo / "snapshots" / commit
    assert cached_snapshot("org/model", "v2") is None and cached_snapshot("org/other", None) is None
    assert cached_snapshot("org/model", "f" * 40) is None

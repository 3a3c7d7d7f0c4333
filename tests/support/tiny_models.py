"""Build tiny random-weight models with real tokenizers, for tests and demos without network.

    python -m tests.support.tiny_models /tmp/tiny      # writes the models and /tmp/tiny/models.yaml
    translate batch ../shared/corpus/seeds --out outputs --config /tmp/tiny/models.yaml

* translation: a MarianMT (the architecture of Helsinki-NLP/opus-mt-ar-en, scaled down) with
  SentencePiece source/target models trained here on a few hundred Arabic and English lines;
* summary: a BART (the architecture of distilbart-cnn-12-6, scaled down) with a byte-level BPE
  tokenizer trained here.

The weights are random, so the "translations" are gibberish; everything else (loading through
AutoTokenizer/AutoModelForSeq2SeqLM, token counting, batching, generation) is the real path.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

_AR_SUBJECTS = ["وزير الخارجية الروسي", "الرئيس", "المتحدثة الرسمية", "رئيس الوزراء", "الوفد الكازاخستاني",
                "الأمين العام", "مجلس وزراء الخارجية", "الوزارة", "السفير", "قادة رابطة الدول المستقلة"]
_AR_VERBS = ["أكد", "أعلن", "ناقش", "بحث", "أشار إلى", "دعا إلى", "وقع", "استقبل", "زار", "انتقد"]
_AR_OBJECTS = ["التعاون الاقتصادي", "القضايا الأمنية", "الأزمة في أوكرانيا", "بحر قزوين", "الاتفاقية الجديدة",
               "العلاقات الثنائية", "مكافحة الإرهاب", "التجارة المتبادلة", "الطاقة والغاز", "الثقافة والتعليم"]
_AR_PLACES = ["في موسكو", "في دوشنبه", "في أستانا", "في سمرقند", "في مينسك", "في بيشكيك", "في القاهرة",
              "في بيروت", "في دمشق", "في الرياض"]
_AR_EXTRA = ["يوم الثلاثاء ٥ ديسمبر ٢٠٢٣.", "عام 2022، بقيمة 28.2 مليار دولار.", "وفقاً لـ «تاس» و“رويترز”؟",
             "المصدر: تاس", "الصورة: وزارة الخارجية", "Photo: Alex Zarubi/Unsplash", "Ru En", "د. أحمد: \"نعم\"!",
             "http://example.com info@example.org …", "١٠ حزيران / يونيو ٢٠٢٤ – ١٤٤٥ هـ"]
_EN_SUBJECTS = ["the russian foreign minister", "the president", "the spokeswoman", "the prime minister",
                "the kazakh delegation", "the secretary general", "the council of foreign ministers", "the ministry",
                "the ambassador", "the leaders of the commonwealth"]
_EN_VERBS = ["confirmed", "announced", "discussed", "examined", "pointed to", "called for", "signed", "received",
             "visited", "criticized"]
_EN_OBJECTS = ["economic cooperation", "security issues", "the crisis in ukraine", "the caspian sea",
               "the new agreement", "bilateral relations", "the fight against terrorism", "mutual trade",
               "energy and gas", "culture and education"]
_EN_PLACES = ["in moscow", "in dushanbe", "in astana", "in samarkand", "in minsk", "in bishkek", "in cairo",
              "in beirut", "in damascus", "in riyadh"]


def corpus() -> tuple[list[str], list[str]]:
    """A few hundred parallel-looking lines (the pairing does not matter for random weights)."""
    ar, en = [], []
    for (i, s), v, o, p in itertools.islice(
            zip(itertools.cycle(enumerate(_AR_SUBJECTS)), itertools.cycle(_AR_VERBS),
                itertools.cycle(_AR_OBJECTS[::-1]), itertools.cycle(_AR_PLACES)), 300):
        extra = _AR_EXTRA[(i + len(ar)) % len(_AR_EXTRA)]
        ar.append(f"{s} {v} {o} {p} {extra} {len(ar)}")
    for n, (s, v, o, p) in enumerate(itertools.islice(
            zip(itertools.cycle(_EN_SUBJECTS), itertools.cycle(_EN_VERBS), itertools.cycle(_EN_OBJECTS[::-1]),
                itertools.cycle(_EN_PLACES)), 300)):
        en.append(f"{s.capitalize()} {v} {o} {p} on {n} december, said \"reuters\". Trade grew by 1.8%!")
    return ar, en


def _quiet_spm(lines: list[str], prefix: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_prefix=str(prefix), vocab_size=vocab_size,
                                   character_coverage=1.0, model_type="unigram", hard_vocab_limit=False,
                                   minloglevel=2, num_threads=1)


def marian_tokenizer(folder: Path, source: list[str], target: list[str], *, sizes: tuple[int, int],
                     vocab_size: int | None = None):
    """SentencePiece models trained on ``source`` and ``target`` lines, and the joint vocabulary a
    MarianTokenizer needs (padded with unused entries up to ``vocab_size``; ``<pad>`` last, as in
    OPUS-MT). Returns (tokenizer, vocabulary)."""
    import sentencepiece as spm
    from transformers import MarianTokenizer

    for name, lines, size in (("source", source, sizes[0]), ("target", target, sizes[1])):
        _quiet_spm(lines, folder / name, size)
        (folder / f"{name}.model").replace(folder / f"{name}.spm")
    vocab = {"</s>": 0, "<unk>": 1}
    for name in ("source", "target"):
        processor = spm.SentencePieceProcessor(model_file=str(folder / f"{name}.spm"))
        for i in range(processor.get_piece_size()):
            vocab.setdefault(processor.id_to_piece(i), len(vocab))
    while vocab_size and len(vocab) < vocab_size - 1:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(source_spm=str(folder / "source.spm"), target_spm=str(folder / "target.spm"),
                                vocab=str(folder / "vocab.json"), source_lang="ar", target_lang="en")
    return tokenizer, vocab


MODELS_YAML = """\
# Tiny random-weight models built by tests/support/tiny_models.py (gibberish output, real code path).
default_profile: tiny
profiles:
  tiny:
    description: tiny random MarianMT + tiny random BART (tests and demos only)
    translation:
      model: ./marian
      device: cpu
      max_input_tokens: 48
      batch_tokens: 512
      generation: {num_beams: 2, max_new_tokens: 16, min_new_tokens: 2}
    summary:
      method: abstractive
      model: ./bart
      device: cpu
      max_input_tokens: 128
      generation: {num_beams: 2, max_new_tokens: 24, min_new_tokens: 4, length_penalty: 1.0, no_repeat_ngram_size: 3}
  tiny-extractive:
    extends: tiny
    summary: {method: extractive, sentences: 2}
"""


def build_all(folder: Path) -> Path:
    """Both models (``tiny_families``: ``marian`` and ``bart``) and a ``models.yaml`` naming them;
    returns the models.yaml path."""
    from tests.support.tiny_families import build_family

    build_family("marian", folder)
    build_family("bart", folder)
    config = folder / "models.yaml"
    config.write_text(MODELS_YAML, encoding="utf-8")
    return config


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.support.tiny_models OUTPUT_FOLDER")
    print(build_all(Path(sys.argv[1])))

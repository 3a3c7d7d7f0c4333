"""Tiny random-weight models of every seq2seq family the pipeline supports, with each family's real
tokenizer class and language tokens, saved as the Hub models are (``save_pretrained``), so that
``AutoTokenizer`` / ``AutoConfig`` / ``AutoModelForSeq2SeqLM`` load them exactly as the real ones.

    python tests/tiny_families.py /tmp/families     # builds every family into /tmp/families/<name>

``config.json`` carries the keys the real Hub files carry where they matter for language handling
(``forced_bos_token_id``, ``decoder_start_token_id``, ``task_specific_params``, ``max_position_embeddings``
...), written back after ``save_pretrained`` because transformers 5 drops generation keys from it;
``generation_config.json`` is derived from those keys, as the Hub's own conversion bot did. Sources of
every value: /tmp/helpers/families_notes.md. The weights are random: outputs are gibberish.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.tiny_models import _quiet_spm, corpus, marian_tokenizer

DIMS = {"d_model": 16, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 2,
        "decoder_attention_heads": 2, "encoder_ffn_dim": 32, "decoder_ffn_dim": 32}
GENERATION_KEYS = ("bos_token_id", "decoder_start_token_id", "eos_token_id", "pad_token_id", "forced_bos_token_id",
                   "forced_eos_token_id", "max_length", "num_beams", "early_stopping", "bad_words_ids")


@dataclass(frozen=True)
class Family:
    """What a family's tiny model looks like and which real Hub model it imitates."""

    name: str
    hub_id: str
    model_type: str
    tokenizer_class: str
    source_tag: str | None  # language token in the source: Arabic for NLLB/M2M/mBART, English for MADLAD/OPUS-MT
    target_tag: str | None  # token that must come first in the target (forced BOS / CTranslate2 target_prefix)
    prefix: str = ""  # text prefix the source needs (MADLAD "<2en> ", T5 "summarize: ")
    src_lang: str | None = None  # value for ``tokenizer.src_lang`` that tags the source as Arabic


FAMILIES = {f.name: f for f in (
    Family("nllb", "facebook/nllb-200-distilled-600M", "m2m_100", "NllbTokenizer", "arb_Arab", "eng_Latn",
           src_lang="arb_Arab"),
    Family("m2m100", "facebook/m2m100_418M", "m2m_100", "M2M100Tokenizer", "__ar__", "__en__",
           src_lang="ar"),
    Family("mbart50", "facebook/mbart-large-50-many-to-one-mmt", "mbart", "MBart50Tokenizer", "ar_AR", "en_XX",
           src_lang="ar_AR"),
    Family("madlad", "google/madlad400-3b-mt", "t5", "T5Tokenizer", "<2en>", None, prefix="<2en> "),
    Family("marian_multi", "Helsinki-NLP/opus-mt-tc-bible-big-afa-deu_eng_fra_por_spa", "marian", "MarianTokenizer",
           ">>eng<<", None, prefix=">>eng<< "),
    Family("t5_summarizer", "google-t5/t5-small", "t5", "T5Tokenizer", None, None, prefix="summarize: "),
    Family("pegasus", "google/pegasus-xsum", "pegasus", "PegasusTokenizer", None, None),
    Family("nllb_no_arabic", "(none: negative case)", "m2m_100", "NllbTokenizer", None, "eng_Latn"),
    Family("marian_en_de", "Helsinki-NLP/opus-mt-en-de", "marian", "MarianTokenizer", None, None),
)}
DROP = object()
UNSET_LANGS = {"src_lang": None, "tgt_lang": None}  # as in the Hub files: the tokenizer class picks its default
MADLAD_LANGS = ("en", "ar", "fr", "de", "es", "ru", "zh", "fa", "tr", "ur")
OPUS_TARGETS = ("deu", "eng", "fra", "por", "spa", "xxx")  # "Valid Target Language Labels" of the real model


def _lines() -> list[str]:
    ar, en = corpus()
    return ar + en


def _unigram_pieces(folder: Path, size: int) -> list[tuple[str, float]]:
    """(piece, score) of a SentencePiece unigram model trained on the corpus, without its <unk> <s> </s>."""
    import sentencepiece as spm

    _quiet_spm(_lines(), folder / "spm-train", size)
    processor = spm.SentencePieceProcessor(model_file=str(folder / "spm-train.model"))
    pieces = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]
    for suffix in (".model", ".vocab"):
        (folder / f"spm-train{suffix}").unlink()
    return [(p, s) for p, s in pieces if p not in ("<unk>", "<s>", "</s>")]


def _patch_json(path: Path, values: dict) -> dict:
    """Update a JSON file; a value of DROP removes the key."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data.update(values)
    data = {key: value for key, value in data.items() if value is not DROP}
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    return data


def _save(folder: Path, model, tokenizer, config_extra: dict, tokenizer_files: dict | None = None) -> Path:
    """save_pretrained both; put back the legacy config.json keys (transformers 5 drops them), derive
    generation_config.json from them, and patch tokenizer files to the layout of the real Hub repository."""
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    config = _patch_json(folder / "config.json", config_extra)
    generation = {key: config[key] for key in GENERATION_KEYS if config.get(key) is not None}
    (folder / "generation_config.json").write_text(json.dumps({**generation, "_from_model_config": True}, indent=2,
                                                              sort_keys=True), encoding="utf-8")
    for name, values in (tokenizer_files or {}).items():
        _patch_json(folder / name, values)
    return folder


def _m2m_config(vocab_size: int, *, max_positions: int, extra: dict):
    from transformers import M2M100Config

    return M2M100Config(vocab_size=vocab_size, max_position_embeddings=max_positions, scale_embedding=True,
                        pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2, **DIMS, **extra)


def _build_nllb(folder: Path, *, max_positions: int, arabic: bool = True) -> Path:
    from tokenizers import AddedToken, SentencePieceBPETokenizer
    from transformers import M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    bpe = SentencePieceBPETokenizer()
    bpe.train_from_iterator(_lines(), vocab_size=400, min_frequency=1, show_progress=False,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    model_json = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model_json["merges"]]
    codes = [c for c in FAIRSEQ_LANGUAGE_CODES if arabic or not c.endswith("_Arab")]
    tokenizer = NllbTokenizer(vocab=model_json["vocab"], merges=merges, additional_special_tokens=codes,
                              mask_token=None, model_max_length=1024)
    tokenizer.add_special_tokens({"mask_token": AddedToken("<mask>", lstrip=True, normalized=True, special=True)})
    config = _m2m_config(len(tokenizer), max_positions=max_positions, extra={"tokenizer_class": "NllbTokenizer"})
    return _save(folder, M2M100ForConditionalGeneration(config), tokenizer, {"max_length": 200},
                 {"tokenizer_config.json": UNSET_LANGS})


def _build_m2m100(folder: Path, *, max_positions: int) -> Path:
    import sentencepiece as spm
    from transformers import M2M100ForConditionalGeneration, M2M100Tokenizer

    _quiet_spm(_lines(), folder / "sentencepiece.bpe", 300)
    (folder / "sentencepiece.bpe.vocab").unlink()
    processor = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.bpe.model"))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for i in range(processor.get_piece_size()):
        vocab.setdefault(processor.id_to_piece(i), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = M2M100Tokenizer(vocab_file=str(folder / "vocab.json"), spm_file=str(folder / "sentencepiece.bpe.model"),
                                model_max_length=1024)
    size = len(vocab) + len(tokenizer.lang_code_to_id) + tokenizer.num_madeup_words
    config = _m2m_config(size, max_positions=max_positions, extra={})
    # The Hub repository lists the language tokens only in special_tokens_map.json, which transformers 5 ignores.
    specials = {"bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "pad_token": "<pad>",
                "unk_token": "<unk>", "additional_special_tokens": list(tokenizer.lang_token_to_id)}
    return _save(folder, M2M100ForConditionalGeneration(config), tokenizer,
                 {"max_length": 200, "num_beams": 5, "early_stopping": True},
                 {"tokenizer_config.json": {**UNSET_LANGS, "extra_special_tokens": DROP},
                  "special_tokens_map.json": specials})


def _build_mbart50(folder: Path, *, max_positions: int) -> Path:
    from transformers import MBart50Tokenizer, MBartConfig, MBartForConditionalGeneration

    pieces = [("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0)] + _unigram_pieces(folder, 300)
    tokenizer = MBart50Tokenizer(vocab=pieces, model_max_length=1024)
    english = tokenizer.convert_tokens_to_ids("en_XX")
    config = MBartConfig(vocab_size=len(tokenizer), max_position_embeddings=max_positions, scale_embedding=True,
                         activation_function="relu", pad_token_id=1, bos_token_id=0, eos_token_id=2,
                         decoder_start_token_id=2, forced_eos_token_id=2, tokenizer_class="MBart50Tokenizer",
                         normalize_before=True, normalize_embedding=True, add_final_layer_norm=True,
                         static_position_embeddings=False, tie_word_embeddings=False, **DIMS)
    return _save(folder, MBartForConditionalGeneration(config), tokenizer,
                 {"forced_bos_token_id": english, "max_length": 200, "num_beams": 5, "early_stopping": True},
                 {"tokenizer_config.json": {**UNSET_LANGS, "bos_token": "<s>", "language_codes": "ML50"}})


def _t5_config(vocab_size: int, **kwargs):
    from transformers import T5Config

    return T5Config(vocab_size=vocab_size, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_decoder_layers=1,
                    num_heads=2, relative_attention_num_buckets=8, **kwargs)


def _build_madlad(folder: Path, *, max_positions: int) -> Path:
    import torch
    from tokenizers import AddedToken
    from transformers import T5ForConditionalGeneration, T5Tokenizer

    tags = [f"<2{lang}>" for lang in MADLAD_LANGS]
    specials = [("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0)] + [(tag, 0.0) for tag in tags]
    tokenizer = T5Tokenizer(vocab=specials + _unigram_pieces(folder, 300), unk_token="<unk>", pad_token="<s>",
                            eos_token="</s>", extra_ids=0, legacy=False)
    # SentencePiece user-defined symbols: transformers' converter makes them non-special added tokens.
    tokenizer.add_tokens([AddedToken(tag, normalized=False, special=False) for tag in tags])
    config = _t5_config(len(tokenizer), n_positions=max_positions, feed_forward_proj="gated-gelu",
                        decoder_start_token_id=0, pad_token_id=1, eos_token_id=2)
    model = T5ForConditionalGeneration(config)
    # MADLAD (a T5 v1.1) has its own output projection; transformers 5 always ties T5 at construction.
    model.lm_head.weight = torch.nn.Parameter(torch.randn_like(model.shared.weight))
    return _save(folder, model, tokenizer, {"task_specific_params": {}, "tie_word_embeddings": False})


def _build_t5_summarizer(folder: Path, *, max_positions: int) -> Path:
    import torch
    from transformers import T5ForConditionalGeneration, T5Tokenizer

    specials = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    tokenizer = T5Tokenizer(vocab=specials + _unigram_pieces(folder, 300), extra_ids=100, model_max_length=512)
    config = _t5_config(len(tokenizer), n_positions=max_positions, decoder_start_token_id=0, pad_token_id=0,
                        eos_token_id=1)
    model = T5ForConditionalGeneration(config)
    with torch.no_grad():  # else random tied weights make every greedy step pick <pad> (its row feeds back)
        model.shared.weight[0].zero_()
    summarization = {"early_stopping": True, "length_penalty": 2.0, "max_length": 200, "min_length": 30,
                     "no_repeat_ngram_size": 3, "num_beams": 4, "prefix": "summarize: "}
    return _save(folder, model, tokenizer, {"task_specific_params": {"summarization": summarization}})


def _build_pegasus(folder: Path, *, max_positions: int) -> Path:
    from transformers import PegasusConfig, PegasusForConditionalGeneration, PegasusTokenizer

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<mask_1>", 0.0), ("<mask_2>", 0.0)]
    vocab += [(f"<unk_{i}>", -100.0) for i in range(2, 103)] + [("<unk>", 0.0)] + _unigram_pieces(folder, 300)
    tokenizer = PegasusTokenizer(vocab=vocab, model_max_length=max_positions)
    config = PegasusConfig(vocab_size=len(tokenizer), max_position_embeddings=max_positions, scale_embedding=True,
                           pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, forced_eos_token_id=1,
                           normalize_before=True, normalize_embedding=False, add_final_layer_norm=True,
                           static_position_embeddings=True, **DIMS)
    return _save(folder, PegasusForConditionalGeneration(config), tokenizer, {"max_length": 64, "num_beams": 8})


def _marian(folder: Path, source: list[str], target: list[str], *, source_lang: str, target_lang: str,
            codes: tuple[str, ...], max_positions: int, extra: dict) -> Path:
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    _, vocab = marian_tokenizer(folder, source, target, sizes=(300, 300))
    pieces = [token for token in vocab if token not in ("</s>", "<unk>", "<pad>")]
    vocab = {token: i for i, token in enumerate(["</s>", "<unk>", *(f">>{c}<<" for c in codes), *pieces, "<pad>"])}
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(source_spm=str(folder / "source.spm"), target_spm=str(folder / "target.spm"),
                                vocab=str(folder / "vocab.json"), source_lang=source_lang, target_lang=target_lang,
                                model_max_length=512)
    pad = vocab["<pad>"]
    config = MarianConfig(vocab_size=len(vocab), decoder_vocab_size=len(vocab), max_position_embeddings=max_positions,
                          pad_token_id=pad, eos_token_id=0, bos_token_id=0, decoder_start_token_id=pad,
                          scale_embedding=True, share_encoder_decoder_embeddings=True, **DIMS)
    return _save(folder, MarianMTModel(config), tokenizer, extra)


def _build_marian_multi(folder: Path, *, max_positions: int) -> Path:
    ar, en = corpus()
    return _marian(folder, ar, en, source_lang="afa", target_lang="deu+eng+fra+por+spa", codes=OPUS_TARGETS,
                   max_positions=max_positions, extra={"forced_eos_token_id": None})


def _build_marian_en_de(folder: Path, *, max_positions: int) -> Path:
    _, en = corpus()
    return _marian(folder, en, en, source_lang="en", target_lang="de", codes=(), max_positions=max_positions,
                   extra={"forced_eos_token_id": 0, "num_beams": 4, "max_length": 512})


def _build_marian_ar_en(folder: Path, *, max_positions: int) -> Path:
    """The pipeline tests' translator: a single-pair Arabic->English Marian, as opus-mt-ar-en."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    ar, en = corpus()
    tokenizer, vocab = marian_tokenizer(folder, ar, en, sizes=(300, 300))
    config = MarianConfig(vocab_size=len(vocab), d_model=32, encoder_layers=2, decoder_layers=2,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                          max_position_embeddings=max_positions, pad_token_id=vocab["<pad>"], eos_token_id=0,
                          decoder_start_token_id=vocab["<pad>"], forced_eos_token_id=0, scale_embedding=True)
    torch.manual_seed(0)
    MarianMTModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _build_bart(folder: Path, *, max_positions: int) -> Path:
    """The pipeline tests' summarizer: a BART as distilbart-cnn-12-6."""
    import torch
    from tokenizers import ByteLevelBPETokenizer, processors
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    _, en = corpus()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(en, vocab_size=600, min_frequency=1, special_tokens=specials, show_progress=False)
    bpe.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
                                                       special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>", mask_token="<mask>", model_max_length=128)
    config = BartConfig(vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1,
                        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                        max_position_embeddings=max_positions, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                        decoder_start_token_id=2, forced_bos_token_id=0, forced_eos_token_id=2,
                        normalize_before=False)  # as in distilbart-cnn-12-6's config.json (CTranslate2 reads it)
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


BUILDERS: dict[str, tuple[Callable[..., Path], int]] = {
    "nllb": (_build_nllb, 1024),
    "m2m100": (_build_m2m100, 1024),
    "mbart50": (_build_mbart50, 1024),
    "madlad": (_build_madlad, 512),
    "marian_multi": (_build_marian_multi, 1024),
    "t5_summarizer": (_build_t5_summarizer, 512),
    "pegasus": (_build_pegasus, 512),
    "nllb_no_arabic": (lambda folder, *, max_positions: _build_nllb(folder, max_positions=max_positions,
                                                                     arabic=False), 1024),
    "marian_en_de": (_build_marian_en_de, 512),
}


# the pipeline tests' pair (``tiny_models.build_all``), built by the same builder as every family
PIPELINE_MODELS: dict[str, tuple[Callable[..., Path], int]] = {
    "marian": (_build_marian_ar_en, 256),
    "bart": (_build_bart, 128),
}


def build_family(name: str, folder: Path, *, max_positions: int | None = None) -> Path:
    """Build family ``name`` (or one of the pipeline tests' ``PIPELINE_MODELS``) into ``folder /
    name`` and return that folder. ``max_positions`` replaces the real model's position-table size
    (e.g. a small one to test clamping)."""
    builders = {**BUILDERS, **PIPELINE_MODELS}
    if name not in builders:
        raise KeyError(f"unknown family {name!r}; known: {', '.join(BUILDERS)}")
    import torch

    builder, real_positions = builders[name]
    torch.manual_seed(0)
    target = Path(folder) / name
    target.mkdir(parents=True, exist_ok=True)
    return builder(target, max_positions=max_positions or real_positions)


def build_all_families(folder: Path) -> dict[str, Path]:
    """Every family, each in its own sub-folder of ``folder``."""
    return {name: build_family(name, folder) for name in BUILDERS}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.support.tiny_families OUTPUT_FOLDER")
    for family, path in build_all_families(Path(sys.argv[1])).items():
        print(f"{family}\t{path}")

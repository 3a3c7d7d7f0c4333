"""The tiny family models load like the real Hub models, carry their language tokens, generate, and
convert to CTranslate2 (or fail to, exactly as recorded in the notes)."""

from __future__ import annotations

import json

import pytest

from tests.support.tiny_families import FAMILIES, MADLAD_LANGS, OPUS_TARGETS, build_all_families, build_family

ARABIC = "أكد وزير الخارجية الروسي التعاون الاقتصادي في موسكو"
ARCHITECTURES = {"m2m_100": "M2M100ForConditionalGeneration", "mbart": "MBartForConditionalGeneration",
                 "t5": "T5ForConditionalGeneration", "marian": "MarianMTModel",
                 "pegasus": "PegasusForConditionalGeneration"}
CONVERTIBLE = [name for name in FAMILIES if name != "m2m100"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all_families(tmp_path_factory.mktemp("families")), None


@pytest.fixture(scope="module")
def families(built):
    return built[0]


def _tokenizer(path, name: str):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if FAMILIES[name].src_lang:
        tokenizer.src_lang = FAMILIES[name].src_lang
    return tokenizer


def _raw(path, file: str) -> dict:
    return json.loads((path / file).read_text(encoding="utf-8"))


def test_all_families_build(built):
    paths, _ = built
    assert sorted(paths) == sorted(FAMILIES)
    assert all(path.name == name and (path / "config.json").is_file() for name, path in paths.items())


@pytest.mark.parametrize("name", list(FAMILIES))
def test_auto_classes_load_the_real_classes(families, name):
    from transformers import AutoConfig, AutoModelForSeq2SeqLM

    family = FAMILIES[name]
    assert type(_tokenizer(families[name], name)).__name__ == family.tokenizer_class
    assert AutoConfig.from_pretrained(families[name]).model_type == family.model_type
    assert type(AutoModelForSeq2SeqLM.from_pretrained(families[name])).__name__ == ARCHITECTURES[family.model_type]


@pytest.mark.parametrize("name", [n for n, f in FAMILIES.items() if f.source_tag or f.target_tag])
def test_language_tokens_have_single_ids(families, name):
    family = FAMILIES[name]
    tokenizer = _tokenizer(families[name], name)
    for tag in filter(None, (family.source_tag, family.target_tag)):
        token_id = tokenizer.convert_tokens_to_ids(tag)
        assert token_id != tokenizer.unk_token_id
        assert tokenizer.convert_ids_to_tokens(token_id) == tag


def test_nllb_layout_tags_and_default_source_language(families):
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    tokenizer = _tokenizer(families["nllb"], "nllb")
    first_code = tokenizer.convert_tokens_to_ids(FAIRSEQ_LANGUAGE_CODES[0])
    for code in ("arb_Arab", "eng_Latn", "fra_Latn", "deu_Latn"):  # codes follow the BPE vocabulary, in FLORES order
        assert tokenizer.convert_tokens_to_ids(code) == first_code + FAIRSEQ_LANGUAGE_CODES.index(code)
    assert tokenizer.convert_tokens_to_ids("<mask>") == len(tokenizer) - 1 == first_code + len(FAIRSEQ_LANGUAGE_CODES)
    ids = tokenizer(ARABIC).input_ids
    assert (ids[0], ids[-1]) == (tokenizer.convert_tokens_to_ids("arb_Arab"), 2)  # non-legacy: [lang] ... </s>
    from transformers import AutoTokenizer

    untagged = AutoTokenizer.from_pretrained(families["nllb"])  # src_lang unset, as in the Hub file
    assert untagged.src_lang == "eng_Latn"
    assert untagged(ARABIC).input_ids[0] == tokenizer.convert_tokens_to_ids("eng_Latn")
    assert _raw(families["nllb"], "tokenizer_config.json")["src_lang"] is None
    config = _raw(families["nllb"], "config.json")
    assert (config["decoder_start_token_id"], config["max_position_embeddings"], config["max_length"]) == (2, 1024, 200)
    assert "forced_bos_token_id" not in config and tokenizer.model_max_length == 1024


def test_nllb_without_arabic_has_no_arabic_code(families):
    tokenizer = _tokenizer(families["nllb_no_arabic"], "nllb_no_arabic")
    assert tokenizer.convert_tokens_to_ids("arb_Arab") == tokenizer.unk_token_id == 3
    assert not [token for token in tokenizer.get_vocab() if token.endswith("_Arab")]
    assert tokenizer.convert_tokens_to_ids("eng_Latn") != tokenizer.unk_token_id


def test_m2m100_layout_and_tags(families):
    from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

    codes = FAIRSEQ_LANGUAGE_CODES["m2m100"]
    tokenizer = _tokenizer(families["m2m100"], "m2m100")
    vocab_size = len(_raw(families["m2m100"], "vocab.json"))
    assert tokenizer.get_lang_id("ar") == vocab_size + codes.index("ar")
    assert tokenizer.get_lang_id("en") == vocab_size + codes.index("en")
    assert _raw(families["m2m100"], "config.json")["vocab_size"] == vocab_size + len(codes) + 8  # 8 madeup words
    ids = tokenizer(ARABIC).input_ids
    assert (ids[0], ids[-1]) == (tokenizer.get_lang_id("ar"), 2)
    assert _raw(families["m2m100"], "special_tokens_map.json")["additional_special_tokens"][:2] == ["__af__", "__am__"]


def test_mbart50_forces_english_through_the_generation_config(families):
    from transformers import AutoModelForSeq2SeqLM

    tokenizer = _tokenizer(families["mbart50"], "mbart50")
    english = tokenizer.convert_tokens_to_ids("en_XX")
    assert _raw(families["mbart50"], "config.json")["forced_bos_token_id"] == english
    assert AutoModelForSeq2SeqLM.from_pretrained(families["mbart50"]).generation_config.forced_bos_token_id == english
    ids = tokenizer(ARABIC).input_ids
    assert (ids[0], ids[-1]) == (tokenizer.convert_tokens_to_ids("ar_AR"), 2)
    assert _raw(families["mbart50"], "tokenizer_config.json")["src_lang"] is None


def test_madlad_target_tags_are_vocabulary_pieces(families):
    tokenizer = _tokenizer(families["madlad"], "madlad")
    assert [tokenizer.convert_tokens_to_ids(f"<2{lang}>") for lang in MADLAD_LANGS] == list(range(3, 13))
    ids = tokenizer("<2en> " + ARABIC).input_ids
    assert (ids[0], ids[-1]) == (3, 2)
    assert (tokenizer.pad_token, tokenizer.unk_token_id) == ("<s>", 0)
    config = _raw(families["madlad"], "config.json")
    assert (config["decoder_start_token_id"], config["tie_word_embeddings"], config["n_positions"]) == (0, False, 512)


def test_marian_multi_target_tokens(families):
    tokenizer = _tokenizer(families["marian_multi"], "marian_multi")
    assert tokenizer.supported_language_codes == [f">>{code}<<" for code in OPUS_TARGETS]
    assert tokenizer(">>eng<< " + ARABIC).input_ids[0] == 2 + OPUS_TARGETS.index("eng")
    assert _raw(families["marian_multi"], "tokenizer_config.json")["target_lang"] == "deu+eng+fra+por+spa"


def test_single_pair_and_summarizer_configs(families):
    marian = _raw(families["marian_en_de"], "tokenizer_config.json")
    assert (marian["source_lang"], marian["target_lang"], marian["model_max_length"]) == ("en", "de", 512)
    t5 = _raw(families["t5_summarizer"], "config.json")
    assert t5["task_specific_params"]["summarization"]["prefix"] == "summarize: "
    assert _tokenizer(families["t5_summarizer"], "t5_summarizer").model_max_length == 512
    pegasus = _raw(families["pegasus"], "config.json")
    assert "task_specific_params" not in pegasus and pegasus["max_position_embeddings"] == 512


@pytest.mark.parametrize("name", list(FAMILIES))
def test_generate_starts_with_the_decoder_start_and_forced_token(families, name):
    from transformers import AutoModelForSeq2SeqLM

    family, tokenizer = FAMILIES[name], _tokenizer(families[name], name)
    model = AutoModelForSeq2SeqLM.from_pretrained(families[name])
    forced = {"forced_bos_token_id": tokenizer.convert_tokens_to_ids(family.target_tag)} if family.target_tag else {}
    output = model.generate(**tokenizer([family.prefix + ARABIC], return_tensors="pt"), max_new_tokens=4,
                            num_beams=1, do_sample=False, **forced)[0].tolist()
    assert output[0] == model.config.decoder_start_token_id
    assert 2 <= len(output) <= 5
    if forced:
        assert output[1] == forced["forced_bos_token_id"]


def _convert(source, target, converter_class=None):
    import ctranslate2

    converter_class = converter_class or ctranslate2.converters.TransformersConverter
    converter_class(str(source)).convert(str(target), quantization="float32")
    return json.loads((target / "shared_vocabulary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", CONVERTIBLE)
def test_ctranslate2_converts_and_matches_transformers_greedy(families, tmp_path, name):
    import ctranslate2
    from transformers import AutoModelForSeq2SeqLM

    family, tokenizer = FAMILIES[name], _tokenizer(families[name], name)
    vocabulary = _convert(families[name], tmp_path / "ct2")
    for tag in filter(None, (family.source_tag, family.target_tag)):
        assert vocabulary.index(tag) == tokenizer.convert_tokens_to_ids(tag)
    encoded = tokenizer([family.prefix + ARABIC], return_tensors="pt")
    source = tokenizer.convert_ids_to_tokens(encoded.input_ids[0].tolist())
    prefix = [[family.target_tag]] if family.target_tag else None
    result = ctranslate2.Translator(str(tmp_path / "ct2")).translate_batch(
        [source], target_prefix=prefix, beam_size=1, max_decoding_length=6)
    hypothesis = result[0].hypotheses[0]
    if family.target_tag:
        assert hypothesis[0] == family.target_tag  # CTranslate2 returns the prefix in the hypothesis
    forced = {"forced_bos_token_id": tokenizer.convert_tokens_to_ids(family.target_tag)} if prefix else {}
    model = AutoModelForSeq2SeqLM.from_pretrained(families[name])
    output = model.generate(**encoded, max_new_tokens=6, num_beams=1, do_sample=False, **forced)[0].tolist()
    # The last step may differ: Transformers forces </s> at max_length, CTranslate2 does not.
    assert hypothesis[:5] == tokenizer.convert_ids_to_tokens(output[1:6])


def test_ctranslate2_refuses_m2m100_hub_layout_and_the_workaround(families, tmp_path):
    import ctranslate2

    tokenizer = _tokenizer(families["m2m100"], "m2m100")
    with pytest.raises(ValueError, match=r"^Source vocabulary 0 has size 309 but the model expected a vocabulary "
                                         r"of size 409$"):
        _convert(families["m2m100"], tmp_path / "plain")

    class WithLanguageTokens(ctranslate2.converters.TransformersConverter):
        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            return tokenizer_class.from_pretrained(model_name_or_path, additional_special_tokens=list(
                tokenizer.lang_token_to_id), **kwargs)

    vocabulary = _convert(families["m2m100"], tmp_path / "fixed", WithLanguageTokens)
    assert (len(vocabulary), vocabulary[-1]) == (409, "madeupword7")
    assert vocabulary.index("__en__") == tokenizer.get_lang_id("en")
    assert vocabulary.index("__ar__") == tokenizer.get_lang_id("ar")


@pytest.mark.parametrize("name", ["mbart50", "pegasus"])
def test_the_fixtures_carry_the_keys_ctranslate2_reads_and_convert(families, tmp_path, name):
    # CTranslate2's converter reads the legacy `normalize_before` that configs written by
    # transformers 5 lack; the fixtures write it (as the Hub's own configs have it), so they convert
    assert "normalize_before" in _raw(families[name], "config.json")
    assert _convert(families[name], tmp_path / "ct2")


def test_build_family_options_and_errors(tmp_path):
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(build_family("pegasus", tmp_path, max_positions=64)).max_position_embeddings == 64
    assert (tmp_path / "pegasus" / "config.json").is_file()
    with pytest.raises(KeyError, match="unknown family 'opus'; known: nllb, m2m100, mbart50"):
        build_family("opus", tmp_path)

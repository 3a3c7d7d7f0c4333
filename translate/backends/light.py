"""The model's tokenizer and config for the CTranslate2 path, without transformers or torch.

Importing transformers' tokenizer and config classes imports torch (``AutoConfig`` pulls it in
through the rope utilities, ``AutoTokenizer`` through its generic utilities): ~2-3 s before the
first token on a small machine, for a backend that needs neither. So when the CTranslate2 copy of
a model is made (which needs transformers and torch anyway, once), what the backend needs of the
tokenizer and the config is written next to it (``SNAPSHOT``), and later runs load that with the
``tokenizers`` / ``sentencepiece`` libraries alone:

* ``fast``: tokenizers backed by a ``tokenizers.Tokenizer`` (BART, NLLB, mBART-50, T5/MADLAD,
  Pegasus ...): its serialization as transformers built it, so encoding and decoding are the same
  calls transformers makes; ``src_lang`` rebuilds the language template as NLLB and mBART-50 do;
* ``marian``: OPUS-MT's SentencePiece tokenizer, re-implemented here from transformers'
  ``MarianTokenizer`` (special tokens split out of the text first, a leading ``>>xx<<`` code,
  SentencePiece pieces looked up in ``vocab.json``, ``</s>`` appended; decoding with the source
  model for a shared vocabulary). Its Moses punctuation normalizer is never used on this path
  (transformers' ``MarianTokenizer`` creates it but does not call it), so sacremoses is not loaded;
* anything else (a tokenizer class that changes these methods, M2M-100's Python tokenizer):
  no snapshot; the backend loads transformers' tokenizer, as before.

A snapshot records the transformers version it was made with and is ignored under another one.
``tests/test_light_tokenizers.py`` checks every family against transformers.
"""

from __future__ import annotations

import json
import logging
import os
import re
from importlib import metadata
from pathlib import Path
from typing import Sequence

log = logging.getLogger("translate")
SNAPSHOT = "translate-tokenizer.json"
SCHEMA = 1
# methods of transformers' TokenizersBackend that the ``fast`` kind replays: a class that overrides
# any of them behaves differently, and gets no snapshot
FAST_METHODS = ("__call__", "_encode_plus", "encode", "tokenize", "decode", "_decode", "convert_ids_to_tokens",
                "convert_tokens_to_ids", "_convert_token_to_id_with_added_voc", "clean_up_tokenization",
                "get_vocab", "prepare_for_tokenization")


def transformers_version() -> str | None:
    try:
        return metadata.version("transformers")
    except metadata.PackageNotFoundError:
        return None


def _overrides(cls: type, base_name: str, methods: Sequence[str]) -> list[str]:
    base = next((c for c in cls.__mro__ if c.__name__ == base_name), None)
    if base is None:
        return ["(no " + base_name + ")"]
    return [m for m in methods if getattr(cls, m, None) is not getattr(base, m, None)]


def describe(tokenizer, config) -> dict | None:
    """What the CTranslate2 path needs of transformers' ``tokenizer`` and ``config``, or None when
    this module cannot reproduce the tokenizer."""
    common = {
        "schema": SCHEMA, "transformers": transformers_version(), "class": type(tokenizer).__name__,
        "config": config.to_dict(), "model_max_length": tokenizer.model_max_length,
        "special_tokens": list(tokenizer.all_special_tokens), "special_ids": list(tokenizer.all_special_ids),
        "pad_token_id": tokenizer.pad_token_id, "unk_token": tokenizer.unk_token,
        "unk_token_id": tokenizer.unk_token_id,
        "eos_token": tokenizer.eos_token, "eos_token_id": tokenizer.eos_token_id,
        "source_lang": getattr(tokenizer, "source_lang", None), "target_lang": getattr(tokenizer, "target_lang", None),
        "lang_token_to_id": getattr(tokenizer, "lang_token_to_id", None) or None,
    }
    if getattr(tokenizer, "split_special_tokens", False):
        return None
    if hasattr(tokenizer, "backend_tokenizer"):
        changed = _overrides(type(tokenizer), "TokenizersBackend", FAST_METHODS)
        if changed:
            log.debug("no light tokenizer for %s (it changes %s)", type(tokenizer).__name__, ", ".join(changed))
            return None
        backend = tokenizer.backend_tokenizer
        bpe = type(backend.model).__name__ == "BPE"
        clean = bool(tokenizer.clean_up_tokenization_spaces) and not (bpe and not getattr(
            tokenizer, "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", False))
        template = None
        if hasattr(tokenizer, "set_src_lang_special_tokens"):
            template = "suffix" if getattr(tokenizer, "legacy_behaviour", False) else "prefix"
        return {**common, "kind": "fast", "clean_up": clean, "src_lang_template": template,
                "backend": backend.to_str()}
    if type(tokenizer).__name__ == "MarianTokenizer":
        added = [[token.content, index, token.lstrip, token.rstrip, token.single_word]
                 for index, token in sorted(tokenizer.added_tokens_decoder.items())]
        return {**common, "kind": "marian", "clean_up": bool(tokenizer.clean_up_tokenization_spaces),
                "added": added, "separate_vocabs": bool(tokenizer.separate_vocabs),
                "spm": [Path(p).name for p in tokenizer.spm_files]}
    log.debug("no light tokenizer for %s", type(tokenizer).__name__)
    return None


def write_snapshot(target: Path, tokenizer, config) -> None:
    """Write ``describe``'s record into the converted model folder ``target`` (atomically: runs
    that start meanwhile read either nothing or the whole file)."""
    record = describe(tokenizer, config)
    if record is None:
        return
    partial = target / f".{SNAPSHOT}.{os.getpid()}"
    partial.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    partial.replace(target / SNAPSHOT)


def load(target: Path, folder: Path):
    """(tokenizer, config) from the snapshot in ``target`` for the model in ``folder``, or None
    when there is none usable (missing, another schema or transformers version, unsupported)."""
    path = target / SNAPSHOT
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.debug("unreadable %s (%s)", path, exc)
        return None
    if record.get("schema") != SCHEMA or record.get("transformers") != transformers_version():
        return None
    kind = {"fast": FastTokenizer, "marian": MarianTokenizer}.get(record.get("kind"))
    return (kind(record, folder), Config(record["config"])) if kind else None


class Config:
    """A model config read from its dict: ``config.name`` is the value or AttributeError, as on
    transformers' config objects (whose ``to_dict`` it came from, defaults included)."""

    def __init__(self, data: dict) -> None:
        self._data = data

    def __getattr__(self, name: str):
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_dict(self) -> dict:
        return dict(self._data)


class LightTokenizer:
    """The part of transformers' tokenizer API the backends use."""

    def __init__(self, record: dict) -> None:
        self.class_name = record["class"]
        self.model_max_length = record["model_max_length"]
        self.all_special_tokens = record["special_tokens"]
        self.all_special_ids = record["special_ids"]
        self.pad_token_id, self.unk_token_id = record["pad_token_id"], record["unk_token_id"]
        self.unk_token, self.eos_token = record["unk_token"], record["eos_token"]
        self.eos_token_id = record["eos_token_id"]
        self.source_lang, self.target_lang = record["source_lang"], record["target_lang"]
        self.lang_token_to_id = record["lang_token_to_id"]
        self.clean_up = record["clean_up"]

    def __call__(self, texts: Sequence[str], *, add_special_tokens: bool = True, **_ignored) -> dict:
        return {"input_ids": self.encode_batch(list(texts), add_special_tokens)}

    def encode_batch(self, texts: list[str], add_special_tokens: bool) -> list[list[int]]:
        raise NotImplementedError

    def finish_decoding(self, text: str) -> str:
        """transformers' ``clean_up_tokenization`` when the tokenizer asks for it."""
        if not self.clean_up:
            return text
        for before, after in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                              (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
            text = text.replace(before, after)
        return text


class FastTokenizer(LightTokenizer):
    """A ``tokenizers.Tokenizer`` as transformers serialized it (transformers' ``TokenizersBackend``)."""

    def __init__(self, record: dict, folder: Path) -> None:
        from tokenizers import Tokenizer

        super().__init__(record)
        self.backend = Tokenizer.from_str(record["backend"])
        self.template = record["src_lang_template"]
        self._src_lang = None

    @property
    def src_lang(self):
        return self._src_lang

    @src_lang.setter
    def src_lang(self, code: str) -> None:
        """As NLLB's and mBART-50's tokenizers: ``code text </s>`` (NLLB's legacy: ``text </s> code``)."""
        from tokenizers import processors

        self._src_lang = code
        if self.template is None:
            return
        ids = [(self.eos_token, self.eos_token_id), (code, self.convert_tokens_to_ids(code))]
        single = [code, "$A", self.eos_token] if self.template == "prefix" else ["$A", self.eos_token, code]
        pair = [code, "$A", "$B", self.eos_token] if self.template == "prefix" else ["$A", "$B", self.eos_token, code]
        self.backend.post_processor = processors.TemplateProcessing(single=single, pair=pair, special_tokens=ids)

    def encode_batch(self, texts: list[str], add_special_tokens: bool) -> list[list[int]]:
        return [e.ids for e in self.backend.encode_batch(texts, add_special_tokens=add_special_tokens)]

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = False) -> str:
        return self.finish_decoding(self.backend.decode(list(ids), skip_special_tokens=skip_special_tokens))

    def convert_ids_to_tokens(self, ids):
        if isinstance(ids, int):
            return self.backend.id_to_token(ids)
        return [self.backend.id_to_token(int(i)) for i in ids]

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, str):
            found = self.backend.token_to_id(tokens)
            return self.unk_token_id if found is None else found
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def get_vocab(self) -> dict[str, int]:
        return self.backend.get_vocab(with_added_tokens=True)


class MarianTokenizer(LightTokenizer):
    """transformers' ``MarianTokenizer`` (source and target SentencePiece models, one ``vocab.json``)."""

    def __init__(self, record: dict, folder: Path) -> None:
        import sentencepiece

        super().__init__(record)
        self.encoder = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        self.separate_vocabs = record["separate_vocabs"]
        target_vocab = folder / "target_vocab.json"
        decoder_vocab = json.loads(target_vocab.read_text(encoding="utf-8")) if self.separate_vocabs else self.encoder
        self.decoder = {index: token for token, index in decoder_vocab.items()}
        source, target = (sentencepiece.SentencePieceProcessor(model_file=str(folder / name)) for name in record["spm"])
        self.spm_source = source
        self.spm_decode = target if self.separate_vocabs else source  # transformers 5: use_source_tokenizer default
        self.added = {content: (index, lstrip, rstrip, single) for content, index, lstrip, rstrip, single
                      in record["added"]}
        self.added_ids = {index: content for content, (index, *_rest) in self.added.items()}
        pattern = "|".join(re.escape(t) for t in sorted(self.added, key=len, reverse=True))
        self.splitter = re.compile(f"({pattern})") if pattern else None
        self.special = set(self.all_special_tokens)
        self.skip = set(self.all_special_ids)

    def tokenize(self, text: str) -> list[str]:
        """transformers' ``PreTrainedTokenizer.tokenize``: added tokens split out (with their
        strip rules), the rest cut into SentencePiece pieces."""
        parts = [p for p in self.splitter.split(text)] if self.splitter else [text]
        for i, part in enumerate(parts):
            if part not in self.added:
                continue
            _, lstrip, rstrip, single = self.added[part]
            left = parts[i - 1] if i > 0 else None
            right = parts[i + 1] if i < len(parts) - 1 else None
            if rstrip and right:
                parts[i + 1] = right.lstrip()
            if lstrip and left:
                parts[i - 1] = left.rstrip()
            if single:
                if left and left[-1] != " ":
                    parts[i - 1] += part
                    parts[i] = ""
                elif right and right[0] != " ":
                    parts[i + 1] = part + parts[i + 1]
                    parts[i] = ""
        tokens: list[str] = []
        for part in parts:
            if not part:
                continue
            if part in self.added or part in self.special:
                tokens.append(part)
                continue
            if part.startswith(">>") and (end := part.find("<<")) != -1:  # a target language code
                tokens.append(part[:end + 2])
                part = part[end + 2:]
            tokens.extend(self.spm_source.encode(part, out_type=str))
        return tokens

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, str):
            if tokens in self.added:
                return self.added[tokens][0]
            return self.encoder.get(tokens, self.encoder[self.unk_token])
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def convert_ids_to_tokens(self, ids, skip_special_tokens: bool = False):
        if isinstance(ids, int):
            return self._token(ids)
        return [self._token(int(i)) for i in ids if not (skip_special_tokens and int(i) in self.skip)]

    def _token(self, index: int) -> str:
        if index in self.added_ids:
            return self.added_ids[index]
        if index in self.decoder:
            return self.decoder[index]
        return self.spm_decode.IdToPiece(index) or self.unk_token

    def encode_batch(self, texts: list[str], add_special_tokens: bool) -> list[list[int]]:
        tail = [self.eos_token_id] if add_special_tokens else []
        return [self.convert_tokens_to_ids(self.tokenize(text)) + tail for text in texts]

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = False) -> str:
        """transformers' ``MarianTokenizer.convert_tokens_to_string``."""
        out, pieces = "", []
        for token in self.convert_ids_to_tokens(list(ids), skip_special_tokens=skip_special_tokens):
            if token in self.special:
                out += self.spm_decode.decode_pieces(pieces) + token + " "
                pieces = []
            else:
                pieces.append(token)
        out += self.spm_decode.decode_pieces(pieces)
        return self.finish_decoding(out.replace("\u2581", " ").strip())

    def get_vocab(self) -> dict[str, int]:
        return {**self.encoder, **{content: index for content, (index, *_rest) in self.added.items()}}

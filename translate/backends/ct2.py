"""CTranslate2 backend: the same Hugging Face model, converted once to CTranslate2's format and
run by its C++ engine (int8 on CPU by default: 3.1x Transformers fp32 with beam 4 in bench/run.py).

The converted copy lives in ``$TRANSLATE_CACHE`` (default ``~/.cache/translate``)/ct2/, named after
the model, its revision and a fingerprint of the source files, so a changed model is re-converted.
Tokenization stays the model's own (``AutoTokenizer``), identical to the Transformers backend.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from pathlib import Path

from ..errors import ConversionError, ModelUnavailableError
from .base import Output
from .seq2seq import Seq2SeqBackend

log = logging.getLogger("translate")


def cache_root() -> Path:
    return Path(os.environ.get("TRANSLATE_CACHE", Path.home() / ".cache" / "translate"))


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:12]


def converted_path(model: str, folder: Path, quantization: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "--", model.strip("/"))[-80:]
    return cache_root() / "ct2" / f"{slug}-{_fingerprint(folder)}-{quantization}"


def convert(model: str, folder: Path, quantization: str) -> Path:
    """Convert the Hugging Face model in ``folder``, weights stored in ``quantization`` (the compute
    type: int8 weights on disk are 4x smaller and load without a float32 copy in memory)."""
    target = converted_path(model, folder, quantization)
    if (target / "model.bin").is_file():
        return target
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        """M2M-100 tokenizers list their language tokens only in special_tokens_map.json, which
        transformers 5 no longer reads: without them the vocabulary is 100 tokens short of the model's."""

        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            tokenizer = tokenizer_class.from_pretrained(model_name_or_path, **kwargs)
            codes = getattr(tokenizer, "lang_token_to_id", None)
            if codes and not set(codes) <= set(tokenizer.get_vocab()):
                tokenizer = tokenizer_class.from_pretrained(model_name_or_path, additional_special_tokens=list(codes),
                                                            **kwargs)
            return tokenizer

    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):  # concurrent runs convert once; the others wait, then load it
        if (target / "model.bin").is_file():
            return target
        log.warning("converting %s to CTranslate2 (once; stored in %s)...", model, target)
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            Converter(str(folder)).convert(str(partial), quantization=quantization, force=True)
        except Exception as exc:  # noqa: BLE001 - converters fail in many ways (AttributeError, KeyError...)
            shutil.rmtree(partial, ignore_errors=True)
            raise ConversionError(f"model {model!r} could not be converted to CTranslate2 ({type(exc).__name__}: "
                                  f"{exc})", "use backend: transformers for this model in models.yaml") from exc
        shutil.rmtree(target, ignore_errors=True)  # a conversion killed mid-rename left no model.bin
        partial.rename(target)  # a finished conversion appears atomically
    return target


def _target_vocabulary(path: Path) -> dict[str, int]:
    """Token -> id in the converted model: the Hugging Face ids (the converter keeps their order), so
    outputs decode exactly as Transformers' do, language and filler tokens included."""
    for name in ("target_vocabulary.json", "shared_vocabulary.json"):
        if (path / name).is_file():
            tokens = json.loads((path / name).read_text(encoding="utf-8"))
            return {token: index for index, token in reversed(list(enumerate(tokens)))}
    for name in ("target_vocabulary.txt", "shared_vocabulary.txt"):
        if (path / name).is_file():
            tokens = (path / name).read_text(encoding="utf-8").split("\n")
            return {token: index for index, token in reversed(list(enumerate(tokens)))}
    raise ModelUnavailableError(f"the CTranslate2 copy in {path} has no vocabulary file",
                                f"delete {path} to convert the model again")


class CTranslate2Backend(Seq2SeqBackend):
    name = "ctranslate2"

    def __init__(self, options, folder: Path, role: str) -> None:
        try:
            import ctranslate2  # noqa: F401
        except ImportError as exc:
            raise ModelUnavailableError("backend 'ctranslate2' was requested but the ctranslate2 package is not installed",
                                        "pip install ctranslate2, or set backend: transformers (or auto)") from exc
        super().__init__(options, folder, role)
        self.compute_type = options.compute_type
        if self.compute_type == "auto":
            self.compute_type = "int8_float16" if self.device == "cuda" else "int8"
        self.threads = options.threads or os.cpu_count() or 1

    def converted(self) -> Path:
        """The CTranslate2 copy of the model, converted now if missing."""
        return convert(self.options.model, self.folder, self.compute_type)

    def load(self):
        if not self.loaded:
            import ctranslate2

            path = self.converted()
            # on CUDA, one replica per visible GPU (CUDA_VISIBLE_DEVICES chooses them); batches are
            # spread over the replicas
            gpus = list(range(ctranslate2.get_cuda_device_count())) if self.device == "cuda" else [0]
            try:
                self.engine = ctranslate2.Translator(str(path), device=self.device, compute_type=self.compute_type,
                                                     device_index=gpus or [0], intra_threads=self.threads,
                                                     inter_threads=max(1, len(gpus)))
            except Exception as exc:  # noqa: BLE001 - any failure to load stops the run with one message
                raise ModelUnavailableError(f"{self.role} model {self.options.model!r}: the CTranslate2 copy in {path} "
                                            f"could not be loaded ({type(exc).__name__}: {exc})",
                                            f"delete {path} to convert it again, or set backend: transformers") from exc
            self.target_ids = _target_vocabulary(path)
            self.loaded = True
        return self.engine

    def _generate(self, encoded: list[list[int]]) -> list[Output]:
        gen = self.generation
        # Transformers counts the end token in max_new_tokens (and forces it at the limit when the
        # model sets forced_eos_token_id); CTranslate2's max_decoding_length does not count it.
        forced_end = getattr(self.config, "forced_eos_token_id", None) is not None
        tokens = [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded]
        prefix = [[self.tagging.target_token]] * len(tokens) if self.tagging.target_token else None
        longest = max(gen.max_new_tokens - (1 if forced_end else 0), 1)
        results = self.load().translate_batch(
            tokens, target_prefix=prefix, beam_size=gen.num_beams, length_penalty=gen.length_penalty,
            max_decoding_length=longest, min_decoding_length=min(gen.min_new_tokens, longest),
            no_repeat_ngram_size=gen.no_repeat_ngram_size, max_input_length=0)
        outputs = []
        for result in results:
            hypothesis = result.hypotheses[0]  # the target prefix included, as Transformers counts it
            text = hypothesis[1:] if prefix and hypothesis[:1] == prefix[0] else hypothesis
            # the end token, as Transformers counts it: generated unless the length limit stopped decoding
            produced = len(hypothesis) + (1 if forced_end or len(hypothesis) < longest else 0)
            ids = [self.target_ids.get(token, self.tokenizer.unk_token_id) for token in text]
            outputs.append(Output(text=self._decode(ids), tokens=produced,
                                  hit_limit=produced >= gen.max_new_tokens))
        return outputs

    def settings(self) -> dict:
        return {**super().settings(), "compute_type": self.compute_type}

    def provenance(self) -> dict:
        import ctranslate2

        record = super().provenance()
        record["threads"] = self.threads if self.device == "cpu" else None
        record["versions"]["ctranslate2"] = ctranslate2.__version__
        return record

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
from . import light
from .base import Contexts, Output
from .devices import threads
from .seq2seq import Seq2SeqBackend
from .wrappers import Deferred, Pending

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


def raw_logprob(score: float, length: int, length_penalty: float) -> float:
    """The sum of the token log-probabilities of a hypothesis, from CTranslate2's ``return_scores``
    score. CTranslate2 (``decoding.cc``, ``finalize_hypothesis_score``; greedy and beam search alike)
    returns ``sum / length ** length_penalty``, where the sum covers every decoding step after the
    decoder start token — the forced target prefix adds 0 (``update_sample_with_prefix`` gives it
    score 0), the end token adds its own log-probability — and ``length`` counts the hypothesis
    with the prefix and the end token (``return_prefix`` and ``include_eos_in_hypotheses`` are on
    in ``translate_batch``; the end token is removed from the returned tokens only afterwards).
    The log-probabilities are those the search used: after the generation constraints
    (``min_decoding_length``, ``no_repeat_ngram_size``) removed tokens, renormalized over the rest,
    as Transformers' ``compute_transition_scores(..., normalize_logits=True)`` gives them."""
    return float(score) * float(length) ** length_penalty


class CTranslate2Backend(Seq2SeqBackend):
    """CTranslate2's ``Translator``. On CPU it decodes ``parallel_batches`` batches at once, each on
    its share of the cores (``devices.threads``): ``submit`` starts a batch and returns at once
    (``BatchingBackend`` keeps several in flight), ``translate`` is one ``submit`` waited for."""

    name = "ctranslate2"

    def __init__(self, options, folder: Path, role: str) -> None:
        try:
            import ctranslate2  # noqa: F401
        except ImportError as exc:
            raise ModelUnavailableError("backend 'ctranslate2' was requested but the ctranslate2 package is not "
                                        "installed", "pip install ctranslate2, or set backend: transformers (or auto)"
                                        ) from exc
        self.snapshot = False  # the tokenizer and config came from the snapshot next to the converted copy
        super().__init__(options, folder, role)
        import ctranslate2

        # on CUDA, one replica per visible GPU (CUDA_VISIBLE_DEVICES chooses them); batches are
        # spread over the replicas
        self.gpus = list(range(ctranslate2.get_cuda_device_count())) if self.device == "cuda" else [0]
        self.split = threads(options, device=self.device, gpus=max(1, len(self.gpus)))
        self.threads = self.split.parallel * self.split.per_batch if self.device == "cpu" else self.split.per_batch

    @property
    def parallel_batches(self) -> int:
        """Batches decoded at once: ``submit`` may be called that many times before waiting."""
        return self.split.parallel

    def _tokenizer_and_config(self):
        """The snapshot written next to the converted copy (``light``: no transformers, no torch);
        transformers' own on the first use (the snapshot is written when the model is loaded)."""
        self.compute_type = self.options.compute_type
        if self.compute_type == "auto":
            self.compute_type = "int8_float16" if self.device == "cuda" else "int8"
        found = light.load(converted_path(self.options.model, self.folder, self.compute_type), self.folder)
        self.snapshot = found is not None
        return found or super()._tokenizer_and_config()

    def converted(self) -> Path:
        """The CTranslate2 copy of the model, converted now if missing, with the snapshot of the
        tokenizer and config beside it (written from transformers' when this run loaded those)."""
        path = convert(self.options.model, self.folder, self.compute_type)
        if not self.snapshot:
            light.write_snapshot(path, self.tokenizer, self.config)
            self.snapshot = True
        return path

    def load(self):
        if not self.loaded:
            import ctranslate2

            path = self.converted()
            per_device = max(1, self.split.parallel // len(self.gpus or [0]))  # inter_threads is per device
            log.debug("%s model on %s: %d batches at once, %d threads each (%s)", self.role, self.device,
                      self.split.parallel, self.split.per_batch, self.split.source)
            try:
                self.engine = ctranslate2.Translator(str(path), device=self.device, compute_type=self.compute_type,
                                                     device_index=self.gpus or [0], intra_threads=self.split.per_batch,
                                                     inter_threads=per_device)
            except Exception as exc:  # noqa: BLE001 - any failure to load stops the run with one message
                raise ModelUnavailableError(f"{self.role} model {self.options.model!r}: the CTranslate2 copy in {path} "
                                            f"could not be loaded ({type(exc).__name__}: {exc})",
                                            f"delete {path} to convert it again, or set backend: transformers") from exc
            self.target_ids = _target_vocabulary(path)
            self.loaded = True
        return self.engine

    def submit(self, batch, *, context: Contexts | None = None) -> Pending:
        """Start decoding ``batch`` on a free worker; ``result()`` waits for its outputs."""
        return self._start(self._checked(batch)) if batch else Deferred(list)

    def _generate(self, encoded: list[list[int]]) -> list[Output]:
        return self._start(encoded).result()

    def _start(self, encoded: list[list[int]]) -> Pending:
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
            no_repeat_ngram_size=gen.no_repeat_ngram_size, max_input_length=0, return_scores=True, asynchronous=True)
        return Deferred(lambda: self._outputs([result.result() for result in results], prefix, longest, forced_end))

    def _outputs(self, results, prefix, longest: int, forced_end: bool) -> list[Output]:
        gen = self.generation
        outputs = []
        for result in results:
            hypothesis = result.hypotheses[0]  # the target prefix included, as Transformers counts it
            text = hypothesis[1:] if prefix and hypothesis[:1] == prefix[0] else hypothesis
            ended = len(hypothesis) < longest  # the end token was generated (else the length limit stopped it)
            # the end token, as Transformers counts it: generated unless the length limit stopped decoding
            produced = len(hypothesis) + (1 if forced_end or ended else 0)
            ids = [self.target_ids.get(token, self.tokenizer.unk_token_id) for token in text]
            outputs.append(Output(text=self._decode(ids), tokens=produced, hit_limit=produced >= gen.max_new_tokens,
                                  logprob=raw_logprob(result.scores[0], len(hypothesis) + ended, gen.length_penalty)))
        return outputs

    def settings(self) -> dict:
        return {**super().settings(), "compute_type": self.compute_type}

    def provenance(self) -> dict:
        import ctranslate2

        record = super().provenance()
        record["threads"] = self.threads if self.device == "cpu" else None
        record["versions"]["ctranslate2"] = ctranslate2.__version__
        return record

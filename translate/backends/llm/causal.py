"""A local instruction LLM (any ``AutoModelForCausalLM`` whose tokenizer has a chat template) as a
backend: the same prompts, parsing and retries as the server backend (``engine``), the chat
requests rendered with the model's own chat template and generated here.

Requests are sorted by prompt length and generated ``max_in_flight`` at a time, left-padded (a
decoder-only model continues the last position of every row). Decoding is greedy when
``temperature`` is 0 (the default), so the same input gives the same output; otherwise sampled
with ``torch.manual_seed(seed)`` before each batch. Tokenizer and config load at once (cheap);
the weights on the first request, so a run answered from the translation memory never loads them.
"""

from __future__ import annotations

import logging
from typing import Callable, Sequence

from ...errors import ModelUnavailableError
from ..hub import resolve_device, resolve_model
from .engine import ChatRequest, LLMBackend, Reply
from .settings import LLMSettings

log = logging.getLogger("translate")


class CausalLMBackend(LLMBackend):
    name = "transformers-causal"

    def __init__(self, options, llm: LLMSettings, *, role: str) -> None:
        from transformers import AutoConfig, AutoTokenizer

        super().__init__(options, llm, role=role)
        self.folder = resolve_model(options.model, options.revision, role)
        where = f"{role} model {options.model!r}"
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.folder)
            self.config = AutoConfig.from_pretrained(self.folder)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelUnavailableError(f"{where}: {self.folder} could not be loaded ({exc})",
                                        "re-save the model with save_pretrained(), or use a Hub id") from exc
        if not getattr(self.tokenizer, "chat_template", None):
            raise ModelUnavailableError(f"{where} has no chat template: it is not an instruction (chat) model",
                                        "use an instruction-tuned model (e.g. a '-Instruct' or '-chat' variant)")
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.device = resolve_device(options.device)
        self.loaded = False
        text_config = getattr(self.config, "text_config", None) or self.config
        self.context_window = llm.context_window or getattr(text_config, "max_position_embeddings", None) or 4096
        self._ready()

    def _count(self, texts: Sequence[str]) -> list[int]:
        encoded = self.tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def _model(self):
        if not self.loaded:
            from transformers import AutoModelForCausalLM

            log.debug("loading %s weights from %s", self.role, self.folder)
            try:
                model = AutoModelForCausalLM.from_pretrained(self.folder)
            except Exception as exc:  # noqa: BLE001 - any failure to load stops the run with one message
                raise ModelUnavailableError(f"{self.role} model {self.options.model!r}: the weights in {self.folder} "
                                            f"could not be loaded ({type(exc).__name__}: {exc})",
                                            "re-download the model (translate models download) or re-save it with "
                                            "save_pretrained()") from exc
            model.eval()
            self.network = (model.half() if self.device == "cuda" else model).to(self.device)
            self.loaded = True
        return self.network

    def _prompts(self, requests: Sequence[ChatRequest]) -> list[str]:
        return [self.tokenizer.apply_chat_template(list(r.messages), add_generation_prompt=True, tokenize=False)
                for r in requests]

    def _execute(self, requests: Sequence[ChatRequest], on_reply: Callable[[int, Reply], None]) -> list[Reply]:
        import torch

        model = self._model()
        prompts = self._prompts(requests)
        lengths = self._count(prompts)
        order = sorted(range(len(requests)), key=lambda i: (-lengths[i], i))
        replies: list[Reply | None] = [None] * len(requests)
        eos = model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [self.tokenizer.eos_token_id])
        size = self.llm.max_in_flight
        for start in range(0, len(order), size):
            indices = order[start:start + size]
            max_new = max(requests[i].max_tokens for i in indices)
            encoded = self.tokenizer([prompts[i] for i in indices], return_tensors="pt", padding=True,
                                     add_special_tokens=False).to(self.device)
            kwargs = {"max_new_tokens": max_new, "pad_token_id": self.tokenizer.pad_token_id}
            if self.llm.temperature > 0:
                torch.manual_seed(self.llm.seed or 0)
                kwargs.update(do_sample=True, temperature=self.llm.temperature)
            else:
                kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            with torch.inference_mode():
                sequences = model.generate(**encoded, **kwargs)
            width = encoded["input_ids"].shape[1]
            for row, index in zip(sequences.tolist(), indices):
                generated = row[width:]
                end = next((k for k, token in enumerate(generated) if token in eos_ids), None)
                kept = generated if end is None else generated[:end]
                text = self.tokenizer.decode(kept, skip_special_tokens=True)
                replies[index] = Reply(text=text, finish_reason="stop" if end is not None else "length")
                on_reply(index, replies[index])
        return replies  # type: ignore[return-value]

    def provenance(self) -> dict:
        import transformers

        record = super().provenance()
        record.update(device=self.device, loaded=self.loaded, resolved_revision=self._resolved_revision(),
                      architecture=(self.config.architectures or [self.config.model_type])[0])
        record["versions"]["transformers"] = transformers.__version__
        if self.loaded:
            import torch

            record["dtype"] = str(next(self.network.parameters()).dtype).replace("torch.", "")
            record["versions"]["torch"] = torch.__version__
        return record

    def settings(self) -> dict:
        return {**super().settings(), "resolved_revision": self._resolved_revision()}

    def _resolved_revision(self) -> str | None:
        parts = self.folder.resolve().parts
        return parts[-1] if len(parts) > 2 and parts[-2] == "snapshots" else None

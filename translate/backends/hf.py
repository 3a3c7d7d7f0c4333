"""The Transformers backend: PyTorch ``generate`` on the Hugging Face model (fp32 on CPU, fp16 on
CUDA); the reference for correctness."""

from __future__ import annotations

import logging

from .base import Output
from .hub import load_weights
from .seq2seq import Seq2SeqBackend

log = logging.getLogger("translate")


class TransformersBackend(Seq2SeqBackend):
    """Runs ``generate`` on one batch at a time; batching and caching are wrappers' business."""

    name = "transformers"

    def _model(self):
        if not self.loaded:
            import torch
            from transformers import AutoModelForSeq2SeqLM

            model = load_weights(AutoModelForSeq2SeqLM.from_pretrained, self.folder, role=self.role,
                                 model=self.options.model)
            model.eval()
            self.network = (model.half() if self.device == "cuda" else model).to(self.device)
            self.threads = torch.get_num_threads()
            self.loaded = True
        return self.network

    def _generate(self, encoded: list[list[int]]) -> list[Output]:
        import torch

        model = self._model()
        gen = self.generation
        kwargs = {"num_beams": gen.num_beams, "max_new_tokens": gen.max_new_tokens,
                  "length_penalty": gen.length_penalty}
        if gen.min_new_tokens:
            kwargs["min_new_tokens"] = gen.min_new_tokens
        if gen.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = gen.no_repeat_ngram_size
        if self.target_token_id is not None:
            kwargs["forced_bos_token_id"] = self.target_token_id
        width = max(len(ids) for ids in encoded)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids in encoded], device=self.device)
        mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids in encoded], device=self.device)
        eos = model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos])
        from transformers import LogitsProcessorList

        from .logprobs import SequenceLogProbs, unreachable

        # Output.logprob, without keeping every step's scores
        recorder = SequenceLogProbs(sorted(eos_ids), beams=gen.num_beams,
                                    never=unreachable(self.config, self.tokenizer))
        with torch.inference_mode():
            sequences = model.generate(input_ids=input_ids, attention_mask=mask,
                                       logits_processor=LogitsProcessorList([recorder]), **kwargs)
        outputs = []
        for item, row in enumerate(sequences.tolist()):
            generated = row[1:]  # drop the decoder start token
            end = next((i for i, t in enumerate(generated) if t in eos_ids), None)
            produced = len(generated) if end is None else end + 1  # tokens generated, the end token included
            while end is None and produced and generated[produced - 1] == pad:
                produced -= 1
            text_ids = generated[:produced]
            if self.target_token_id is not None and text_ids[:1] == [self.target_token_id]:
                text_ids = text_ids[1:]  # the forced language token is not part of the text
            # a model with forced_eos_token_id ends with EOS even when cut off: judge by the length
            outputs.append(Output(text=self._decode(text_ids), tokens=produced,
                                  hit_limit=produced >= gen.max_new_tokens,
                                  logprob=recorder.total(item, row[:1 + produced])))
        return outputs

    def provenance(self) -> dict:
        record = super().provenance()
        if self.loaded:
            import torch

            record["dtype"] = str(next(self.network.parameters()).dtype).replace("torch.", "")
            record["threads"] = self.threads if self.device == "cpu" else None
            record["versions"]["torch"] = torch.__version__
        return record

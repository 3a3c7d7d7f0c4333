"""Build a tiny random-weight instruction LLM (decoder-only, with a chat template), for tests.

    python -m tests.support.tiny_llm /tmp/tiny-llm     # writes the model folder, prints its path

A Qwen2ForCausalLM (the architecture of Qwen2.5-*-Instruct, scaled down to a few thousand
parameters) with a byte-level BPE tokenizer trained here on the Arabic and English lines of
``tiny_models.corpus()`` and a ChatML chat template, as the Qwen instruct models have. It loads
through ``AutoTokenizer`` / ``AutoModelForCausalLM`` and ``transformers serve`` like any Hub model;
the weights are random, so its replies are gibberish (tests rewrite them through a proxy where a
well-formed reply is needed).
"""

from __future__ import annotations

import sys
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CONTEXT_WINDOW = 2048


def build_tokenizer(folder: Path):
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    from tests.support.tiny_models import corpus

    ar, en = corpus()
    prompts = ["You are a translator. Translate each numbered sentence into English.", "Article title:",
               "Previous paragraph:", "Summarize the news article in sentences citing [p1, p2]."]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(ar + en + prompts * 20, vocab_size=800, min_frequency=1, special_tokens=SPECIALS,
                            show_progress=False)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                        model_max_length=CONTEXT_WINDOW)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    return tokenizer


def build_tiny_llm(folder: Path) -> Path:
    """The model folder (config, weights, tokenizer with its chat template)."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(folder)
    eos, pad = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=CONTEXT_WINDOW,
                         bos_token_id=pad, eos_token_id=eos, pad_token_id=pad, tie_word_embeddings=False)
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    with torch.no_grad():  # never generate a special token: replies are visible text (of max_tokens tokens)
        model.lm_head.weight[tokenizer.convert_tokens_to_ids(SPECIALS)] = 0.0
    model.generation_config = GenerationConfig(bos_token_id=pad, eos_token_id=eos, pad_token_id=pad, do_sample=False)
    model.save_pretrained(folder)
    return folder


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.support.tiny_llm OUTPUT_FOLDER")
    print(build_tiny_llm(Path(sys.argv[1])))

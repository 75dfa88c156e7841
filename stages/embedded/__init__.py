"""embedded: the tiny local models that let the whole pipeline run offline, built deterministically.

- models/base: a tokenizer trained with `tokenizers` (byte-level BPE, each CJK character isolated so
  Chinese is not learnt as multi-character chunks; a chat template with generation markers) and a
  randomly initialised Llama-architecture causal LM: the default `base.model`.
- models/embedded/translators/opus-mt-<src>-<tgt>: tiny MarianMT models trained in seconds on the
  sample pairs, named like OPUS-MT so that direct lookup and pivoting work as with the real ones.
- models/embedded/comet: a tiny COMET regression model on a local XLM-R encoder.
"""

import os
from pathlib import Path

import torch

from stages.core.io import atomic_path, read_jsonl, read_lines
from stages.core.langs import CJK
from stages.core.params import load_params
from stages.core.prompts import (
    ALPACA_NO_INPUT,
    ALPACA_WITH_INPUT,
    CHAT_TEMPLATE,
    HINT_MARKER,
    HINTS,
    render_instruction,
)

from .comet import build_tiny_comet
from .marian import build_tiny_marian

BASE_DIR = Path("models/base")
OUT_DIR = Path("models/embedded")
SAMPLE = Path("data/sample")
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>"]
# The prompt scaffolding (Alpaca preamble, instruction templates, hints) stands in every training example
# but only once in the sample's texts: seen that rarely, BPE leaves its words in fragments ("d esc rib es"),
# and the preamble alone took 55 of an example's 121 tokens. Counted as often as a few thousand examples
# use it, its words become whole tokens, and sft trains on about 40% fewer tokens for the same examples.
SCAFFOLD_WEIGHT = 2000
SCAFFOLD_DIRECTIONS = [("en", "de"), ("en", "zh"), ("de", "en"), ("zh", "en"), ("en", "es"), ("es", "en")]


def sample_texts() -> list[str]:
    """Every text of the embedded sample (no test references), plus the prompt scaffolding."""
    texts = [line for path in sorted((SAMPLE / "pairs").glob("train.*")) for line in read_lines(path)]
    texts += [m["text"] for m in read_jsonl(SAMPLE / "oasst" / "messages.jsonl")]
    texts += read_lines(SAMPLE / "mqm" / "mqm.en-de.tsv")
    texts += read_lines(SAMPLE / "alpaca" / "alpaca_en.json")
    texts += read_lines("configs/templates/translate.en.txt")
    return [text for text in texts if text.strip()] + prompt_scaffolding() * SCAFFOLD_WEIGHT


def prompt_scaffolding() -> list[str]:
    """The text every prompt of the embedded default is built from: the Alpaca preambles, each instruction
    template with the sample's language names, the hint lines."""
    templates = [line for line in read_lines("configs/templates/translate.en.txt") if line.strip()]
    instructions = [render_instruction(t, src, tgt) for t in templates for src, tgt in SCAFFOLD_DIRECTIONS]
    hints = [HINT_MARKER + hint for hint in HINTS.values() if hint]
    return [ALPACA_WITH_INPUT, ALPACA_NO_INPUT, *instructions, *hints]


def build_tokenizer(texts: list[str], vocab_size: int):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(CJK), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        additional_special_tokens=SPECIAL_TOKENS[4:],
        chat_template=CHAT_TEMPLATE,
        model_max_length=2048,
    )


def build_causal_lm(tokenizer, config, seed: int):
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=config.hidden_size,
            intermediate_size=config.intermediate_size,
            num_hidden_layers=config.layers,
            num_attention_heads=config.heads,
            num_key_value_heads=config.heads,
            max_position_embeddings=config.max_positions,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            tie_word_embeddings=True,
        )
    )
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return model


def main() -> None:
    params = load_params()
    config, seed = params.embedded, params.base.seed
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    texts = sample_texts()
    with atomic_path(BASE_DIR) as tmp:
        tokenizer = build_tokenizer(texts, config.vocab_size)
        model = build_causal_lm(tokenizer, config, seed)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        print(
            f"embedded: base LM {model.num_parameters() / 1e6:.2f}M parameters, vocabulary {len(tokenizer)}"
        )
    with atomic_path(OUT_DIR) as tmp:
        for direction, prefix in config.translators.items():
            src, tgt = direction.split("-")
            sources, targets = read_lines(f"{prefix}.{src}"), read_lines(f"{prefix}.{tgt}")
            build_tiny_marian(
                tmp / "translators" / f"opus-mt-{direction}", sources, targets, seed, config.translator_steps
            )
            print(f"embedded: translator opus-mt-{direction}")
        build_tiny_comet(tmp / "comet", texts, seed, final_dir=OUT_DIR / "comet")
        print("embedded: COMET model")

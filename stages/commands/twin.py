"""`lingtune twin MODEL OUT`: a model's twin, to rehearse a recipe on CPU before a GPU is rented.

A twin is the model's real tokenizer (chat template and special tokens unchanged) with its real config
class, vocabulary size and special-token ids, but tiny widths and depth and random weights (safetensors).
It tokenizes, templates, masks, stops and exports exactly as the real model does; what it says is noise.
Only the tokenizer files and config.json of a hub model are fetched, never its weights. Decoder-only and
seq2seq (Marian, M2M-100/NLLB, T5/MADLAD, mBART) models alike.
"""

import argparse
import json
from pathlib import Path

from stages.core.io import InputError, atomic_path

# Every width and depth a config may name, and its twin's value (kept only where the config has the key).
TINY = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "d_model": 64,
    "d_ff": 128,
    "d_kv": 16,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "num_heads": 4,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 128,
    "decoder_ffn_dim": 128,
    "max_window_layers": 2,
}


def stand_in_config(tokenizer):
    """A Llama config over the tokenizer, for a source that has no config.json (a tokenizer-only folder)."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )


def tiny_config(config):
    """The config with widths and depth shrunk; vocabulary, special-token ids, RoPE and class kept."""
    shrunk = config.__class__.from_dict(config.to_dict())
    for key, value in TINY.items():
        if getattr(shrunk, key, None) is not None:
            setattr(shrunk, key, value)
    if getattr(shrunk, "layer_types", None):  # per-layer attention kinds (Gemma 2/3, Qwen3): one per layer
        shrunk.layer_types = shrunk.layer_types[: TINY["num_hidden_layers"]]
    return shrunk


def build_twin(model: str, out: str | Path, tokenizer_source: str | None = None, seed: int = 0) -> dict:
    """Write the twin of `model` (hub id or folder) to `out`; what it is made of, as a summary.

    `tokenizer_source`: take the tokenizer from there instead (a stand-in of the same kind, where the
    model's own cannot be had).
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_source or model)
    except (OSError, ValueError, TypeError) as error:
        # Gemma's copies without its vocabulary file fail inside the tokenizer with a bare TypeError.
        raise InputError(
            tokenizer_source or model, f"no tokenizer to twin ({error}); give one with --tokenizer"
        ) from None
    has_config = (Path(model) / "config.json").is_file() or not Path(model).is_dir()
    config = AutoConfig.from_pretrained(model) if has_config else stand_in_config(tokenizer)
    twin_config = tiny_config(config)
    torch.manual_seed(seed)
    auto = AutoModelForSeq2SeqLM if getattr(config, "is_encoder_decoder", False) else AutoModelForCausalLM
    twin = auto.from_config(twin_config)
    with atomic_path(out) as tmp:
        twin.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        summary = {
            "model": model,
            "tokenizer": tokenizer_source or model,
            "config": f"{model}/config.json" if has_config else "stand-in LlamaConfig (no config.json)",
            "class": type(twin).__name__,
            "parameters": twin.num_parameters(),
            "vocab_size": twin_config.vocab_size,
            "tokenizer_size": len(tokenizer),
        }
        (tmp / "twin.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(args: argparse.Namespace) -> None:
    summary = build_twin(args.model, args.out, args.tokenizer, args.seed)
    print(
        f"lingtune twin: {summary['class']} with {summary['parameters'] / 1e6:.2f}M random parameters, "
        f"vocabulary {summary['vocab_size']} ({summary['config']}), tokenizer of {summary['tokenizer']}, "
        f"in {args.out}"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="hub id or folder (its tokenizer and config.json are read)")
    parser.add_argument("out", help="folder to write the twin to")
    parser.add_argument("--tokenizer", help="take the tokenizer from this id or folder instead")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(run=main)

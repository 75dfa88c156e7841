"""Small inputs for stage tests: a params.yaml beside them, written from the shipped one."""

import copy
import json
from pathlib import Path

import yaml

from stages.core.prompts import sft_example

from .conftest import ROOT

SHIPPED = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def write_params(folder: Path, **groups) -> dict:
    """The shipped params with some groups' keys replaced; written to folder/params.yaml."""
    params = copy.deepcopy(SHIPPED)
    for group, values in groups.items():
        params[group].update(values)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return params


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


SFT_INSTRUCTION = "Translate the following sentences from English to German."
SFT_PAIRS = [
    ("The dog sleeps.", "Der Hund schläft."),
    ("Hello", "Hallo"),
    ("The cat eats.", "Die Katze isst."),
]


def write_sft_data(folder: Path, prompt_format: str = "alpaca", count: int = 24) -> list[dict]:
    """`count` translation examples in data/sft/train.jsonl (the first two also in eval.jsonl)."""
    examples = [
        dict(sft_example(SFT_INSTRUCTION, src, tgt, prompt_format), source="translation")
        for src, tgt in (SFT_PAIRS * count)[:count]
    ]
    write_lines(folder / "data/sft/train.jsonl", [json.dumps(e, ensure_ascii=False) for e in examples])
    write_lines(folder / "data/sft/eval.jsonl", [json.dumps(e, ensure_ascii=False) for e in examples[:2]])
    return examples


def write_sft_params(folder: Path, tiny_lm: Path, prompt_format: str = "alpaca", **sft_keys) -> None:
    """params.yaml for a short sft run on the tiny model; `sft_keys` override."""
    keys = {"epochs": 1, "batch_size": 4, "learning_rate": 0.01, "logging_steps": 1, "mlflow": False}
    write_params(folder, base={"model": str(tiny_lm), "prompt_format": prompt_format}, sft=keys | sft_keys)


def expected_reply(model, tokenizer, prompt: str, new_tokens: int = 10) -> str:
    """What greedy decoding says after an Alpaca `prompt`, without streaming (tokenized with BOS)."""
    import torch

    encoded = tokenizer(prompt, return_tensors="pt", return_token_type_ids=False)
    with torch.inference_mode():
        output = model.generate(
            **encoded, max_new_tokens=new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id
        )
    return tokenizer.decode(output[0, encoded["input_ids"].shape[1] :], skip_special_tokens=True)


SHARED_MODELS = ROOT.parent / "shared" / "models"


def shared_model(name: str) -> Path:
    """A folder of ../shared/models (real tokenizers, templates, configs); the test skips without it."""
    import pytest

    folder = SHARED_MODELS / name
    if not folder.is_dir():
        pytest.skip(f"../shared/models/{name} is absent")
    return folder


def tiny_llama_twin(tokenizer, folder: Path) -> Path:
    """A tiny random Llama over a real tokenizer's vocabulary and special tokens, saved with it."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder

"""LoRA, DoRA and QLoRA train an adapter that is saved, checked and reloaded on its base."""

import json

import pytest
import torch

from stages import sft
from stages.core.models import load_causal_lm

from .helpers import write_sft_data, write_sft_params


@pytest.fixture(scope="module")
def tiny_lm_64(tiny_lm, tmp_path_factory):
    """tiny_lm with 64-wide layers: bitsandbytes' CPU kernels quantise in blocks of 64 inputs."""
    from transformers import AutoTokenizer

    from stages.core.params import Embedded
    from stages.embedded import build_causal_lm

    folder = tmp_path_factory.mktemp("tiny_lm_64")
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    sizes = dict(vocab_size=600, hidden_size=64, intermediate_size=128, layers=1, heads=2, max_positions=256)
    config = Embedded(**sizes, translator_steps=0, translators={})
    build_causal_lm(tokenizer, config, seed=0).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _logits(model, tokens: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=tokens).logits


@pytest.mark.parametrize(
    ("mode", "extra"),
    [
        ("lora", {"preset": "parrot"}),
        (
            "lora",
            {"preset": "llama2lang", "lora_r": 4, "lora_target_modules": "all-linear", "use_dora": True},
        ),
        ("qlora", {"preset": "parrot", "merge": True}),
    ],
    ids=["lora-parrot", "dora-all-linear", "qlora-merged"],
)
def test_adapter_modes_train_and_reload(in_tmp, tiny_lm_64, mode, extra):
    from peft import PeftModel
    from safetensors.torch import load_file

    write_sft_data(in_tmp, count=16)
    tiny_lm = tiny_lm_64
    write_sft_params(in_tmp, tiny_lm, mode=mode, learning_rate=0.05, **extra)
    sft.main([])
    out = in_tmp / sft.OUT_DIR
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny_lm)
    assert config["use_dora"] == extra.get("use_dora", False)
    assert not (out / "model.safetensors").exists()  # the adapter only
    generation = json.loads((out / "generation_config.json").read_text())
    assert generation["eos_token_id"] == [2] and generation["pad_token_id"] == 3  # </s>, <pad>
    saved = load_file(out / "adapter_model.safetensors")
    assert saved and all(t.numel() for t in saved.values())
    report = json.loads((in_tmp / sft.REPORT).read_text())
    assert report["mode"] == mode and 0 < report["trainable_parameters"] < 100_000

    tuned, base = load_causal_lm(str(out)), load_causal_lm(str(tiny_lm))
    assert isinstance(tuned, PeftModel)
    tokens = torch.tensor([[1, 20, 30, 40, 50]])
    assert not torch.allclose(_logits(tuned, tokens), _logits(base, tokens), atol=1e-4)  # it learnt something
    if extra.get("merge"):
        merged = load_causal_lm(str(out / "merged"))
        assert torch.allclose(_logits(merged, tokens), _logits(tuned, tokens), atol=1e-4)


def test_a_saved_adapter_that_differs_from_the_trained_one_fails_loudly(tmp_path):
    from safetensors.torch import save_file

    trained = {"a.lora_A.weight": torch.ones(2, 3), "a.lora_B.weight": torch.ones(3, 2)}
    save_file(
        {"a.lora_A.weight": torch.ones(2, 3), "a.lora_B.weight": torch.zeros(3, 2)},
        tmp_path / "adapter_model.safetensors",
    )
    with pytest.raises(RuntimeError, match="a.lora_B.weight differ from the trained weights"):
        sft.check_saved_adapter(tmp_path, trained)
    save_file({"a.lora_A.weight": torch.empty(0)}, tmp_path / "adapter_model.safetensors")
    with pytest.raises(RuntimeError, match="is empty"):
        sft.check_saved_adapter(tmp_path, trained)
    save_file(trained, tmp_path / "adapter_model.safetensors")
    sft.check_saved_adapter(tmp_path, trained)

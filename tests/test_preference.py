import json

import pytest
import torch

from stages import preference
from stages.core.io import InputError
from stages.core.models import load_causal_lm

from .conftest import ROOT
from .helpers import write_lines, write_params

EMBEDDED_PAIRS = ROOT / "data/preferences/preferences.jsonl"


def _pairs(folder) -> int:
    """The pairs `threads` wrote from the embedded sample when built, else a few of the same shape."""
    if EMBEDDED_PAIRS.is_file():
        lines = EMBEDDED_PAIRS.read_text(encoding="utf-8").splitlines()
    else:
        user = [{"role": "user", "content": "Bitte erkläre diesen Satz: Der Hund schläft."}]
        good = [{"role": "assistant", "content": "Der Hund ruht."}]
        bad = [{"role": "assistant", "content": "Hallo"}]
        lines = [
            json.dumps({"id": str(i), "prompt": user, "chosen": good, "rejected": bad}) for i in range(8)
        ]
    write_lines(folder / preference.PAIRS, lines)
    return len(lines)


def _params(folder, tiny_lm, **keys):
    values = {"model": str(tiny_lm), "epochs": 1, "batch_size": 4, "logging_steps": 1, "mlflow": False}
    write_params(folder, preference=values | keys)


def test_method_none_trains_nothing(in_tmp, tiny_lm):
    _params(in_tmp, tiny_lm)
    preference.main([])
    assert json.loads((in_tmp / preference.REPORT).read_text()) == {"method": "none"}
    assert "method is none" in (in_tmp / preference.OUT_DIR / "README.md").read_text()


@pytest.mark.parametrize("method", ["dpo", "orpo"])
def test_preference_tuning_runs_on_the_pairs(in_tmp, tiny_lm, method):
    count = _pairs(in_tmp)
    _params(in_tmp, tiny_lm, method=method, learning_rate=0.001)
    preference.main([])
    report = json.loads((in_tmp / preference.REPORT).read_text())
    assert report["method"] == method and report["pairs"] == count
    assert report["steps"] == -(-count // 4) and report["train_loss"] > 0
    if method == "dpo":
        assert report["reward_accuracy"] is not None
    tuned, base = load_causal_lm(str(in_tmp / preference.OUT_DIR)), load_causal_lm(str(tiny_lm))
    tokens = torch.tensor([[1, 20, 30, 40]])
    with torch.no_grad():
        assert not torch.allclose(tuned(tokens).logits, base(tokens).logits)


def test_lora_dpo_on_an_sft_adapter_ships_its_merged_base(in_tmp, tiny_lm):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = in_tmp / "models/sft"
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(tiny_lm), LoraConfig(r=2, target_modules=["q_proj"])
    )
    model.save_pretrained(adapter)
    AutoTokenizer.from_pretrained(tiny_lm).save_pretrained(adapter)
    _pairs(in_tmp)
    _params(in_tmp, tiny_lm, method="dpo", model="models/sft", mode="lora", preset="parrot")
    preference.main([])
    out = in_tmp / preference.OUT_DIR
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "models/preference/base"
    assert (out / "base" / "model.safetensors").is_file()
    assert load_causal_lm(str(out)) is not None


def test_pairs_are_message_lists_or_text_alike(in_tmp):
    text = {"prompt": "[INST] hi [/INST]", "chosen": "a", "rejected": "b"}
    write_lines(in_tmp / "pairs.jsonl", [json.dumps(text)])
    assert preference.load_pairs(in_tmp / "pairs.jsonl")[0] == text  # threads.preference_format: text
    write_lines(in_tmp / "pairs.jsonl", [json.dumps(text), json.dumps(text | {"chosen": [{"role": "a"}]})])
    with pytest.raises(InputError, match="pairs.jsonl:2: prompt, chosen and rejected must all be lists"):
        preference.load_pairs(in_tmp / "pairs.jsonl")

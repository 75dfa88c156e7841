"""infer.backend ctranslate2: the convert stage's copy decodes the same greedy tokens as Transformers.

A tiny Llama-class twin of Llama-1's real tokenizer (ParroT's and x-LLM's base), float32 on both sides;
an adapter merged on the fly; the infer cell end to end; a class CTranslate2 cannot convert.
"""

import json
from pathlib import Path

import pytest

from stages import convert, infer
from stages.core import ct2
from stages.core.generation import Generation, generate_all
from stages.core.io import InputError, read_jsonl, read_lines
from stages.core.models import load_causal_lm, load_tokenizer
from stages.core.prompts import translation_prompt

from .helpers import shared_model, tiny_llama_twin, write_lines, write_params

SOURCES = read_lines(Path(__file__).resolve().parents[1] / "data/sample/test/test.en-de.en")[:24]


@pytest.fixture(scope="module")
def twin(tmp_path_factory) -> Path:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(shared_model("llama1"))
    return tiny_llama_twin(tokenizer, tmp_path_factory.mktemp("twin") / "llama1")


def prompts(tokenizer) -> list[str]:
    return [translation_prompt(tokenizer, src, "en", "de", "none", "alpaca") for src in SOURCES]


def both(path: str, folder: Path, tokenizer, generation) -> tuple[list[str], list[str]]:
    """Greedy texts of the Transformers model and of its CTranslate2 copy, on the one generation path."""
    batch = prompts(tokenizer)
    ours = generate_all(load_causal_lm(path), tokenizer, batch, generation, False, batch_tokens=4096, seed=0)
    fast = ct2.CTranslate2Model(folder, path)
    return ours, generate_all(fast, tokenizer, batch, generation, False, batch_tokens=4096, seed=0)


def test_a_twin_decodes_the_same_greedy_tokens_on_both_backends(twin, tmp_path):
    tokenizer = load_tokenizer(str(twin))
    ct2.convert(str(twin), tmp_path / "ct2", "default")
    greedy = Generation(max_new_tokens=12)
    ours, fast = both(str(twin), tmp_path / "ct2", tokenizer, greedy)
    assert len(ours) == len(SOURCES) and all(ours)
    assert fast == ours
    # the new tokens alone, stopped where Transformers stops: no token beyond the cap
    assert all(len(tokenizer(text, add_special_tokens=False)["input_ids"]) <= 14 for text in fast)


def test_an_adapter_is_merged_on_the_fly_and_decodes_as_it_does_on_its_base(twin, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(twin)
    config = LoraConfig(r=4, lora_alpha=32, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    adapter = tmp_path / "lora"
    get_peft_model(base, config).save_pretrained(adapter)
    tokenizer = load_tokenizer(str(adapter))
    ct2.convert(str(adapter), tmp_path / "ct2", "default")
    greedy = Generation(max_new_tokens=12)
    ours, fast = both(str(adapter), tmp_path / "ct2", tokenizer, greedy)
    assert fast == ours
    plain, _ = both(str(twin), tmp_path / "ct2", tokenizer, greedy)
    assert plain != ours  # the adapter was applied, not dropped


def test_the_infer_cell_on_ctranslate2_writes_what_transformers_writes(twin, in_tmp, monkeypatch):
    write_lines(in_tmp / "t.en", SOURCES[:8])
    write_lines(in_tmp / "t.de", SOURCES[:8])
    testsets = {"s": {"src": "t.en", "ref": "t.de", "src_lang": "en", "tgt_lang": "de"}}
    keys = {"testsets": testsets, "preset": "greedy", "max_new_tokens": 10}
    hyps = {}
    for backend in ("transformers", "ctranslate2"):
        write_params(in_tmp, base={"model": str(twin)}, infer=keys | {"backend": backend})
        monkeypatch.setattr("sys.argv", ["convert", "--model", "base"])
        convert.main()
        monkeypatch.setattr("sys.argv", ["infer", "--model", "base", "--hint", "none"])
        infer.main()
        hyps[backend] = [r["raw"] for r in read_jsonl("data/hyps/base/none/s.jsonl")]
        settings = json.loads(Path("data/hyps/base/none/settings.json").read_text())
        assert settings["backend"] == backend
    assert (in_tmp / "models/ct2/base/model.bin").is_file()
    assert hyps["ctranslate2"] == hyps["transformers"]


def test_infer_without_a_converted_model_says_to_run_convert(twin, in_tmp, monkeypatch):
    write_params(in_tmp, base={"model": str(twin)}, infer={"backend": "ctranslate2"})
    monkeypatch.setattr("sys.argv", ["infer", "--model", "base", "--hint", "none"])
    with pytest.raises(InputError, match="models/ct2/base: no converted model: run the convert stage"):
        infer.main()


def test_a_class_ctranslate2_cannot_convert_is_named(tmp_path):
    from transformers import GPTNeoConfig, GPTNeoForCausalLM

    config = GPTNeoConfig(
        vocab_size=64, hidden_size=16, num_layers=2, num_heads=2, attention_types=[[["global"], 2]]
    )
    GPTNeoForCausalLM(config).save_pretrained(tmp_path / "neo")
    with pytest.raises(InputError, match="infer.backend: CTranslate2 cannot convert .*neo") as error:
        ct2.convert(str(tmp_path / "neo"), tmp_path / "out", "default")
    assert error.value.key == "infer.backend"
    assert not (tmp_path / "out").exists()

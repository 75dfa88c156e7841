"""`lingtune twin`: the real tokenizer and config class, tiny random weights, for models of each kind."""

import json

import pytest

from stages.commands import cli
from stages.commands.twin import build_twin
from stages.core.models import load_causal_lm, load_tokenizer

from .helpers import shared_model


def test_a_seq2seq_twin_keeps_the_real_tokenizer_vocabulary_and_special_ids(tmp_path):
    source = shared_model("opus-mt-tc-big-en-pt")
    summary = build_twin(str(source), tmp_path / "twin")
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    real = json.loads((source / "config.json").read_text(encoding="utf-8"))
    twin = AutoModelForSeq2SeqLM.from_pretrained(tmp_path / "twin")
    assert type(twin).__name__ == summary["class"] == "MarianMTModel"
    for key in ("vocab_size", "pad_token_id", "eos_token_id", "decoder_start_token_id"):
        assert getattr(twin.config, key) == real[key], key
    assert twin.config.d_model == 64 and twin.config.encoder_layers == 2
    ours, theirs = AutoTokenizer.from_pretrained(tmp_path / "twin"), AutoTokenizer.from_pretrained(source)
    text = ">>por<< The dog sleeps in the garden."
    assert ours(text)["input_ids"] == theirs(text)["input_ids"]
    assert (tmp_path / "twin" / "model.safetensors").is_file()


def test_a_causal_twin_of_a_config_with_a_stand_in_tokenizer(tmp_path):
    summary = build_twin(str(shared_model("gemma-it")), tmp_path / "gemma", str(shared_model("llama1")))
    model = load_causal_lm(str(tmp_path / "gemma"))
    real = json.loads((shared_model("gemma-it") / "config.json").read_text(encoding="utf-8"))
    assert type(model).__name__ == "GemmaForCausalLM" and model.config.vocab_size == real["vocab_size"]
    assert model.config.hidden_size == 64 and model.config.num_hidden_layers == 2
    assert summary["tokenizer"].endswith("llama1")


def test_a_tokenizer_only_folder_gets_a_llama_config_over_its_vocabulary(tmp_path, capsys):
    cli.main(["twin", str(shared_model("llama3.1-instruct")), str(tmp_path / "l31")])
    assert "stand-in LlamaConfig" in capsys.readouterr().out
    model, tokenizer = load_causal_lm(str(tmp_path / "l31")), load_tokenizer(str(tmp_path / "l31"))
    assert model.config.vocab_size == len(tokenizer) == 128256
    assert model.config.bos_token_id == tokenizer.convert_tokens_to_ids("<|begin_of_text|>")
    assert tokenizer.chat_template == load_tokenizer(str(shared_model("llama3.1-instruct"))).chat_template


def test_a_model_without_a_tokenizer_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["twin", str(shared_model("gemma-it")), str(tmp_path / "g")])
    assert done.value.code == 1
    assert "no tokenizer to twin" in capsys.readouterr().err and not (tmp_path / "g").exists()

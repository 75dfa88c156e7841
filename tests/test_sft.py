import csv
import json

import pytest
import torch

from stages import sft
from stages.core import training
from stages.core.io import InputError, read_jsonl
from stages.core.models import load_tokenizer
from stages.core.params import load_params

from .helpers import write_sft_data, write_sft_params


def _collated(trainer, count=3):
    return trainer.data_collator([trainer.train_dataset[i] for i in range(count)])


def _check_labels(batch, prompt_lengths: list[int], full_lengths: list[int]) -> None:
    """-100 on every prompt token and on padding; the input id on every response token."""
    input_ids, labels = batch["input_ids"], batch["labels"]
    assert len(set(full_lengths)) > 1  # the batch holds padding
    for row, (prompt, full) in enumerate(zip(prompt_lengths, full_lengths, strict=True)):
        assert (labels[row, :prompt] == -100).all()
        assert torch.equal(labels[row, prompt:full], input_ids[row, prompt:full])
        assert (labels[row, full:] == -100).all()
        assert full > prompt


def test_loss_is_on_every_completion_token_only(in_tmp, tiny_lm):
    examples = write_sft_data(in_tmp)
    write_sft_params(in_tmp, tiny_lm)
    trainer = sft.build_trainer(load_params(), sft.load_split("train"), sft.load_split("eval"))
    tokenizer = trainer.processing_class
    batch = _collated(trainer)
    prompts = [len(tokenizer(e["prompt"])["input_ids"]) for e in examples[:3]]
    fulls = [len(tokenizer(e["prompt"] + e["completion"])["input_ids"]) + 1 for e in examples[:3]]  # + EOS
    _check_labels(batch, prompts, fulls)
    trained = batch["labels"][0][batch["labels"][0] != -100]
    assert tokenizer.decode(trained) == "Der Hund schläft.</s>"


def test_loss_is_on_every_assistant_token_only(in_tmp, tiny_lm):
    examples = write_sft_data(in_tmp, "chat")
    write_sft_params(in_tmp, tiny_lm, "chat")
    trainer = sft.build_trainer(load_params(), sft.load_split("train"), sft.load_split("eval"))
    tokenizer = trainer.processing_class
    batch = _collated(trainer)

    def length(messages, **kwargs):
        return len(tokenizer.apply_chat_template(messages, tokenize=True, **kwargs))

    prompts = [length(e["messages"][:-1], add_generation_prompt=True) for e in examples[:3]]
    # The template ends an assistant turn with EOS and a newline; the newline is not trained.
    fulls = [length(e["messages"]) - 1 for e in examples[:3]]
    _check_labels(batch, prompts, fulls)
    assert tokenizer.decode(batch["labels"][1][batch["labels"][1] != -100]) == "Hallo</s>"


def test_a_chat_template_without_generation_markers_is_masked_by_its_prefixes(in_tmp, tiny_lm):
    examples = write_sft_data(in_tmp, "chat")
    template = "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + eos_token + '\n' }}{% endfor %}"
    template += "{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}"
    (in_tmp / "plain.jinja").write_text(template)
    write_sft_params(in_tmp, tiny_lm, "chat", chat_template="plain.jinja")
    trainer = sft.build_trainer(load_params(), sft.load_split("train"), sft.load_split("eval"))
    tokenizer = trainer.processing_class
    batch = _collated(trainer)
    # Independently: the prompt is the text before "assistant: " ends, the reply is its content and EOS.
    prompts = [
        len(tokenizer(f"user: {e['messages'][0]['content']}</s>\nassistant: ")["input_ids"])
        for e in examples[:3]
    ]
    fulls = [
        p + len(tokenizer(e["messages"][1]["content"] + "</s>")["input_ids"])
        for p, e in zip(prompts, examples, strict=False)
    ]
    _check_labels(batch, prompts, fulls)
    assert tokenizer.decode(batch["labels"][1][batch["labels"][1] != -100]) == "Hallo</s>"
    assert sft.end_of_turn_ids(tokenizer, "chat") == [tokenizer.eos_token_id]


def test_a_template_whose_prefixes_do_not_extend_is_refused_naming_the_key(in_tmp, tiny_lm):
    write_sft_data(in_tmp, "chat")
    # The message count up front: no conversation starts with the rendering of its first turns.
    template = "{{ messages | length }}{% for m in messages %}{{ m['content'] + eos_token }}{% endfor %}"
    (in_tmp / "counted.jinja").write_text(template)
    write_sft_params(in_tmp, tiny_lm, "chat", chat_template="counted.jinja")
    with pytest.raises(InputError, match=r"sft.chat_template: .*cannot be masked") as error:
        sft.build_trainer(load_params(), sft.load_split("train"), sft.load_split("eval"))
    assert error.value.key == "sft.chat_template"


def test_presets_fill_the_lora_keys_and_written_keys_win(in_tmp, tiny_lm):
    write_sft_params(in_tmp, tiny_lm, mode="lora", preset="parrot", lora_dropout=0.2)
    settings = training.lora_settings(load_params().sft, "sft")
    assert settings == {
        "lora_r": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.2,
        "lora_target_modules": ["q_proj", "v_proj"],
    }
    write_sft_params(in_tmp, tiny_lm, mode="qlora", preset="llama2lang", lora_target_modules="all-linear")
    config = training.peft_config(load_params().sft, "sft")
    assert (config.r, config.lora_alpha, config.lora_dropout) == (64, 16, 0.1)
    assert config.target_modules == "all-linear"
    write_sft_params(in_tmp, tiny_lm, mode="lora", lora_r=4)
    with pytest.raises(InputError, match="sft.mode lora needs sft.lora_alpha, sft.lora_dropout"):
        training.lora_settings(load_params().sft, "sft")


def test_stage_trains_and_saves_a_loadable_model(in_tmp, tiny_lm):
    import mlflow
    from transformers import AutoModelForCausalLM, AutoTokenizer

    write_sft_data(in_tmp)
    write_sft_params(in_tmp, tiny_lm, mlflow=True)
    sft.main([])
    report = json.loads((in_tmp / "reports/train.json").read_text())
    assert report["steps"] == 6 and report["tokens_seen"] > 0 and report["final_loss"] < 10
    # what differs from run to run stays out of the DVC output
    timings = json.loads((in_tmp / "reports/timings/sft.json").read_text())
    assert timings["tokens_per_second"] > 0 and timings["resumed_from_step"] == 0 and timings["steps"] == 6
    assert not {"seconds", "tokens_per_second", "peak_memory_mb", "resumed_from_step"} & set(report)
    rows = list(csv.DictReader(open(in_tmp / "reports/train_loss.csv")))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])
    assert len(report["eval_loss_per_epoch"]) == 1
    assert (in_tmp / "models/sft/model.safetensors").is_file()
    model = AutoModelForCausalLM.from_pretrained(in_tmp / "models/sft")
    tokenizer = AutoTokenizer.from_pretrained(in_tmp / "models/sft")
    assert model.generation_config.eos_token_id == [tokenizer.eos_token_id]
    assert tokenizer.chat_template and "generation" in tokenizer.chat_template
    assert read_jsonl(in_tmp / "data/sft/train.jsonl")  # inputs untouched
    assert not list((in_tmp / sft.CHECKPOINTS).glob("checkpoint-*"))  # a finished run leaves none

    mlflow.set_tracking_uri(f"sqlite:///{in_tmp / 'mlflow.db'}")
    (run,) = mlflow.search_runs(experiment_names=["lingtune"], output_format="list")
    assert run.data.tags["stage"] == "sft" and run.data.tags["dvc.exp_name"] == "workspace"
    assert run.data.tags["process.pid"].isdigit() and run.info.status == "FINISHED"
    assert run.data.metrics["train_loss"] == pytest.approx(report["train_loss"], abs=1e-3)


def test_chat_model_stops_at_the_end_of_an_assistant_turn(in_tmp, tiny_lm):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    assert sft.end_of_turn_ids(tokenizer, "chat") == [tokenizer.eos_token_id]
    tokenizer.chat_template = tokenizer.chat_template.replace(
        "message['content'] + eos_token", "message['content'] + '<|user|>'", 1
    )
    assert sft.end_of_turn_ids(tokenizer, "chat") == [
        tokenizer.convert_tokens_to_ids("<|user|>"),
        tokenizer.eos_token_id,
    ]


def test_examples_whose_prompt_fills_max_length_are_counted_not_silently_dropped(in_tmp, tiny_lm, capsys):
    examples = write_sft_data(in_tmp)
    tokenizer = load_tokenizer(str(tiny_lm))
    lengths = [len(tokenizer(e["prompt"])["input_ids"]) for e in examples]
    # Between the shortest and the longest prompt: the long prompts leave no completion token.
    limit = sorted(lengths)[len(lengths) // 2]
    expected = sum(length >= limit for length in lengths)
    assert 0 < expected < len(examples)
    write_sft_params(in_tmp, tiny_lm, max_length=limit, epochs=0.2)
    sft.main([])
    report = json.loads((in_tmp / "reports/train.json").read_text())
    assert report["dropped_examples"] == expected
    assert f"{expected} of {len(examples)} training examples dropped" in capsys.readouterr().out

import csv
import json

import torch

from stages import sft
from stages.core.io import read_jsonl
from stages.core.params import load_params
from stages.core.prompts import sft_example

from .helpers import write_lines, write_params


def _write_data(folder, prompt_format="alpaca", count=24):
    examples = [
        dict(
            sft_example(
                "Translate the following sentences from English to German.",
                "The dog sleeps.",
                "Der Hund schläft.",
                prompt_format,
            ),
            source="translation",
        )
        for _ in range(count)
    ]
    write_lines(folder / "data/sft/train.jsonl", [json.dumps(e, ensure_ascii=False) for e in examples])
    write_lines(folder / "data/sft/eval.jsonl", [json.dumps(e, ensure_ascii=False) for e in examples[:2]])


def _params(folder, tiny_lm, prompt_format="alpaca"):
    write_params(
        folder,
        base={"model": str(tiny_lm), "prompt_format": prompt_format},
        sft={"epochs": 1, "batch_size": 4, "learning_rate": 0.01, "logging_steps": 1},
    )


def _labels(trainer, count=2) -> tuple[torch.Tensor, torch.Tensor]:
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(count)])
    return batch["input_ids"], batch["labels"]


def test_loss_is_on_the_completion_only(in_tmp, tiny_lm):
    _write_data(in_tmp)
    _params(in_tmp, tiny_lm)
    trainer = sft.build_trainer(load_params(), sft.load_split("train"), sft.load_split("eval"))
    tokenizer = trainer.processing_class
    input_ids, labels = _labels(trainer)
    trained = labels[0][labels[0] != -100]
    assert tokenizer.decode(trained) == "Der Hund schläft.</s>"
    assert torch.equal(trained, input_ids[0][labels[0] != -100])


def test_loss_is_on_assistant_turns_only(in_tmp, tiny_lm):
    _write_data(in_tmp, "chat")
    _params(in_tmp, tiny_lm, "chat")
    trainer = sft.build_trainer(load_params(), sft.load_split("train"), sft.load_split("eval"))
    input_ids, labels = _labels(trainer)
    assert trainer.processing_class.decode(labels[0][labels[0] != -100]) == "Der Hund schläft.</s>"


def test_stage_trains_and_saves_a_loadable_model(in_tmp, tiny_lm):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _write_data(in_tmp)
    _params(in_tmp, tiny_lm)
    sft.main()
    report = json.loads((in_tmp / "reports/train.json").read_text())
    assert report["steps"] == 6 and report["tokens_seen"] > 0 and report["tokens_per_second"] > 0
    rows = list(csv.DictReader(open(in_tmp / "reports/train_loss.csv")))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])
    assert len(report["eval_loss_per_epoch"]) == 1
    model = AutoModelForCausalLM.from_pretrained(in_tmp / "models/sft")
    tokenizer = AutoTokenizer.from_pretrained(in_tmp / "models/sft")
    assert model.generation_config.eos_token_id == tokenizer.eos_token_id
    assert tokenizer.chat_template and "generation" in tokenizer.chat_template
    assert read_jsonl(in_tmp / "data/sft/train.jsonl")  # inputs untouched

"""sft: supervised fine-tuning with TRL's SFTTrainer, loss on the responses only.

`{prompt, completion}` data trains on the completion (TRL's completion-only loss); `{messages}` data on
the assistant turns (TRL's assistant-only loss, which needs generation markers in the chat template).
Writes models/sft (weights, tokenizer with its chat template, generation config), reports/train.json
and the loss curve reports/train_loss.csv.
"""

import csv
import os
import resource
import time
from pathlib import Path

import torch

from stages.core.io import atomic_path, read_jsonl, write_json
from stages.core.models import load_tokenizer
from stages.core.params import load_params

DATA_DIR = Path("data/sft")
OUT_DIR = Path("models/sft")
REPORT = Path("reports/train.json")
LOSS_CURVE = Path("reports/train_loss.csv")
WORK_DIR = Path("models/.sft_work")


def load_split(name: str):
    from datasets import Dataset

    records = read_jsonl(DATA_DIR / f"{name}.jsonl")
    # `source` tells where an example came from; the trainer needs only the text columns.
    return Dataset.from_list([{k: v for k, v in r.items() if k != "source"} for r in records])


def training_config(params, has_eval: bool):
    from trl import SFTConfig

    config, on_gpu = params.sft, torch.cuda.is_available()
    return SFTConfig(
        output_dir=str(WORK_DIR),
        num_train_epochs=config.epochs,
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler,
        warmup_ratio=config.warmup_ratio,
        weight_decay=config.weight_decay,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        max_length=config.max_length,
        packing=config.packing,
        group_by_length=config.group_by_length and not config.packing,
        assistant_only_loss=params.base.prompt_format == "chat",
        logging_steps=config.logging_steps,
        eval_strategy="epoch" if has_eval else "no",
        save_strategy="no",
        seed=params.base.seed,
        data_seed=params.base.seed,
        use_cpu=not on_gpu,
        bf16=on_gpu and torch.cuda.is_bf16_supported(),
        gradient_checkpointing=False,
        include_num_input_tokens_seen="non_padding",
        report_to=[],
        disable_tqdm=False,
        dataloader_num_workers=0,
    )


def peak_memory_mb() -> float:
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loss_rows(log_history: list[dict]) -> list[dict]:
    """The training loss per logging step (the eval loss per epoch goes to reports/train.json)."""
    return [{"step": entry["step"], "loss": entry["loss"]} for entry in log_history if "loss" in entry]


def write_curve(rows: list[dict]) -> None:
    with atomic_path(LOSS_CURVE) as tmp, open(tmp, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["step", "loss"])
        writer.writeheader()
        writer.writerows(rows)


def build_trainer(params, train, evaluation):
    from transformers import AutoModelForCausalLM
    from trl import SFTTrainer

    tokenizer = load_tokenizer(params.base.model, params.base.trust_remote_code, padding_side="right")
    model = AutoModelForCausalLM.from_pretrained(
        params.base.model, trust_remote_code=params.base.trust_remote_code, dtype=torch.float32
    )
    return SFTTrainer(
        model=model,
        args=training_config(params, has_eval=len(evaluation) > 0),
        train_dataset=train,
        eval_dataset=evaluation if len(evaluation) else None,
        processing_class=tokenizer,
    )


def main() -> None:
    from transformers import set_seed

    params = load_params()
    set_seed(params.base.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    trainer = build_trainer(params, load_split("train"), load_split("eval"))
    model, tokenizer = trainer.model, trainer.processing_class
    started = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - started
    tokens = int(trainer.state.num_input_tokens_seen)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    with atomic_path(OUT_DIR) as tmp:
        trainer.save_model(str(tmp))
        tokenizer.save_pretrained(str(tmp))
    history = trainer.state.log_history
    eval_losses = [entry["eval_loss"] for entry in history if "eval_loss" in entry]
    write_json(
        REPORT,
        {
            "train_loss": round(result.training_loss, 4),
            "eval_loss_per_epoch": [round(loss, 4) for loss in eval_losses],
            "steps": trainer.state.global_step,
            "tokens_seen": tokens,
            "tokens_per_second": round(tokens / seconds, 1),
            "seconds": round(seconds, 1),
            "peak_memory_mb": round(peak_memory_mb(), 1),
        },
    )
    write_curve(loss_rows(history))


if __name__ == "__main__":
    main()

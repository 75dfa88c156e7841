"""Benchmark: the sft stage's packed batches against ParroT's padded batches, same model, same examples.

`python -m benchmarks.sft [--src FILE --tgt FILE] [--examples 512]` turns line-aligned pairs (by default the
sample's en-de training pairs; real-length test sets such as FLORES devtest or WMT22 make the point better)
into Alpaca translation instructions and trains the same tiny model (`--model`, models/base by default)
for one epoch on them, with the stage's trainer (TRL's SFTTrainer), the loss on the response only, batched
two ways (each run `--repeat` times, alternating, the fastest run of each counted):
- ParroT-style: its tokenisation (prompt tokens masked with -100), DataCollatorForSeq2Seq padding every batch
  to its longest example, rounded up to a multiple of 8, `--batch-size` examples per batch, in data order;
- packed: TRL's best-fit packing as the stage runs it (`sft.packing: true`): whole examples packed into rows
  of ParroT's 512 tokens, position ids restarting per example, no padding; one row per forward pass, rows
  accumulated so that an optimizer step sees about as many real tokens as a padded batch holds.
- ParroT-style in bf16: the same padded batches under bf16 autocast, as `sft.precision: auto` trains where
  the CPU (AMX, AVX-512 BF16) or GPU computes bf16 natively.
Each side trains with the stage's trainer class (on a CPU, the model's own loss: stages/sft.py).
Writes reports/bench/sft.json: real (non-padding) tokens/s and the padding share of each side, `ratio`
(packed over padded real tokens/s) and `ratio_bf16` (bf16 over fp32 on the padded batches).
"""

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

from stages.core.io import read_lines, write_json
from stages.core.langs import language_name
from stages.core.models import load_tokenizer
from stages.core.prompts import INFERENCE_INSTRUCTION, render_instruction, sft_example
from stages.core.training import cpu_has_native_bf16
from stages.sft import Trainer

SRC, TGT = "data/sample/pairs/train.en-de.en", "data/sample/pairs/train.en-de.de"
MODEL = "models/base"
OUT = Path("reports/bench/sft.json")
PARROT_MULTIPLE = 8  # ParroT's DataCollatorForSeq2Seq(pad_to_multiple_of=8)
MAX_LENGTH = 512  # ParroT's model_max_length


def language_of(path: str) -> str:
    """The language code a line-aligned file ends with (`devtest.en`, `train.en-de.de`)."""
    code = Path(path).suffix.lstrip(".")
    language_name(code)  # an unknown code stops here with its name
    return code


def instruction_examples(src_path: str, tgt_path: str, count: int) -> list[dict]:
    sources, targets = read_lines(src_path), read_lines(tgt_path)
    if len(sources) != len(targets):
        raise SystemExit(f"benchmarks.sft: {src_path} has {len(sources)} lines, {tgt_path} {len(targets)}")
    instruction = render_instruction(INFERENCE_INSTRUCTION, language_of(src_path), language_of(tgt_path))
    pairs = [(s, t) for s, t in zip(sources, targets, strict=True) if s.strip() and t.strip()][:count]
    return [sft_example(instruction, s, t, "alpaca") for s, t in pairs]


def parrot_features(tokenizer, example: dict) -> dict:
    """ParroT's train.py: source + target + EOS tokenised together, the source's tokens masked."""
    prompt_ids = tokenizer(example["prompt"])["input_ids"]
    ids = tokenizer(example["prompt"] + example["completion"] + tokenizer.eos_token)["input_ids"][:MAX_LENGTH]
    labels = [-100] * min(len(prompt_ids), len(ids)) + ids[len(prompt_ids) :]
    return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels}


def common_args(output_dir: str, batch_size: int, seed: int, accumulation: int = 1) -> dict:
    return dict(
        output_dir=output_dir,
        num_train_epochs=1,
        learning_rate=2e-3,
        per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=accumulation,
        lr_scheduler_type="constant",
        logging_steps=10_000,
        save_strategy="no",
        report_to=[],
        seed=seed,
        use_cpu=not torch.cuda.is_available(),
        disable_tqdm=True,
        dataloader_num_workers=0,
        include_num_input_tokens_seen="non_padding",
    )


def padded_trainer(
    model_path: str,
    tokenizer,
    examples: list[dict],
    batch_size: int,
    work: str,
    seed: int,
    bf16: bool = False,
):
    """The stage's trainer with ParroT's batches: only the batching differs from the packed side."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, DataCollatorForSeq2Seq
    from trl import SFTConfig

    dataset = Dataset.from_list([parrot_features(tokenizer, e) for e in examples])
    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32, attn_implementation="sdpa")
    collator = DataCollatorForSeq2Seq(
        tokenizer, pad_to_multiple_of=PARROT_MULTIPLE, label_pad_token_id=-100, padding=True
    )
    args = SFTConfig(
        **common_args(work, batch_size, seed),
        max_length=MAX_LENGTH,
        group_by_length=False,
        dataset_kwargs={"skip_prepare_dataset": True},  # tokenised and masked as ParroT does, above
        bf16=bf16,
    )
    return Trainer(
        model=model, args=args, train_dataset=dataset, data_collator=collator, processing_class=tokenizer
    )


def packed_trainer(model_path: str, tokenizer, examples: list[dict], accumulation: int, work: str, seed: int):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig

    model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32, attn_implementation="sdpa")
    # One row per forward pass: a padding-free batch is one flat sequence, and without a varlen attention
    # kernel (flash-attn, GPU) its block-diagonal mask costs the square of the whole batch's length.
    args = SFTConfig(
        **common_args(work, 1, seed, accumulation),
        max_length=MAX_LENGTH,
        packing=True,
        packing_strategy="bfd",
        bf16=False,
    )
    return Trainer(
        model=model, args=args, train_dataset=Dataset.from_list(examples), processing_class=tokenizer
    )


def batch_tokens(trainer) -> tuple[int, int]:
    """(real, all) tokens of the batches the trainer will train on; padding is the difference."""
    real = total = 0
    for batch in trainer.get_train_dataloader():
        total += batch["input_ids"].numel()
        mask = batch.get("attention_mask")
        real += int(mask.sum()) if mask is not None else batch["input_ids"].numel()
    return real, total


def measure(trainer) -> dict:
    real, total = batch_tokens(trainer)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = trainer.train()
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "steps": trainer.state.global_step,
        "real_tokens": real,
        "all_tokens": total,
        "padding_share": round(1 - real / total, 4),
        "real_tokens_per_s": round(real / seconds, 1),
        "train_loss": round(result.training_loss, 4),
    }


def fastest(runs: list[dict]) -> dict:
    """A busy machine only ever slows a run down: the fastest run is the closest to the truth."""
    best = min(runs, key=lambda run: run["seconds"])
    return best | {"seconds_per_run": [run["seconds"] for run in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=SRC, help=f"source lines, file name ending in the language ({SRC})")
    parser.add_argument("--tgt", default=TGT, help=f"target lines, aligned with --src ({TGT})")
    parser.add_argument("--model", default=MODEL, help=f"causal LM to train (a copy; {MODEL})")
    parser.add_argument("--examples", type=int, default=512, help="first N pairs (512)")
    parser.add_argument("--batch-size", type=int, default=16, help="padded batch size (16)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the fastest counts (3)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: steady timings on a busy machine)"
    )
    args = parser.parse_args()
    for path in (args.src, args.tgt, args.model):
        if not Path(path).exists():
            raise SystemExit(f"benchmarks.sft: {path} is absent (the model comes from `dvc repro embedded`)")
    torch.set_num_threads(args.threads)
    tokenizer = load_tokenizer(args.model, padding_side="right")
    examples = instruction_examples(args.src, args.tgt, args.examples)
    lengths = [len(parrot_features(tokenizer, e)["input_ids"]) for e in examples]
    # as many real tokens per optimizer step on both sides
    accumulation = max(1, round(args.batch_size * sum(lengths) / len(lengths) / MAX_LENGTH))

    with tempfile.TemporaryDirectory() as work:
        sides = {
            "padded": lambda: padded_trainer(
                args.model, tokenizer, examples, args.batch_size, work, args.seed
            ),
            "packed": lambda: packed_trainer(args.model, tokenizer, examples, accumulation, work, args.seed),
            "padded_bf16": lambda: padded_trainer(
                args.model, tokenizer, examples, args.batch_size, work, args.seed, bf16=True
            ),
        }
        # alternating, so that a busy spell on the machine does not fall on one side only
        results = {name: [] for name in sides}
        for _ in range(args.repeat):
            for name, make in sides.items():
                results[name].append(measure(make()))
    padded, packed, bf16 = (fastest(results[name]) for name in ("padded", "packed", "padded_bf16"))
    padded |= {"batch_size": args.batch_size, "pad_to_multiple_of": PARROT_MULTIPLE}
    packed |= {"row_length": MAX_LENGTH, "rows_per_step": accumulation, "strategy": "bfd (padding-free)"}
    report = {
        "ratio": round(packed["real_tokens_per_s"] / padded["real_tokens_per_s"], 2),
        # the same comparison in CPU time, which other work on the machine disturbs less than wall time
        "ratio_cpu_time": round(padded["cpu_seconds"] / packed["cpu_seconds"], 2),
        # bf16 autocast over fp32, the same padded batches (what `sft.precision: auto` gains here)
        "ratio_bf16": round(bf16["real_tokens_per_s"] / padded["real_tokens_per_s"], 2),
        "native_bf16": torch.cuda.is_available() or cpu_has_native_bf16(),
        "model": args.model,
        "data": {"src": args.src, "tgt": args.tgt, "examples": len(examples)},
        "repeat": args.repeat,
        "mean_example_tokens": round(sum(lengths) / len(lengths), 1),
        "max_example_tokens": max(lengths),
        "packed": packed,
        "parrot_padded": padded,
        "parrot_padded_bf16": bf16,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    write_json(OUT, report)
    print(
        f"sft benchmark ({args.model}, {len(examples)} examples of {report['mean_example_tokens']} tokens on "
        f"average): packed {packed['real_tokens_per_s']} real tokens/s "
        f"(padding {packed['padding_share']:.1%}), "
        f"ParroT-padded {padded['real_tokens_per_s']} (padding {padded['padding_share']:.1%}): "
        f"ratio {report['ratio']}; bf16 {bf16['real_tokens_per_s']} "
        f"(ratio_bf16 {report['ratio_bf16']}) -> {OUT}"
    )


if __name__ == "__main__":
    main()

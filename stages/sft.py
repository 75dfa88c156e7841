"""sft: supervised fine-tuning with TRL's SFTTrainer, loss on the responses only.

`{prompt, completion}` data trains on the completion (TRL's completion-only loss); `{messages}` data on
the assistant turns (TRL's assistant-only loss, which needs generation markers in the chat template).
Modes: `full`, `lora` (optionally DoRA) and `qlora` (4-bit NF4 base with double quantisation, bitsandbytes).
Launched as one process, or by `torchrun` / `accelerate launch` with `sft.processes` processes (optionally
under DeepSpeed, configs/deepspeed/): `python -m stages.sft` relaunches itself through the launcher.
Checkpoints go to models/sft_checkpoints (kept by DVC across runs): a killed run resumes from the last one,
unless a parameter or input that changes the training has changed since: then it starts afresh.
Writes models/sft (weights or adapter in safetensors, tokenizer with its chat template, generation config),
reports/train.json and the loss curve reports/train_loss.csv.
"""

import argparse
import csv
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import torch
import transformers
from transformers import TrainerCallback
from trl import SFTTrainer

from stages.core.io import (
    InputError,
    atomic_path,
    read_jsonl,
    tracked_input,
    write_json,
    write_timings,
)
from stages.core.models import load_tokenizer, merge_adapter
from stages.core.params import PARAMS_FILE, Params, load_params
from stages.core.prompts import chat_text, conversation
from stages.core.team import is_worker, launch, this_process
from stages.core.training import (
    LAUNCHERS,
    WithoutEmptyParamGroups,
    lora_settings,
    mlflow_reporting,
    peak_memory_mb,
    peft_config,
    resolved_precision,
    threads_per_process,
    trainer_arguments,
)
from stages.core.training import load_model as load_training_model

DATA_DIR = Path("data/sft")
OUT_DIR = Path("models/sft")
REPORT = Path("reports/train.json")
LOSS_CURVE = Path("reports/train_loss.csv")
CHECKPOINTS = Path("models/sft_checkpoints")
FINGERPRINT = "fingerprint.json"
# Keys that do not change what is trained: a checkpoint written under other values is still valid.
NOT_TRAINING = {"logging_steps", "mlflow", "merge", "launcher", "launcher_args", "checkpoint_steps"}


# --- checkpoints -------------------------------------------------------------------------------------


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(params: Params) -> dict:
    """What a checkpoint was trained from: every setting and input that changes the training."""
    settings = {k: v for k, v in params.sft.model_dump().items() if k not in NOT_TRAINING}
    base = params.base.model_dump(include={"seed", "model", "prompt_format", "trust_remote_code"})
    inputs = {path.name: file_digest(path) for path in sorted(DATA_DIR.glob("*.jsonl"))}
    for name in ("deepspeed", "chat_template"):
        if settings[name]:
            inputs[settings[name]] = file_digest(Path(settings[name]))
    model_dir = Path(params.base.model)
    if model_dir.is_dir():
        # size and time, not a digest: a 7B model's weights take a minute to hash
        files = sorted(p for p in model_dir.glob("*") if p.is_file())
        inputs |= {f"base/{p.name}": [p.stat().st_size, p.stat().st_mtime_ns] for p in files}
    return {"sft": settings, "base": base, "inputs": inputs}


def last_complete_checkpoint(folder: Path) -> str | None:
    """The newest checkpoint the Trainer finished writing; one a kill cut short is removed.

    The Trainer writes weights, optimizer and RNG state first and trainer_state.json last, not atomically:
    a checkpoint whose state file is missing or unreadable is incomplete.
    """
    checkpoints = sorted(
        (path for path in folder.glob("checkpoint-*") if path.name.split("-")[1].isdigit()),
        key=lambda path: int(path.name.split("-")[1]),
        reverse=True,
    )
    for checkpoint in checkpoints:
        try:
            json.loads((checkpoint / "trainer_state.json").read_text())
            return str(checkpoint)
        except (OSError, ValueError):
            print(f"sft: {checkpoint} was cut short (no readable trainer_state.json); removing it")
            shutil.rmtree(checkpoint, ignore_errors=True)
    return None


def prepare_checkpoints(folder: Path, current: dict) -> str | None:
    """The checkpoint to resume from; checkpoints of another setting are removed (they would mislead)."""
    stamp = folder / FINGERPRINT
    left = any(folder.glob("checkpoint-*"))
    if left and (not stamp.is_file() or json.loads(stamp.read_text()) != current):
        print(f"sft: {folder} holds checkpoints of other settings or inputs; starting afresh")
        shutil.rmtree(folder)
        left = False
    folder.mkdir(parents=True, exist_ok=True)
    if not left:
        write_json(stamp, current)
    last = last_complete_checkpoint(folder)
    if last:
        print(f"sft: resuming from {last}")
    return last


def clear_checkpoints(folder: Path) -> None:
    """A finished run's checkpoints, their fingerprint and the Trainer's model card are not needed again
    (the next run changes something, or nothing). The folder stays, empty: a DVC output whose hash is then
    the same in every clone (the fingerprint holds the base model's file times)."""
    for entry in folder.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


# --- training ----------------------------------------------------------------------------------------


def load_split(name: str):
    from datasets import Dataset

    records = read_jsonl(DATA_DIR / f"{name}.jsonl")
    # `source` tells where an example came from; the trainer needs only the text columns.
    return Dataset.from_list([{k: v for k, v in r.items() if k != "source"} for r in records])


def training_config(params: Params, has_eval: bool, report_to: list[str], assistant_only_loss: bool):
    from trl import SFTConfig

    config = params.sft
    return SFTConfig(
        output_dir=str(CHECKPOINTS),
        **trainer_arguments(config, params.base.seed, report_to),
        per_device_eval_batch_size=config.batch_size,
        packing=config.packing,
        # best-fit decreasing: whole examples, position ids restart per example (padding-free batches)
        packing_strategy="bfd",
        group_by_length=config.group_by_length and not config.packing,
        # TRL masks chat data through the template's markers; pre-tokenized data carries its own masks.
        assistant_only_loss=assistant_only_loss,
        eval_strategy="epoch" if has_eval else "no",
        save_strategy="steps",
        save_steps=config.checkpoint_steps,
        save_total_limit=2,
        save_safetensors=True,
        include_num_input_tokens_seen="non_padding",
        disable_tqdm=False,
    )


def set_chat_template(tokenizer, params: Params) -> str | None:
    """A template from sft.chat_template; for chat data, how the loss is kept to the assistant turns:
    "template" (its `{% generation %}` markers, or TRL's marked copy of a family it knows) or "prefixes"
    (any other template: see `assistant_tokens`). None for Alpaca data."""
    from trl.chat_template_utils import get_training_chat_template

    if params.sft.chat_template:
        tokenizer.chat_template = tracked_input(params.sft.chat_template).read_text(encoding="utf-8")
    if params.base.prompt_format != "chat":
        return None
    if not tokenizer.chat_template:
        raise InputError(
            PARAMS_FILE,
            f"sft.chat_template: {params.base.model} (base.model) has no chat template; give one",
            key="sft.chat_template",
        )
    try:
        # None when the template marks its assistant turns; TRL's patched copy for the families it knows.
        get_training_chat_template(tokenizer)
        return "template"
    except ValueError:
        return "prefixes"


# --- assistant-only loss for templates without generation markers (Llama-2-chat, Mistral, …) ----------


def assistant_spans(tokenizer, messages: list[dict], text: str, stops: list[int]) -> list[tuple[int, int]]:
    """The character span of every assistant turn in `text`, the conversation as its template renders it
    (`stops`: where each of its tokens ends).

    Rendered prefix by prefix: a turn starts where the conversation up to it, with the generation prompt,
    ends, and ends where the conversation through it stops agreeing with the whole, cut back to a whole
    token and without trailing whitespace (a template may close a conversation with a token of its own,
    as Phi-3's writes EOS; `</s>` and the next turn's `<|user|>` share a `<`). So the span holds the reply
    and the end-of-turn text the template writes after it (`</s>`, `<|eot_id|>`, `<|im_end|>`, `<|end|>`).
    ValueError when the conversation up to a turn is not a prefix of the whole: the template cannot be
    masked this way.
    """
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = chat_text(tokenizer, messages[:index], generation_prompt=True)
        agree = len(os.path.commonprefix([text, chat_text(tokenizer, messages[: index + 1])]))
        end = len(text[: max((stop for stop in stops if stop <= agree), default=0)].rstrip())
        if not (text.startswith(before) and len(before) < end):
            raise ValueError(f"the rendering of turn {index} does not extend the turns before it")
        spans.append((len(before), end))
    return spans


def assistant_tokens(tokenizer, messages: list[dict]) -> dict[str, list[int]]:
    """`input_ids` of the rendered conversation (no special tokens added: the template writes them, as
    TRL tokenizes templated text) and `assistant_masks`, 1 on every token that starts in an assistant span."""
    text = chat_text(tokenizer, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    spans = assistant_spans(tokenizer, messages, text, [stop for _, stop in encoded["offset_mapping"]])
    mask = [int(any(a <= start < b for a, b in spans)) for start, _ in encoded["offset_mapping"]]
    return {"input_ids": encoded["input_ids"], "assistant_masks": mask}


def masked_by_prefixes(dataset, tokenizer, params: Params):
    """Chat examples tokenized with their assistant masks, for TRL to turn into labels."""

    def tokenize(example: dict) -> dict:
        try:
            return assistant_tokens(tokenizer, example["messages"])
        except ValueError as error:
            raise InputError(
                PARAMS_FILE,
                f"sft.chat_template: the chat template of {params.base.model} cannot be masked to its "
                f"assistant turns ({error}); give one with {{% generation %}} markers",
                key="sft.chat_template",
            ) from None

    return dataset.map(tokenize, remove_columns=dataset.column_names)


def with_template_turns(dataset, tokenizer):
    """Chat examples as the template takes them (a system turn folded where the template has none)."""
    return dataset.map(lambda example: {"messages": conversation(tokenizer, example["messages"])})


class Trainer(WithoutEmptyParamGroups, SFTTrainer):
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        """On a CPU, the model's own loss. TRL projects the LM head in Python tiles that spare GPU memory on
        large vocabularies and log entropy and token accuracy; on a CPU the tiles cost a quarter of a step
        (fp32, the embedded model). Both losses are the summed response-token NLL over num_items_in_batch."""
        if self.args.device.type == "cpu":
            return transformers.Trainer.compute_loss(self, model, inputs, return_outputs, num_items_in_batch)
        return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)


def build_trainer(params: Params, train, evaluation, callbacks=(), report_to: list[str] | None = None):
    tokenizer = load_tokenizer(params.base.model, params.base.trust_remote_code, padding_side="right")
    masking = set_chat_template(tokenizer, params)
    if masking == "prefixes":
        train, evaluation = (masked_by_prefixes(split, tokenizer, params) for split in (train, evaluation))
    elif masking == "template":
        train, evaluation = (with_template_turns(split, tokenizer) for split in (train, evaluation))
    has_eval = len(evaluation) > 0
    args = training_config(params, has_eval, report_to or [], assistant_only_loss=masking == "template")
    resumable_loss = ResumableLoss()
    trainer = Trainer(
        model=load_training_model(
            params.base.model,
            params.sft,
            "sft",
            params.base.trust_remote_code,
            params.base.allow_pickle_weights,
        ),
        args=args,
        train_dataset=train,
        eval_dataset=evaluation if len(evaluation) else None,
        processing_class=tokenizer,
        peft_config=peft_config(params.sft, "sft"),
        callbacks=[resumable_loss, *callbacks],
    )
    resumable_loss.trainer = trainer
    return trainer


class Throughput(TrainerCallback):
    """Step, tokens and time at the start of this run's training (after a resumed checkpoint is loaded)."""

    step, tokens, started = 0, 0, 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        self.step, self.tokens, self.started = (
            state.global_step,
            state.num_input_tokens_seen,
            time.perf_counter(),
        )


class ResumableLoss(TrainerCallback):
    """A resumed run reports the `train_loss` and loss curve an uninterrupted run reports.

    The Trainer sums the loss it logs in a counter that a resume starts again from zero (its train_loss then
    divides the resumed steps' sum by all steps), and loss not yet logged at a checkpoint is lost with the
    kill (the first interval after a resume would average fewer steps). So every checkpoint step is also a
    logging step, the log entry there carries the exact running sum, and a resumed run starts from it.
    """

    SUM = "loss_sum"

    def __init__(self) -> None:
        self.trainer = None  # set once the trainer exists: the running sum is its attribute

    def _log_when_saving(self, control) -> None:
        if control.should_save:
            control.should_log = True

    def on_step_end(self, args, state, control, **kwargs):
        self._log_when_saving(control)

    def on_epoch_end(self, args, state, control, **kwargs):
        self._log_when_saving(control)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            state.log_history[-1][self.SUM] = self.trainer._total_loss_scalar

    def on_train_begin(self, args, state, control, **kwargs):
        sums = [entry for entry in state.log_history if self.SUM in entry]
        if state.global_step and sums and sums[-1]["step"] == state.global_step:
            self.trainer._total_loss_scalar = sums[-1][self.SUM]


# --- outputs -----------------------------------------------------------------------------------------


def end_of_turn_ids(tokenizer, prompt_format: str) -> list[int]:
    """The tokens that end a response as trained: the template's end of an assistant turn (found as
    training finds the turn, whatever template: `assistant_tokens`), then EOS."""
    ids = [tokenizer.eos_token_id]
    if prompt_format == "chat":
        # Two exchanges: the first reply's span ends where its turn ends, not where a conversation ends.
        turns = [("user", "a"), ("assistant", "b"), ("user", "c"), ("assistant", "d")]
        rendered = assistant_tokens(tokenizer, [{"role": role, "content": text} for role, text in turns])
        mask = rendered["assistant_masks"]
        last = rendered["input_ids"][mask.index(0, mask.index(1)) - 1]  # the first reply's last token
        if last not in ids:
            ids.insert(0, last)
    return ids


def trained_adapter(trainer) -> dict[str, torch.Tensor]:
    """The adapter weights as trained, gathered from every process under ZeRO-3."""
    from peft import get_peft_model_state_dict

    model = trainer.accelerator.unwrap_model(trainer.model)
    if trainer.is_deepspeed_enabled and trainer.accelerator.state.deepspeed_plugin.zero_stage == 3:
        import deepspeed

        trainable = [p for p in model.parameters() if p.requires_grad]
        with deepspeed.zero.GatheredParameters(trainable, modifier_rank=None):
            return {k: v.detach().cpu().clone() for k, v in get_peft_model_state_dict(model).items()}
    return {k: v.detach().cpu().clone() for k, v in get_peft_model_state_dict(model).items()}


def check_saved_adapter(folder: Path, trained: dict[str, torch.Tensor]) -> None:
    """ZeRO-3 is known to save empty adapters: the saved one must hold exactly the trained weights."""
    from safetensors.torch import load_file

    path = folder / "adapter_model.safetensors"
    saved = load_file(path) if path.is_file() else {}
    empty = [name for name, tensor in saved.items() if tensor.numel() == 0]
    if not saved or empty or not trained:
        raise RuntimeError(f"sft: the adapter saved in {path} is empty ({len(empty)} empty tensors)")
    if set(saved) != set(trained):
        raise RuntimeError(
            f"sft: {path} holds {sorted(set(saved) ^ set(trained))[:5]}… unlike the trained adapter"
        )
    differing = [k for k in trained if not torch.allclose(saved[k].float(), trained[k].float(), atol=1e-3)]
    if differing:
        raise RuntimeError(f"sft: {path}: {', '.join(differing[:5])} differ from the trained weights")


def loss_rows(log_history: list[dict]) -> list[dict]:
    """The training loss per logging step (the eval loss per epoch goes to reports/train.json)."""
    return [{"step": entry["step"], "loss": entry["loss"]} for entry in log_history if "loss" in entry]


def write_curve(rows: list[dict]) -> None:
    with atomic_path(LOSS_CURVE) as tmp, open(tmp, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["step", "loss"])
        writer.writeheader()
        writer.writerows(rows)


def dropped_examples(examples: int, trainer, params: Params) -> int | None:
    """Examples TRL dropped because truncation to sft.max_length left no response token to train (it
    drops them silently); None when packing, which keeps every example."""
    if params.sft.packing:
        return None
    dropped = examples - len(trainer.train_dataset)
    if dropped:
        print(
            f"sft: {dropped} of {examples} training examples dropped: their prompt fills sft.max_length "
            f"({params.sft.max_length} tokens), so no response token is left to train"
        )
    return dropped


def train_report(trainer, result, params: Params, dropped: int | None) -> dict:
    """What was trained: the same figures for the same inputs and settings (reports/train.json)."""
    state = trainer.state
    tokens = int(state.num_input_tokens_seen)
    losses = loss_rows(state.log_history)
    # ZeRO-3 leaves each process a slice of every weight; ds_numel is the whole
    trainable = sum(getattr(p, "ds_numel", p.numel()) for p in trainer.model.parameters() if p.requires_grad)
    return {
        "mode": params.sft.mode,
        "train_loss": round(result.training_loss, 4),
        "final_loss": round(losses[-1]["loss"], 4) if losses else None,
        "eval_loss_per_epoch": [round(e["eval_loss"], 4) for e in state.log_history if "eval_loss" in e],
        "steps": state.global_step,
        "tokens_seen": tokens,
        "processes": trainer.accelerator.num_processes,
        "precision": resolved_precision(params.sft.precision),
        "trainable_parameters": trainable,
        "dropped_examples": dropped,
    }


def train_timings(trainer, throughput) -> dict:
    """How long this run took (reports/timings/sft.json): a resumed run did not see the checkpoint's tokens
    again, so its speed counts its own tokens and time."""
    seconds = time.perf_counter() - throughput.started
    tokens = int(trainer.state.num_input_tokens_seen) - throughput.tokens
    return {
        "resumed_from_step": throughput.step,
        "steps": trainer.state.global_step - throughput.step,
        "seconds": round(seconds, 1),
        "tokens_per_second": round(tokens / seconds, 1),
        "peak_memory_mb": round(peak_memory_mb(), 1),
    }


def train(params: Params, resume_from: str | None) -> None:
    from transformers import set_seed

    set_seed(params.base.seed)
    torch.set_num_threads(threads_per_process())
    throughput = Throughput()
    is_main = this_process().leader
    report_to = mlflow_reporting(params.sft.mlflow and is_main, "sft")
    train_split = load_split("train")
    trainer = build_trainer(
        params, train_split, load_split("eval"), callbacks=[throughput], report_to=report_to
    )
    dropped = dropped_examples(len(train_split), trainer, params)
    model, tokenizer = trainer.model, trainer.processing_class
    result = trainer.train(resume_from_checkpoint=resume_from)
    model.generation_config.eos_token_id = end_of_turn_ids(tokenizer, params.base.prompt_format)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    staging = CHECKPOINTS / "final"
    # every process takes part in saving (ZeRO-3 gathers the weights); the main one writes the outputs
    trainer.save_model(str(staging))
    adapter = trained_adapter(trainer) if params.sft.mode != "full" else None
    trainer.accelerator.wait_for_everyone()
    if not trainer.is_world_process_zero():
        return
    if adapter is not None:
        check_saved_adapter(staging, adapter)
    report = train_report(trainer, result, params, dropped)
    timings = train_timings(trainer, throughput)
    with atomic_path(OUT_DIR) as tmp:
        shutil.copytree(staging, tmp)
        (tmp / "training_args.bin").unlink(missing_ok=True)
        tokenizer.save_pretrained(str(tmp))
        if adapter is not None:
            model.generation_config.save_pretrained(str(tmp))  # an adapter's save leaves it out
        if params.sft.merge and adapter is not None:
            merge_adapter(tmp, tmp / "merged", params.base.trust_remote_code)
            tokenizer.save_pretrained(str(tmp / "merged"))
            model.generation_config.save_pretrained(str(tmp / "merged"))
    write_json(REPORT, report)
    write_timings("sft", timings)
    write_curve(loss_rows(trainer.state.log_history))
    shutil.rmtree(staging, ignore_errors=True)
    clear_checkpoints(CHECKPOINTS)


def main(argv: list[str] | None = None) -> None:
    params = load_params()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launcher", choices=LAUNCHERS, default=params.sft.launcher)
    parser.add_argument("--processes", type=int, default=params.sft.processes)
    args = parser.parse_args(argv)
    lora_settings(params.sft, "sft")  # a (q)lora run without its settings stops before any work
    if params.sft.deepspeed and args.launcher == "python":
        raise InputError(PARAMS_FILE, "sft.deepspeed: DeepSpeed runs under a launcher; set sft.launcher")
    if is_worker():  # the launching process chose and cleaned the checkpoints already
        train(params, last_complete_checkpoint(CHECKPOINTS) if CHECKPOINTS.is_dir() else None)
        return
    resume_from = prepare_checkpoints(CHECKPOINTS, fingerprint(params))
    if args.launcher == "python":
        train(params, resume_from)
        return
    launch("sft", args.launcher, args.processes, params.sft.launcher_args)


if __name__ == "__main__":
    main()

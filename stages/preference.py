"""preference: DPO or ORPO (TRL) on the preference pairs that `threads` ranks, after `sft`; off by default.

`preference.method: none` (the default) makes the stage a no-op: it writes a note in models/preference and
`{"method": "none"}` to reports/preference.json, and trains nothing. `dpo` or `orpo` tune `preference.model`
(models/sft by default; an adapter is merged into its base first) on data/preferences/preferences.jsonl
(TRL's conversational prompt/chosen/rejected in the model's chat template, or its standard text records),
with the same modes (full, lora, qlora), presets and launchers as `sft`. Writes models/preference (weights
or adapter, tokenizer, generation config) and reports/preference.json.
"""

import argparse
import json
import shutil
import time
from pathlib import Path

import torch

from stages.core.io import InputError, atomic_path, read_jsonl, write_json, write_timings
from stages.core.models import is_adapter, load_tokenizer, merge_adapter
from stages.core.params import PARAMS_FILE, Params, load_params
from stages.core.team import is_worker, launch, this_process
from stages.core.training import (
    LAUNCHERS,
    WithoutEmptyParamGroups,
    load_model,
    lora_settings,
    mlflow_reporting,
    peak_memory_mb,
    peft_config,
    threads_per_process,
    trainer_arguments,
)

PAIRS = Path("data/preferences/preferences.jsonl")
OUT_DIR = Path("models/preference")
REPORT = Path("reports/preference.json")
STAGING = Path("models/.preference_staging")
OFF_NOTE = "preference.method is none: no preference tuning was run. Set it to dpo or orpo (README).\n"


def load_pairs(path: Path = PAIRS):
    from datasets import Dataset

    records = read_jsonl(path, required=("prompt", "chosen", "rejected"))
    if not records:
        raise InputError(path, "no preference pairs to train on")
    for number, record in enumerate(records, start=1):
        # TRL's conversational records (threads' default), or its standard ones: the prompt already
        # rendered as text (threads.preference_format: text, LLaMa2lang HEAD's layout)
        values = [record[key] for key in ("prompt", "chosen", "rejected")]
        if not (all(isinstance(v, list) for v in values) or all(isinstance(v, str) for v in values)):
            raise InputError(
                path, "prompt, chosen and rejected must all be lists of messages or all be text", number
            )
    return Dataset.from_list([{key: r[key] for key in ("prompt", "chosen", "rejected")} for r in records])


def point_adapter_at(adapter_config: Path, base: str) -> None:
    settings = json.loads(adapter_config.read_text(encoding="utf-8"))
    settings["base_model_name_or_path"] = base
    adapter_config.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def training_config(params: Params, report_to: list[str]):
    config = params.preference
    arguments = dict(
        output_dir=str(STAGING / "run"),
        **trainer_arguments(config, params.base.seed, report_to),
        beta=config.beta,
        save_strategy="no",
    )
    if config.method == "orpo":
        from trl.experimental.orpo import ORPOConfig

        return ORPOConfig(**arguments)
    from trl import DPOConfig

    return DPOConfig(**arguments)


def build_trainer(params: Params, pairs, policy: str, callbacks=(), report_to: list[str] | None = None):
    config = params.preference
    args = training_config(params, report_to or [])
    tokenizer = load_tokenizer(config.model, params.base.trust_remote_code, padding_side="right")
    if not tokenizer.chat_template:
        raise InputError(PARAMS_FILE, f"preference.model: {config.model} has no chat template for the pairs")
    model = load_model(
        policy, config, "preference", params.base.trust_remote_code, params.base.allow_pickle_weights
    )
    common = dict(
        model=model,
        args=args,
        train_dataset=pairs,
        processing_class=tokenizer,
        peft_config=peft_config(config, "preference"),
        callbacks=list(callbacks),
    )
    if config.method == "orpo":
        from trl.experimental.orpo import ORPOTrainer as MethodTrainer
    else:
        from trl import DPOTrainer as MethodTrainer
    return type("Trainer", (WithoutEmptyParamGroups, MethodTrainer), {})(**common)


def last_logged(history: list[dict], key: str) -> float | None:
    values = [entry[key] for entry in history if key in entry]
    return round(values[-1], 4) if values else None


def train(params: Params) -> None:
    from transformers import set_seed

    set_seed(params.base.seed)
    torch.set_num_threads(threads_per_process())
    config = params.preference
    is_main = this_process().leader
    if is_main:
        shutil.rmtree(STAGING, ignore_errors=True)
        if is_adapter(config.model):  # merged into its base, so that any mode can train on it
            merge_adapter(
                config.model,
                STAGING / "policy",
                params.base.trust_remote_code,
                params.base.allow_pickle_weights,
            )
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
    policy = str(STAGING / "policy") if is_adapter(config.model) else config.model
    report_to = mlflow_reporting(config.mlflow and is_main, "preference")
    trainer = build_trainer(params, load_pairs(), policy, report_to=report_to)
    started = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - started
    tokenizer = trainer.processing_class
    trainer.model.generation_config.pad_token_id = tokenizer.pad_token_id
    trainer.save_model(str(STAGING / "final"))  # every process: ZeRO-3 gathers the weights
    trainer.accelerator.wait_for_everyone()
    if not trainer.is_world_process_zero():
        return
    history = trainer.state.log_history
    with atomic_path(OUT_DIR) as tmp:
        shutil.copytree(STAGING / "final", tmp)
        (tmp / "training_args.bin").unlink(missing_ok=True)
        tokenizer.save_pretrained(str(tmp))
        if config.mode != "full" and policy != config.model:
            # a new adapter on a merged sft adapter: its base ships with it, under models/preference/base
            shutil.copytree(STAGING / "policy", tmp / "base")
            tokenizer.save_pretrained(str(tmp / "base"))
            point_adapter_at(tmp / "adapter_config.json", str(OUT_DIR / "base"))
    write_json(
        REPORT,
        {
            "method": config.method,
            "mode": config.mode,
            "policy": config.model,
            "pairs": len(trainer.train_dataset),
            "train_loss": round(result.training_loss, 4),
            "final_loss": last_logged(history, "loss"),
            "reward_accuracy": last_logged(history, "rewards/accuracies"),
            "reward_margin": last_logged(history, "rewards/margins"),
            "steps": trainer.state.global_step,
        },
    )
    write_timings("preference", {"seconds": round(seconds, 1), "peak_memory_mb": round(peak_memory_mb(), 1)})
    shutil.rmtree(STAGING, ignore_errors=True)


def write_off() -> None:
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        (tmp / "README.md").write_text(OFF_NOTE, encoding="utf-8")
    write_json(REPORT, {"method": "none"})
    print("preference: method none, nothing trained")


def main(argv: list[str] | None = None) -> None:
    params = load_params()
    config = params.preference
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launcher", choices=LAUNCHERS, default=config.launcher)
    parser.add_argument("--processes", type=int, default=config.processes)
    args = parser.parse_args(argv)
    if config.method == "none":
        write_off()
        return
    lora_settings(config, "preference")  # a (q)lora run without its settings stops before any work
    if config.deepspeed and args.launcher == "python":
        raise InputError(
            PARAMS_FILE, "preference.deepspeed: DeepSpeed runs under a launcher; set preference.launcher"
        )
    if is_worker() or args.launcher == "python":
        train(params)
        return
    launch("preference", args.launcher, args.processes, config.launcher_args)


if __name__ == "__main__":
    main()

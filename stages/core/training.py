"""What the training stages (sft, preference) share: modes, LoRA presets, precision, launchers, MLflow."""

import importlib.util
import json
import os
import resource

import torch

from .io import InputError
from .models import pretrained
from .params import PARAMS_FILE
from .tracking import EXPERIMENT, open_store, run_tags

# ParroT's LoRA (its deepspeed LoRA recipe) and LLaMa2lang's (finetune.py, PEFT's default q/v modules).
LORA_PRESETS = {
    "parrot": {
        "lora_r": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.05,
        "lora_target_modules": ["q_proj", "v_proj"],
    },
    "llama2lang": {
        "lora_r": 64,
        "lora_alpha": 16,
        "lora_dropout": 0.1,
        "lora_target_modules": ["q_proj", "v_proj"],
    },
}
LORA_KEYS = ("lora_r", "lora_alpha", "lora_dropout", "lora_target_modules")
LAUNCHERS = ("python", "torchrun", "accelerate")


# --- modes -------------------------------------------------------------------------------------------


def lora_settings(config, group: str = "sft") -> dict:
    """The LoRA keys: the preset's, then those written in params.yaml; all four are needed for (q)lora."""
    settings = dict(LORA_PRESETS.get(config.preset, {}))
    settings.update({key: getattr(config, key) for key in LORA_KEYS if getattr(config, key) is not None})
    missing = [key for key in LORA_KEYS if key not in settings]
    if config.mode != "full" and missing:
        raise InputError(
            PARAMS_FILE,
            f"{group}.mode {config.mode} needs {', '.join(f'{group}.{k}' for k in missing)} "
            f"(or {group}.preset: {' or '.join(LORA_PRESETS)})",
            key=f"{group}.preset",
        )
    return settings


def peft_config(config, group: str = "sft"):
    """A LoRA (or DoRA) configuration for lora and qlora; None for full fine-tuning."""
    if config.mode == "full":
        return None
    from peft import LoraConfig

    lora = lora_settings(config, group)
    return LoraConfig(
        r=lora["lora_r"],
        lora_alpha=lora["lora_alpha"],
        lora_dropout=lora["lora_dropout"],
        target_modules=lora["lora_target_modules"],
        use_dora=config.use_dora,
        bias="none",
        task_type="CAUSAL_LM",
    )


def cpu_has_native_bf16() -> bool:
    """AMX or AVX-512 BF16: bf16 matrix products run in hardware. Elsewhere oneDNN emulates them, slower
    than fp32."""
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(getattr(torch.cpu, check, lambda: False)() for check in checks)


def resolved_precision(precision: str) -> str:
    """`auto`: bf16 mixed precision where the device computes bf16 natively (GPUs that have it, CPUs with
    AMX or AVX-512 BF16), else fp32."""
    if precision != "auto":
        return precision
    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_has_native_bf16() else "fp32"


def compute_dtype(precision: str) -> torch.dtype:
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(resolved_precision(precision), torch.float32)


def load_model(name_or_path: str, config, group: str, trust_remote_code: bool, allow_pickle: bool = False):
    """The model to train: fp32 master weights (bf16/fp16 run as mixed precision); for qlora, 4-bit NF4
    with double quantisation, prepared for k-bit training."""
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    join_deepspeed(config)
    if config.attn_implementation == "flash_attention_2" and importlib.util.find_spec("flash_attn") is None:
        raise InputError(
            PARAMS_FILE,
            f"{group}.attn_implementation: flash_attention_2 needs the flash-attn package (GPU extra)",
        )
    kwargs = {}
    if config.mode == "qlora":
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute_dtype(config.precision),
        )
        if torch.cuda.is_available():
            kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", 0))}
    model = pretrained(
        AutoModelForCausalLM,
        name_or_path,
        allow_pickle,
        trust_remote_code=trust_remote_code,
        dtype=torch.float32,
        attn_implementation=config.attn_implementation,
        **kwargs,
    )
    if config.mode == "qlora":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=config.gradient_checkpointing
        )
    return model


def join_deepspeed(config) -> None:
    """Under DeepSpeed, its process group before the model loads: ZeRO-3 partitions the weights as they
    load, and reads the world size from that group."""
    if config.deepspeed:
        import deepspeed

        deepspeed.init_distributed()


class WithoutEmptyParamGroups:
    """A Trainer mixin: LoRA leaves the optimizer's no-weight-decay group empty, DeepSpeed ZeRO-3 drops that
    group, and the learning-rate scheduler, built on both groups, then fails at its first step."""

    def create_optimizer(self, *args, **kwargs):
        optimizer = super().create_optimizer(*args, **kwargs)
        optimizer.param_groups[:] = [group for group in optimizer.param_groups if group["params"]]
        return optimizer


def trainer_arguments(config, seed: int, report_to: list[str]) -> dict:
    """The Trainer keyword arguments `sft` and `preference` share, from their params group (same keys)."""
    precision = resolved_precision(config.precision)
    return dict(
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,  # -1: the epochs decide
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler,
        warmup_ratio=config.warmup_ratio,
        weight_decay=config.weight_decay,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        max_length=config.max_length,
        logging_steps=config.logging_steps,
        seed=seed,
        data_seed=seed,
        use_cpu=not torch.cuda.is_available(),
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        gradient_checkpointing=config.gradient_checkpointing,
        deepspeed=config.deepspeed or None,
        report_to=report_to,
        run_name=run_tags()["dvc.exp_name"] if report_to else None,
        dataloader_num_workers=0,
    )


def peak_memory_mb() -> float:
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def threads_per_process() -> int:
    """OMP_NUM_THREADS where it is set (the launcher sets it for each process it starts; a user, or a test
    worker sharing the cores, may), else this machine's cores shared among the processes."""
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if threads.isdigit():
        return max(1, int(threads))
    return max(1, (os.cpu_count() or 1) // int(os.environ.get("WORLD_SIZE", 1)))


# --- tracking ----------------------------------------------------------------------------------------


def mlflow_reporting(enabled: bool, stage: str) -> list[str]:
    """report_to for a Trainer: MLflow, pointed at the project's store and tagged like its runs."""
    if not enabled:
        return []
    # The callback uses this store (set in-process: an environment variable would outlive this run's folder).
    open_store()
    os.environ["MLFLOW_EXPERIMENT_NAME"] = EXPERIMENT
    os.environ["MLFLOW_TAGS"] = json.dumps(run_tags() | {"stage": stage})
    os.environ["HF_MLFLOW_LOG_ARTIFACTS"] = "false"  # weights are never logged
    return ["mlflow"]

"""The memory and time a recipe's training needs on GPUs: a pure model, every assumption stated.

`estimate(shape, config, …)` takes a model's shape (parameters, widths, vocabulary) and a training group's
settings (`sft` or `preference`) and returns GiB per GPU by part and hours per 100k examples. Nothing here
reads a file or the network: `recipe_check` finds the shape and the DeepSpeed settings.
"""

import math
import re
from dataclasses import dataclass

# bf16 dense peak of one GPU, TFLOP/s (vendor data sheets, without sparsity)
GPU_PEAK_TFLOPS = {"a100": 312.0, "h100": 989.0}
GPU_MEMORY_GIB = {"a100": 80, "h100": 80}
DEFAULT_MFU = 0.4  # model FLOPs utilisation a tuned 7B fine-tuning run reaches; QLoRA runs lower

# Bytes per parameter. Full: bf16 weights 2 + bf16 gradients 2 + fp32 master weights 4 + Adam m and v 8.
FULL_WEIGHTS, FULL_GRADIENTS, FULL_OPTIMIZER = 2, 2, 12
LORA_FROZEN = 2.0  # bf16 base weights, no gradients or optimizer state
# QLoRA: the blocks' linear layers in NF4 (4 bits + double-quantised scales); embeddings, lm_head and norms
# stay out of 4-bit, and peft's prepare_model_for_kbit_training casts them to fp32 (measured).
QLORA_LINEAR = 0.55
QLORA_KEPT = 4.0
ADAPTER_STATE = 16  # each trainable adapter parameter: fp32 weight 4 + gradient 4 + Adam 8
# Activations kept for the backward pass, bytes per token per layer in bf16 (Korthikanti et al. 2022,
# without the attention-score term that SDPA/flash attention do not store); with gradient checkpointing
# only each layer's input (2 bytes x hidden) is kept and one layer is recomputed at a time.
ACTIVATION_BYTES_PER_HIDDEN = 34
CHECKPOINTED_BYTES_PER_HIDDEN = 2
LOGITS_BYTES = 8  # bf16 logits plus their fp32 copy for the loss, per token per vocabulary entry
RUNTIME_OVERHEAD_GIB = 2.0  # CUDA context, NCCL buffers, allocator fragmentation
DEFAULT_VOCAB = 32000  # LLaMA's, when no config.json gives it
SIZE_TOKEN = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)([bBmM])(?![A-Za-z0-9])")
GIB = 2**30
EXAMPLES_UNIT = 100_000


@dataclass
class Shape:
    """What the estimate needs of a model; `source` says where it came from.

    `unquantised`: the parameters QLoRA leaves out of 4-bit (embeddings, lm_head, norms).
    """

    parameters: float
    hidden: int
    layers: int
    intermediate: int
    vocab: int
    kv_hidden: int
    source: str
    unquantised: float = 0.0


def shape_from_name(name: str) -> Shape | None:
    """A LLaMA-shaped guess from the size token of a hub id (`llama-7b`, `Llama-2-13b-chat-hf`).

    LLaMA's shapes: about 12 x layers x hidden^2 parameters, hidden = 128 x layers, MLP 2.6875 x hidden,
    untied input and output embeddings of LLaMA's vocabulary.
    """
    match = SIZE_TOKEN.search(name.rsplit("/", 1)[-1])
    if not match:
        return None
    parameters = float(match.group(1)) * (1e9 if match.group(2) in "bB" else 1e6)
    hidden = int(round((parameters * 128 / 12) ** (1 / 3) / 128) * 128) or 128
    layers = max(1, hidden // 128)
    return Shape(
        parameters=parameters,
        hidden=hidden,
        layers=layers,
        intermediate=int(hidden * 2.6875),
        vocab=DEFAULT_VOCAB,
        kv_hidden=hidden,
        source=f"the size token {match.group(0)!r} of {name} (LLaMA-shaped guess)",
        unquantised=float(2 * DEFAULT_VOCAB * hidden + (2 * layers + 1) * hidden),
    )


def adapter_parameters(shape: Shape, rank: int, modules: list[str] | str) -> float:
    """Trainable LoRA parameters: rank x (in + out) for each adapted linear layer of each block."""
    h, i, kv = shape.hidden, shape.intermediate, shape.kv_hidden
    sizes = {
        "q_proj": (h, h),
        "k_proj": (h, kv),
        "v_proj": (h, kv),
        "o_proj": (h, h),
        "gate_proj": (h, i),
        "up_proj": (h, i),
        "down_proj": (i, h),
    }
    names = list(sizes) if modules == "all-linear" else [m for m in modules if m in sizes]
    return float(shape.layers * sum(rank * (sizes[m][0] + sizes[m][1]) for m in names))


def frozen_bytes(shape: Shape, mode: str) -> float:
    """Bytes of the frozen base weights under LoRA (bf16) or QLoRA (NF4 blocks, fp32 rest)."""
    if mode == "lora":
        return LORA_FROZEN * shape.parameters
    return QLORA_LINEAR * (shape.parameters - shape.unquantised) + QLORA_KEPT * shape.unquantised


def memory_per_gpu(
    shape: Shape,
    mode: str,
    gpus: int,
    stage: int | None,
    offload: dict[str, bool],
    adapter: float,
    batch: int,
    length: int,
    checkpointing: bool,
) -> dict[str, float]:
    """GiB per GPU, by part. ZeRO-1 shards optimizer states, ZeRO-2 also gradients, ZeRO-3 also weights."""
    p, stage = shape.parameters, stage or 0
    shards = {
        part: (gpus if stage >= level else 1)
        for part, level in (("optimizer", 1), ("gradients", 2), ("weights", 3))
    }
    if mode == "full":
        weights = 0 if offload["param"] else FULL_WEIGHTS * p / shards["weights"]
        gradients = FULL_GRADIENTS * p / shards["gradients"]
        optimizer = 0 if offload["optimizer"] else FULL_OPTIMIZER * p / shards["optimizer"]
        trainable = weights + gradients + optimizer
    else:
        weights = frozen_bytes(shape, mode) / shards["weights"]
        trainable = weights + ADAPTER_STATE * adapter / shards["optimizer"]
    tokens = batch * length
    kept = CHECKPOINTED_BYTES_PER_HIDDEN if checkpointing else ACTIVATION_BYTES_PER_HIDDEN
    activations = tokens * shape.hidden * kept * shape.layers
    if checkpointing:
        activations += tokens * shape.hidden * ACTIVATION_BYTES_PER_HIDDEN  # the layer being recomputed
    logits = tokens * shape.vocab * LOGITS_BYTES
    parts = {
        "weights_and_training_state": trainable / GIB,
        "activations": activations / GIB,
        "logits": logits / GIB,
        "runtime_overhead": RUNTIME_OVERHEAD_GIB,
    }
    parts["total"] = sum(parts.values())
    return {name: round(value, 2) for name, value in parts.items()}


def training_flops_per_token(shape: Shape, mode: str, checkpointing: bool) -> float:
    """6 x params per token for full training (2 forward + 4 backward); LoRA/QLoRA skip the weight
    gradients of frozen layers, about 4 x params; gradient checkpointing adds a second forward, 2 x params."""
    factor = 6.0 if mode == "full" else 4.0
    return (factor + (2.0 if checkpointing else 0.0)) * shape.parameters


def estimate(
    shape: Shape,
    config,
    gpus: int,
    stage: int | None,
    offload: dict[str, bool],
    lora: dict,
    gpu: str,
    mfu: float,
    examples: int | None,
) -> dict:
    """GPU memory per GPU and training time of a training group (`sft` or `preference` params)."""
    adapter = 0.0
    if config.mode != "full":
        adapter = adapter_parameters(shape, lora["lora_r"], lora["lora_target_modules"])
    memory = memory_per_gpu(
        shape,
        config.mode,
        gpus,
        stage,
        offload,
        adapter,
        config.batch_size,
        config.max_length,
        config.gradient_checkpointing,
    )
    global_batch = config.batch_size * config.gradient_accumulation_steps * gpus
    flops_per_token = training_flops_per_token(shape, config.mode, config.gradient_checkpointing)
    throughput = gpus * GPU_PEAK_TFLOPS[gpu] * 1e12 * mfu

    def hours(count: int) -> float:
        tokens = count * config.max_length * config.epochs
        return float(f"{flops_per_token * tokens / throughput / 3600:.3g}")

    result = {
        "parameters": shape.parameters,
        "parameters_from": shape.source,
        "mode": config.mode,
        "zero_stage": stage,
        "offload": [name for name, on in offload.items() if on],
        "trainable_adapter_parameters": adapter if config.mode != "full" else None,
        "gpus": gpus,
        "gpu": gpu,
        "gpu_memory_gib": GPU_MEMORY_GIB[gpu],
        "memory_per_gpu_gib": memory,
        "fits": memory["total"] <= GPU_MEMORY_GIB[gpu],
        "global_batch": global_batch,
        "assumptions": (
            f"bytes/param: full {FULL_WEIGHTS}+{FULL_GRADIENTS}+{FULL_OPTIMIZER} (bf16 weights, grads; "
            f"fp32 master + Adam) sharded by ZeRO; LoRA {LORA_FROZEN} frozen; QLoRA {QLORA_LINEAR} for the "
            f"blocks' linear layers, {QLORA_KEPT:.0f} for embeddings, lm_head and norms; "
            f"adapters {ADAPTER_STATE}. Activations at batch_size x max_length tokens (worst case): "
            f"{ACTIVATION_BYTES_PER_HIDDEN} B x hidden per token per layer "
            f"({CHECKPOINTED_BYTES_PER_HIDDEN} with gradient checkpointing, plus one layer recomputed), "
            f"logits {LOGITS_BYTES} B x vocab per token, {RUNTIME_OVERHEAD_GIB} GiB runtime. Time: "
            f"{flops_per_token / shape.parameters:.0f} x params FLOPs per token at {mfu:.0%} MFU of "
            f"{GPU_PEAK_TFLOPS[gpu]:.0f} TFLOP/s bf16 per {gpu.upper()}, "
            f"every example {config.max_length} tokens"
        ),
        "hours_per_100k_examples": hours(EXAMPLES_UNIT),
        "steps_per_100k_examples": math.ceil(EXAMPLES_UNIT * config.epochs / global_batch),
    }
    if examples is not None:
        result["examples"] = examples
        result["hours"] = hours(examples)
        result["steps"] = math.ceil(examples * config.epochs / global_batch)
    return result

"""`lingtune recipe`: check a recipe offline before a GPU is rented, and run it as a DVC experiment.

A recipe (recipes/*.yaml) is a complete params file. The check reads nothing from the network: it validates
the schema, every local path, the form of every hub id, sacreBLEU test-set names and language pairs (against
sacreBLEU's own registry), the DeepSpeed and accelerate configs against the launcher, and estimates GPU
memory per GPU and training time for the recipe's mode. URLs and hub ids are fetched at run time.
"""

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stages.core.io import InputError, is_url
from stages.core.params import PARAMS_FILE, Params, ParamsError, load_params

# bf16 dense peak of one GPU, TFLOP/s (vendor data sheets, without sparsity)
GPU_PEAK_TFLOPS = {"a100": 312.0, "h100": 989.0}
GPU_MEMORY_GIB = {"a100": 80, "h100": 80}
DEFAULT_MFU = 0.4  # model FLOPs utilisation a tuned 7B fine-tuning run reaches; QLoRA runs lower

# Bytes per parameter. Full: bf16 weights 2 + bf16 gradients 2 + fp32 master weights 4 + Adam m and v 8.
FULL_WEIGHTS, FULL_GRADIENTS, FULL_OPTIMIZER = 2, 2, 12
LORA_FROZEN = 2.0  # bf16 base weights, no gradients or optimizer state
QLORA_FROZEN = 0.55  # NF4 4-bit weights + double-quantised scales + the layers kept in 16 bits
ADAPTER_STATE = 16  # each trainable adapter parameter: fp32 weight 4 + gradient 4 + Adam 8
# Activations kept for the backward pass, bytes per token per layer in bf16 (Korthikanti et al. 2022,
# without the attention-score term that SDPA/flash attention do not store); with gradient checkpointing
# only each layer's input (2 bytes x hidden) is kept and one layer is recomputed at a time.
ACTIVATION_BYTES_PER_HIDDEN = 34
CHECKPOINTED_BYTES_PER_HIDDEN = 2
LOGITS_BYTES = 8  # bf16 logits plus their fp32 copy for the loss, per token per vocabulary entry
RUNTIME_OVERHEAD_GIB = 2.0  # CUDA context, NCCL buffers, allocator fragmentation
DEFAULT_VOCAB = 32000  # LLaMA's, when no config.json gives it

HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}")
HUB_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}")
SIZE_TOKEN = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)([bBmM])(?![A-Za-z0-9])")
SACREBLEU_REF = re.compile(r"ref(:[A-Za-z0-9_-]+)?")
GIB = 2**30
EXAMPLES_UNIT = 100_000


@dataclass
class Report:
    recipe: str
    errors: list[dict] = field(default_factory=list)  # {key, message}
    fetched_at_run_time: list[dict] = field(default_factory=list)  # {key, value}: URLs and hub ids
    notes: list[str] = field(default_factory=list)
    local_inputs: dict[str, int] = field(default_factory=dict)  # file -> lines (records for JSON)
    estimate: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, key: str, message: str) -> None:
        self.errors.append({"key": key, "message": message})

    def remote(self, key: str, value: str) -> None:
        self.fetched_at_run_time.append({"key": key, "value": value})


# --- raw access: the checks run even when the schema check fails, on whatever is there -----------------


def _get(raw: Any, dotted: str, default: Any = None) -> Any:
    node = raw
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _items(raw: Any, dotted: str) -> list[tuple[str, Any]]:
    """(key, element) of a list, or of a mapping's values, under `dotted`; [] for anything else."""
    node = _get(raw, dotted)
    if isinstance(node, list):
        return [(f"{dotted}[{index}]", item) for index, item in enumerate(node)]
    if isinstance(node, dict):
        return [(f"{dotted}.{name}", item) for name, item in node.items()]
    return []


# --- names and paths -----------------------------------------------------------------------------------


def check_url(report: Report, key: str, url: str) -> None:
    if not url.startswith("https://") or not re.fullmatch(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}/\S+", url):
        report.error(key, f"{url!r}: not a well-formed https:// URL to a file")
    else:
        report.remote(key, url)


def check_file(report: Report, key: str, path: Any, urls: bool = False) -> None:
    """A local file that must exist; an https URL where the stage downloads it (`urls`)."""
    if not isinstance(path, str) or not path:
        report.error(key, "a file path is required")
    elif is_url(path) and urls:
        check_url(report, key, path)
    elif is_url(path):
        report.error(key, f"{path!r}: takes a local file, not a URL")
    elif not Path(path).is_file():
        report.error(key, f"no such file {path!r}")


# The project's own folders: `models/x` is a path here even before the pipeline has made `models/`.
LOCAL_ROOTS = ("models", "data", "configs", "recipes")


def check_model(report: Report, key: str, name: Any, allow_empty: bool = False) -> None:
    """A hub id `owner/name` (fetched at run time) or an existing local folder."""
    if name == "" and allow_empty:
        return
    if not isinstance(name, str) or not name:
        report.error(key, "a hub id (owner/name) or a local folder is required")
    elif Path(name).is_dir():
        return
    elif name.split("/", 1)[0] in LOCAL_ROOTS or Path(name.split("/", 1)[0]).is_dir():  # a local path
        report.error(key, f"no such folder {name!r}")
    elif name.startswith((".", "/", "~")) or Path(name).exists() or not HUB_ID.fullmatch(name):
        report.error(key, f"{name!r}: neither a local folder nor a hub id of the form owner/name")
    elif "--" in name or ".." in name:
        report.error(key, f"{name!r}: a hub id has no '--' or '..'")
    else:
        report.remote(key, name)


def check_dataset(report: Report, key: str, name: Any) -> None:
    """A `datasets` hub id or a save_to_disk folder."""
    if isinstance(name, str) and Path(name).is_dir():
        if not any((Path(name) / marker).is_file() for marker in ("dataset_dict.json", "state.json")):
            report.error(key, f"{name!r}: a folder, but not one written by save_to_disk")
        return
    check_model(report, key, name)


def check_sacrebleu(report: Report, key: str, name: Any, src: Any, tgt: Any, refs: Any = None) -> None:
    """The test set and language pair exist in sacreBLEU's registry (which needs no download)."""
    from sacrebleu.dataset import DATASETS

    dataset = DATASETS.get(name) if isinstance(name, str) else None
    if dataset is None:
        report.error(key, f"{name!r}: not a sacreBLEU test set (`sacrebleu --list` shows them)")
        return
    pair = f"{src}-{tgt}"
    if pair not in dataset.langpairs:
        report.error(key, f"sacreBLEU's {name} has no {pair} (it has {', '.join(sorted(dataset.langpairs))})")
        return
    wanted = [refs] if isinstance(refs, str) else refs or []
    bad = [ref for ref in wanted if not isinstance(ref, str) or not SACREBLEU_REF.fullmatch(ref)]
    if bad:
        report.error(
            key.rsplit(".", 1)[0] + ".ref_field", f"{bad}: sacreBLEU fields are `ref` or `ref:<name>`"
        )
    report.remote(key, f"sacreBLEU {name} {pair}")


def count_lines(report: Report, path: str) -> None:
    with open(path, "rb") as data:
        report.local_inputs[path] = sum(1 for _ in data)


def check_pair_input(report: Report, key: str, spec: Any) -> None:
    if not isinstance(spec, dict):
        return  # the schema check names it
    fmt, path = spec.get("format", "text"), spec.get("path")
    src, tgt = spec.get("src_lang"), spec.get("tgt_lang")
    if fmt == "sacrebleu":
        check_sacrebleu(report, f"{key}.path", path, src, tgt)
    elif fmt == "datasets":
        check_dataset(report, f"{key}.path", path)
    elif fmt == "text" and isinstance(path, str):
        # The pairs stage reads <path>.<src_lang> and <path>.<tgt_lang> from the local disk.
        for lang in (src, tgt):
            check_file(report, f"{key}.path", f"{path}.{lang}")
            if Path(f"{path}.{lang}").is_file():
                count_lines(report, f"{path}.{lang}")
    elif fmt in ("tsv", "jsonl"):
        check_file(report, f"{key}.path", path)
        if isinstance(path, str) and Path(path).is_file():
            count_lines(report, path)


def check_testset(report: Report, key: str, spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    fmt = spec.get("format", "text")
    if fmt == "sacrebleu":
        check_sacrebleu(
            report,
            f"{key}.path",
            spec.get("path"),
            spec.get("src_lang"),
            spec.get("tgt_lang"),
            spec.get("ref_field"),
        )
    elif fmt == "datasets":
        check_dataset(report, f"{key}.path", spec.get("path"))
    else:
        check_file(report, f"{key}.src", spec.get("src"), urls=True)
        refs = spec.get("ref")
        for index, ref in enumerate(refs if isinstance(refs, list) else [refs]):
            check_file(
                report, f"{key}.ref" + (f"[{index}]" if isinstance(refs, list) else ""), ref, urls=True
            )


def check_oasst(report: Report, key: str, source: Any) -> None:
    """What `stages.core.oasst.read_oasst` takes: a local file or folder, or a `datasets` hub id."""
    if not isinstance(source, str) or not source:
        report.error(key, "an OASST file, saved folder or hub id is required")
    elif is_url(source):
        report.error(
            key, "takes a local file, a save_to_disk folder or a hub id (OpenAssistant/oasst1), not a URL"
        )
    elif source.endswith((".jsonl", ".jsonl.gz", ".parquet")):
        check_file(report, key, source)
    else:
        check_dataset(report, key, source)


def check_paths(report: Report, raw: dict) -> None:
    """Every file, folder, URL and hub id the recipe names."""
    check_model(report, "base.model", _get(raw, "base.model"))
    for key, prefix in _items(raw, "embedded.translators"):
        direction = key.rsplit(".", 1)[1]
        for lang in direction.split("-", 1):
            check_file(report, key, f"{prefix}.{lang}")
    for key, spec in _items(raw, "pairs.inputs"):
        check_pair_input(report, key, spec)
    for key, path in _items(raw, "pairs.exclude"):
        check_file(report, key, path)
    check_file(report, "instructions.templates", _get(raw, "instructions.templates"))
    for key, spec in _items(raw, "instructions.mqm"):
        if isinstance(spec, dict):
            check_file(report, f"{key}.path", spec.get("path"), urls=True)
    engine = _get(raw, "translate.engine", "opus-mt")
    if engine == "opus-mt":
        root = _get(raw, "translate.model_root", "Helsinki-NLP")
        if not (isinstance(root, str) and (Path(root).is_dir() or HUB_OWNER.fullmatch(root))):
            report.error("translate.model_root", f"{root!r}: neither a local folder nor a hub organisation")
        elif not Path(root).is_dir():
            report.remote("translate.model_root", f"{root}/opus-mt-<src>-<tgt>")
    else:
        check_model(report, "translate.model", _get(raw, "translate.model"))
    check_oasst(report, "translate.oasst", _get(raw, "translate.oasst"))
    check_file(report, "translate.alpaca", _get(raw, "translate.alpaca"), urls=True)
    alpaca = _get(raw, "translate.alpaca")
    if isinstance(alpaca, str) and not is_url(alpaca) and Path(alpaca).is_file():
        count_json_records(report, alpaca)
    for name in ("aliases", "alpaca_zh"):
        value = _get(raw, f"sft_data.{name}", "")
        if value:
            check_file(report, f"sft_data.{name}", value, urls=name == "alpaca_zh")
    for name in ("deepspeed", "chat_template"):
        if _get(raw, f"sft.{name}"):
            check_file(report, f"sft.{name}", _get(raw, f"sft.{name}"))
    for key, name in _items(raw, "infer.models"):
        if name not in ("base", "sft") and isinstance(name, str) and not Path("models", name).is_dir():
            report.error(key, f"no folder models/{name} (a model or adapter to compare must be there)")
    for key, spec in _items(raw, "infer.testsets"):
        check_testset(report, key, spec)
    check_model(report, "score.comet_model", _get(raw, "score.comet_model", ""), allow_empty=True)
    check_model(report, "score.comet_kiwi_model", _get(raw, "score.comet_kiwi_model", ""), allow_empty=True)


def count_json_records(report: Report, path: str) -> None:
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        report.error("translate.alpaca", f"{path}: not valid JSON ({error})")
        return
    if isinstance(records, list):
        report.local_inputs[path] = len(records)


# --- launch configs ------------------------------------------------------------------------------------


def _flag(args: list[str], *names: str) -> str | None:
    """The value of a launcher flag, written `--flag value` or `--flag=value`."""
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def world_size(sft: dict) -> int:
    """GPUs in all: processes per node x nodes (`--nnodes` / `--num_machines` in sft.launcher_args)."""
    args = [str(arg) for arg in sft.get("launcher_args") or []]
    nodes = _flag(args, "--nnodes", "--num_machines") or "1"
    nodes = nodes.split(":")[-1]  # torchrun's elastic MIN:MAX: the most it may reach
    processes = sft.get("processes", 1)
    return (int(processes) if isinstance(processes, int) else 1) * (int(nodes) if nodes.isdigit() else 1)


def load_deepspeed(report: Report, path: str) -> dict | None:
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        report.error("sft.deepspeed", f"{path}: not valid JSON (line {error.lineno}: {error.msg})")
        return None
    except (OSError, UnicodeDecodeError) as error:
        report.error("sft.deepspeed", f"{path}: unreadable ({error})")
        return None
    if not isinstance(config, dict):
        report.error("sft.deepspeed", f"{path}: a DeepSpeed config is a JSON object")
        return None
    return config


def zero_stage(report: Report, path: str, config: dict) -> int | None:
    stage = _get(config, "zero_optimization.stage")
    if stage not in (0, 1, 2, 3):
        report.error("sft.deepspeed", f"{path}: zero_optimization.stage must be 0, 1, 2 or 3 (got {stage!r})")
        return None
    return stage


def check_batch_keys(report: Report, path: str, config: dict, sft: dict, gpus: int) -> None:
    """Batch keys: best left "auto" (the Trainer fills them); a number written must agree with sft.*."""
    micro = sft.get("batch_size")
    accumulation = sft.get("gradient_accumulation_steps", 1)
    if not isinstance(micro, int) or not isinstance(accumulation, int):
        return
    expected = {
        "train_micro_batch_size_per_gpu": micro,
        "gradient_accumulation_steps": accumulation,
        "train_batch_size": micro * accumulation * gpus,
    }
    for name, value in expected.items():
        given = config.get(name, "auto")
        if given != "auto" and given != value:
            report.error(
                "sft.deepspeed",
                f'{path}: {name} is {given}, but sft.* give {value} ({gpus} GPU(s)); write "auto"',
            )
    precision = sft.get("precision", "auto")
    for name in ("bf16", "fp16"):
        enabled = _get(config, f"{name}.enabled", "auto")
        if enabled is True and precision not in ("auto", name):
            report.error("sft.deepspeed", f"{path}: {name}.enabled is true, but sft.precision is {precision}")


def check_accelerate(report: Report, sft: dict, deepspeed_path: str) -> None:
    args = [str(arg) for arg in sft.get("launcher_args") or []]
    path = _flag(args, "--config_file")
    if path is None:
        return
    if not Path(path).is_file():
        report.error("sft.launcher_args", f"--config_file {path}: no such file")
        return
    try:
        config = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        report.error("sft.launcher_args", f"{path}: not valid YAML ({error})")
        return
    if not isinstance(config, dict):
        report.error("sft.launcher_args", f"{path}: an accelerate config is a YAML mapping")
        return
    total = config.get("num_processes")
    if isinstance(total, int) and total != world_size(sft):
        report.error(
            "sft.launcher_args",
            f"{path}: num_processes is {total}, but sft.processes x nodes is {world_size(sft)}",
        )
    machines = config.get("num_machines")
    if isinstance(machines, int) and _flag(args, "--num_machines") is None and machines > 1:
        report.error("sft.launcher_args", f"{path}: num_machines {machines}; also pass --num_machines")
    uses_deepspeed = config.get("distributed_type") == "DEEPSPEED"
    if uses_deepspeed and not deepspeed_path:
        report.error("sft.deepspeed", f"{path} asks for DeepSpeed; name its JSON config in sft.deepspeed")
    if deepspeed_path and config.get("distributed_type") not in (None, "DEEPSPEED", "NO"):
        report.error(
            "sft.launcher_args", f"{path}: distributed_type {config['distributed_type']} with sft.deepspeed"
        )


def check_launch(report: Report, raw: dict) -> int | None:
    """The launcher, process count, DeepSpeed and accelerate configs agree; returns the ZeRO stage."""
    sft = _get(raw, "sft")
    if not isinstance(sft, dict):
        return None
    launcher, processes = sft.get("launcher", "python"), sft.get("processes", 1)
    deepspeed = sft.get("deepspeed") or ""
    if launcher == "python" and isinstance(processes, int) and processes > 1:
        report.error("sft.processes", f"{processes} processes need sft.launcher torchrun or accelerate")
    if launcher == "python" and deepspeed:
        report.error("sft.launcher", "DeepSpeed runs under a launcher: torchrun or accelerate")
    if launcher != "accelerate" and _flag([str(a) for a in sft.get("launcher_args") or []], "--config_file"):
        report.error(
            "sft.launcher_args", "--config_file is an accelerate flag; sft.launcher is " + str(launcher)
        )
    if launcher == "accelerate":
        check_accelerate(report, sft, deepspeed)
    if not isinstance(deepspeed, str) or not deepspeed or not Path(deepspeed).is_file():
        return None
    config = load_deepspeed(report, deepspeed)
    if config is None:
        return None
    stage = zero_stage(report, deepspeed, config)
    check_batch_keys(report, deepspeed, config, sft, world_size(sft))
    if sft.get("mode") == "qlora" and stage == 3:
        report.notes.append("QLoRA under ZeRO-3 needs bnb_4bit_quant_storage matching the compute dtype")
    return stage


# --- estimate ------------------------------------------------------------------------------------------


@dataclass
class Shape:
    """What the estimate needs of a model; `source` says where it came from."""

    parameters: float
    hidden: int
    layers: int
    intermediate: int
    vocab: int
    kv_hidden: int
    source: str


def shape_from_config(folder: Path) -> Shape:
    """The exact parameter count of a local model: built on the meta device from its config.json."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(folder)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    parameters = sum(p.numel() for p in model.parameters())
    hidden = config.hidden_size
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    return Shape(
        parameters=float(parameters),
        hidden=hidden,
        layers=config.num_hidden_layers,
        intermediate=getattr(config, "intermediate_size", 4 * hidden),
        vocab=config.vocab_size,
        kv_hidden=hidden // heads * kv_heads,
        source=f"{folder}/config.json",
    )


def shape_from_name(name: str) -> Shape | None:
    """A LLaMA-shaped guess from the size token of a hub id (`llama-7b`, `Llama-2-13b-chat-hf`).

    LLaMA's shapes: about 12 x layers x hidden^2 parameters, hidden = 128 x layers, MLP 2.6875 x hidden.
    """
    match = SIZE_TOKEN.search(name.rsplit("/", 1)[-1])
    if not match:
        return None
    parameters = float(match.group(1)) * (1e9 if match.group(2) in "bB" else 1e6)
    hidden = int(round((parameters * 128 / 12) ** (1 / 3) / 128) * 128) or 128
    return Shape(
        parameters=parameters,
        hidden=hidden,
        layers=max(1, hidden // 128),
        intermediate=int(hidden * 2.6875),
        vocab=DEFAULT_VOCAB,
        kv_hidden=hidden,
        source=f"the size token {match.group(0)!r} of {name} (LLaMA-shaped guess)",
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
        frozen = (LORA_FROZEN if mode == "lora" else QLORA_FROZEN) * p
        weights = frozen / shards["weights"]
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
    params: Params, stage: int | None, lora: dict, gpu: str, mfu: float, examples: int | None
) -> dict | None:
    """GPU memory per GPU and training time, with every assumption stated."""
    model = Path(params.base.model)
    shape = (
        shape_from_config(model) if (model / "config.json").is_file() else shape_from_name(params.base.model)
    )
    if shape is None:
        return None
    sft = params.sft
    gpus = world_size(sft.model_dump())
    offload = {"optimizer": False, "param": False}
    if sft.deepspeed and stage is not None:
        config = json.loads(Path(sft.deepspeed).read_text(encoding="utf-8"))
        offload = {
            name: _get(config, f"zero_optimization.offload_{name}.device", "none") in ("cpu", "nvme")
            for name in offload
        }
    adapter = 0.0
    if sft.mode != "full":
        adapter = adapter_parameters(shape, lora["lora_r"], lora["lora_target_modules"])
    memory = memory_per_gpu(
        shape,
        sft.mode,
        gpus,
        stage,
        offload,
        adapter,
        sft.batch_size,
        sft.max_length,
        sft.gradient_checkpointing,
    )
    global_batch = sft.batch_size * sft.gradient_accumulation_steps * gpus
    flops_per_token = training_flops_per_token(shape, sft.mode, sft.gradient_checkpointing)
    throughput = gpus * GPU_PEAK_TFLOPS[gpu] * 1e12 * mfu

    def hours(count: int) -> float:
        tokens = count * sft.max_length * sft.epochs
        return float(f"{flops_per_token * tokens / throughput / 3600:.3g}")

    result = {
        "parameters": shape.parameters,
        "parameters_from": shape.source,
        "mode": sft.mode,
        "zero_stage": stage,
        "offload": [name for name, on in offload.items() if on],
        "trainable_adapter_parameters": adapter if sft.mode != "full" else None,
        "gpus": gpus,
        "gpu": gpu,
        "gpu_memory_gib": GPU_MEMORY_GIB[gpu],
        "memory_per_gpu_gib": memory,
        "fits": memory["total"] <= GPU_MEMORY_GIB[gpu],
        "global_batch": global_batch,
        "assumptions": (
            f"bytes/param: full {FULL_WEIGHTS}+{FULL_GRADIENTS}+{FULL_OPTIMIZER} (bf16 weights, grads; "
            f"fp32 master + Adam) sharded by ZeRO; LoRA {LORA_FROZEN} frozen; QLoRA {QLORA_FROZEN} frozen; "
            f"adapters {ADAPTER_STATE}. Activations at batch_size x max_length tokens (worst case): "
            f"{ACTIVATION_BYTES_PER_HIDDEN} B x hidden per token per layer "
            f"({CHECKPOINTED_BYTES_PER_HIDDEN} with gradient checkpointing, plus one layer recomputed), "
            f"logits {LOGITS_BYTES} B x vocab per token, {RUNTIME_OVERHEAD_GIB} GiB runtime. Time: "
            f"{flops_per_token / shape.parameters:.0f} x params FLOPs per token at {mfu:.0%} MFU of "
            f"{GPU_PEAK_TFLOPS[gpu]:.0f} TFLOP/s bf16 per {gpu.upper()}, "
            f"every example {sft.max_length} tokens"
        ),
        "hours_per_100k_examples": hours(EXAMPLES_UNIT),
        "steps_per_100k_examples": math.ceil(EXAMPLES_UNIT * sft.epochs / global_batch),
    }
    if examples is not None:
        result["examples"] = examples
        result["hours"] = hours(examples)
        result["steps"] = math.ceil(examples * sft.epochs / global_batch)
    return result


# --- the check -----------------------------------------------------------------------------------------


def schema_errors(report: Report, path: Path) -> Params | None:
    try:
        return load_params(path)
    except ParamsError as error:
        lines = str(error).splitlines()
        details = [line.strip() for line in lines[1:] if line.strip()]
        if not details:  # not valid YAML: one message for the file
            report.error("(file)", lines[0].removeprefix(f"{path}: "))
        for line in details:
            key, _, message = line.partition(": ")
            report.error(key, message)
        return None


def lora_errors(report: Report, params: Params) -> dict:
    """The LoRA settings the sft stage will use (preset, then explicit keys); missing ones are errors."""
    from stages.core.training import lora_settings  # the stages' own resolution: the check cannot drift

    try:
        return lora_settings(params.sft)
    except InputError as error:
        report.error("sft.preset", str(error).removeprefix("params.yaml: "))
        return {}


def check_recipe(
    path: str | Path, gpu: str = "a100", mfu: float = DEFAULT_MFU, examples: int | None = None
) -> Report:
    """Everything that can be checked without the network, all errors at once (each names its key)."""
    path = Path(path)
    report = Report(recipe=str(path))
    if not path.is_file():
        report.error("(file)", f"no such recipe {path}")
        return report
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        report.error("(file)", f"not valid YAML: {error}")
        return report
    if not isinstance(raw, dict):
        report.error("(file)", "a recipe is a YAML mapping of parameter groups")
        return report
    params = schema_errors(report, path)
    check_paths(report, raw)
    stage = check_launch(report, raw)
    lora = lora_errors(report, params) if params is not None else {}
    if params is None:
        report.notes.append("no estimate: the parameters do not validate")
    elif report.ok:
        report.estimate = estimate(params, stage, lora, gpu, mfu, examples)
        if params.sft.mode == "qlora":
            report.notes.append(
                "QLoRA dequantises the 4-bit weights in every matmul: expect a lower MFU (--mfu)"
            )
        if report.estimate is None:
            report.notes.append(
                f"no estimate: no config.json and no size token (7b) in {params.base.model!r}"
            )
    # The same key can be reached by the schema and by a path check: say it once.
    unique = {(e["key"], e["message"]): e for e in report.errors}
    report.errors = list(unique.values())
    return report


def billions(count: float) -> str:
    return f"{count / 1e9:.2f}B" if count >= 1e8 else f"{count / 1e6:.2f}M"


def render(report: Report) -> str:
    lines = [f"recipe {report.recipe}: {'OK' if report.ok else f'{len(report.errors)} error(s)'}"]
    lines += [f"  error  {e['key']}: {e['message']}" for e in report.errors]
    if report.fetched_at_run_time:
        lines.append("  fetched at run time:")
        lines += [f"    {r['key']}: {r['value']}" for r in report.fetched_at_run_time]
    if report.local_inputs:
        lines.append("  local inputs: " + ", ".join(f"{p} ({n})" for p, n in report.local_inputs.items()))
    lines += [f"  note   {note}" for note in report.notes]
    est = report.estimate
    if est:
        memory = est["memory_per_gpu_gib"]
        parts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in memory.items() if k != "total")
        zero = f"ZeRO-{est['zero_stage']}" if est["zero_stage"] is not None else "no ZeRO"
        offload = f", offload {'+'.join(est['offload'])}" if est["offload"] else ""
        steps, hours = est["steps_per_100k_examples"], est["hours_per_100k_examples"]
        lines += [
            f"  estimate ({est['mode']}, {zero}{offload}, {est['gpus']} x {est['gpu'].upper()}):",
            f"    parameters {billions(est['parameters'])}, from {est['parameters_from']}"
            + (f"; adapters {billions(adapter)}" if (adapter := est["trainable_adapter_parameters"]) else ""),
            f"    memory per GPU {memory['total']} GiB of {est['gpu_memory_gib']}"
            f" ({'fits' if est['fits'] else 'DOES NOT FIT'}): {parts}",
            f"    global batch {est['global_batch']}; per 100k examples: {steps} steps, {hours} h",
        ]
        if "hours" in est:
            lines.append(f"    {est['examples']} examples: {est['steps']} steps, {est['hours']} h")
        lines.append(f"    assumptions: {est['assumptions']}")
    return "\n".join(lines)


# --- commands ------------------------------------------------------------------------------------------


def dvc_command(name: str, queue: bool) -> list[str]:
    """The experiment that runs the recipe once it is params.yaml."""
    return ["dvc", "exp", "run", *(["--queue"] if queue else []), "-n", name]


def check(args: argparse.Namespace) -> int:
    reports = [check_recipe(path, args.gpu, args.mfu, args.examples) for path in args.recipes]
    if args.json:
        print(json.dumps([asdict(r) | {"ok": r.ok} for r in reports], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(render(report) for report in reports))
    return 0 if all(report.ok for report in reports) else 1


def run(args: argparse.Namespace) -> int:
    report = check_recipe(args.recipe, args.gpu, args.mfu)
    print(render(report))
    if not report.ok:
        return 1
    shutil.copyfile(args.recipe, PARAMS_FILE)
    print(f"{args.recipe} copied over {PARAMS_FILE} (`git checkout {PARAMS_FILE}` restores the default)")
    command = dvc_command(args.name or Path(args.recipe).stem, args.queue)
    print(" ".join(command))
    try:
        return subprocess.run(command).returncode
    except FileNotFoundError:
        print("dvc not found: activate the environment (source .venv/bin/activate)", file=sys.stderr)
        return 127


def add_arguments(commands) -> None:
    """`recipe check RECIPE...` and `recipe run RECIPE [--queue] [--name NAME]` under `lingtune`."""
    recipe = commands.add_parser("recipe", help="check a recipe offline; run it as a DVC experiment")
    actions = recipe.add_subparsers(dest="action", required=True)
    checking = actions.add_parser("check", help="validate recipes offline; estimate GPU memory and time")
    checking.add_argument("recipes", nargs="+", help="recipe files (recipes/*.yaml)")
    checking.add_argument("--json", action="store_true", help="the reports as JSON")
    checking.add_argument("--examples", type=int, help="training examples, for the time (default: per 100k)")
    running = actions.add_parser("run", help="check, copy over params.yaml, then `dvc exp run`")
    running.add_argument("recipe")
    running.add_argument(
        "--queue", action="store_true", help="queue the experiment (dvc queue start runs it)"
    )
    running.add_argument("--name", help="experiment name (default: the recipe's file name)")
    for parser in (checking, running):
        parser.add_argument("--gpu", choices=sorted(GPU_PEAK_TFLOPS), default="a100", help="for the estimate")
        parser.add_argument("--mfu", type=float, default=DEFAULT_MFU, help="assumed model FLOPs utilisation")
    checking.set_defaults(run=lambda args: sys.exit(check(args)))
    running.set_defaults(run=lambda args: sys.exit(run(args)))

"""The offline check of a recipe: everything that can be checked before a GPU is rented, without the network.

A recipe (recipes/*.yaml) is a complete params file. `check_recipe` validates the schema (each error with
its key), every local path, the form of every hub id, sacreBLEU test-set names and language pairs (against
sacreBLEU's own registry), the launcher, DeepSpeed and accelerate settings of each training group (`sft`
and `preference`), and then asks recipe_estimate for GPU memory per GPU and training time. URLs and hub
ids are fetched at run time; the report lists them.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import TypeAdapter, ValidationError

from stages.core.io import InputError, download_target, is_url
from stages.core.params import Params, ParamsError, Preference, Sft, Tuning, load_params

from .recipe_estimate import DEFAULT_MFU, Shape, estimate, shape_from_name

HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}")
HUB_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}")
SACREBLEU_REF = re.compile(r"ref(:[A-Za-z0-9_-]+)?")


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
    """The downloader's own rule: https, a file, saved inside data/external."""
    try:
        download_target(url)
    except ValueError as error:
        report.error(key, str(error))
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
    check_file(report, "instructions.templates", _get(raw, "instructions.templates"), urls=True)
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
    for key, spec in _items(raw, "evaluate.tasks"):
        check_eval_task(report, key, spec)
    check_model(report, "judge.model", _get(raw, "judge.model", ""), allow_empty=True)
    for name in ("instructions.comet_model",):
        check_model(report, name, _get(raw, name, ""), allow_empty=True)


@cache
def dvc_params(dvc_file: Path = Path("dvc.yaml")) -> list[str]:
    """The params.yaml keys dvc.yaml's stages name (DVC stops a stage whose key params.yaml lacks)."""
    if not dvc_file.is_file():
        return []
    stages = yaml.safe_load(dvc_file.read_text(encoding="utf-8")).get("stages", {})
    keys = [key for stage in stages.values() for key in stage.get("params", []) if isinstance(key, str)]
    return list(dict.fromkeys(keys))


def check_dvc_params(report: Report, raw: dict) -> None:
    """Every key a stage's params name must be written in the recipe, even at its default value."""
    for key in dvc_params():
        if _get(raw, key, _MISSING) is _MISSING:
            report.error(key, "missing: dvc.yaml's stages read it, and DVC stops a stage whose key is absent")


_MISSING = object()


@cache
def harness_tasks() -> frozenset[str]:
    """The names lm-evaluation-harness knows (tasks, groups, tags), from its own task files: no network."""
    from lm_eval.tasks import TaskManager

    return frozenset(TaskManager().all_tasks)


def check_eval_task(report: Report, key: str, spec: Any) -> None:
    """An evaluation task's harness name, data file or URL, and prompts (a file, URL or OASST source)."""
    if not isinstance(spec, dict):
        return  # the schema names it
    if spec.get("kind") == "lm_eval" and spec.get("task") and spec["task"] not in harness_tasks():
        report.error(f"{key}.task", f"{spec['task']!r} is not a task of lm-evaluation-harness")
    for name in ("data", "fewshot_data"):
        if spec.get(name):
            check_file(report, f"{key}.{name}", spec[name], urls=True)
    prompts = spec.get("prompts")
    if prompts and spec.get("kind") == "chat" and not str(prompts).endswith((".jsonl", ".txt")):
        check_oasst(report, f"{key}.prompts", prompts)
    elif prompts:
        check_file(report, f"{key}.prompts", prompts, urls=True)


def count_json_records(report: Report, path: str) -> None:
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        report.error("translate.alpaca", f"{path}: not valid JSON ({error})")
        return
    if isinstance(records, list):
        report.local_inputs[path] = len(records)


# --- launch configs: each training group, from its validated params -------------------------------------


def _flag(args: list[str], *names: str) -> str | None:
    """The value of a launcher flag, written `--flag value` or `--flag=value`."""
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def world_size(config: Tuning) -> int:
    """GPUs in all: processes per node x nodes (`--nnodes` / `--num_machines` in launcher_args)."""
    nodes = _flag(config.launcher_args, "--nnodes", "--num_machines") or "1"
    nodes = nodes.split(":")[-1]  # torchrun's elastic MIN:MAX: the most it may reach
    return config.processes * (int(nodes) if nodes.isdigit() else 1)


def load_deepspeed(report: Report, group: str, path: str) -> dict | None:
    key = f"{group}.deepspeed"
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        report.error(key, f"{path}: not valid JSON (line {error.lineno}: {error.msg})")
        return None
    except (OSError, UnicodeDecodeError) as error:
        report.error(key, f"{path}: unreadable ({error})")
        return None
    if not isinstance(config, dict):
        report.error(key, f"{path}: a DeepSpeed config is a JSON object")
        return None
    return config


def zero_stage(report: Report, group: str, path: str, config: dict) -> int | None:
    stage = _get(config, "zero_optimization.stage")
    if stage not in (0, 1, 2, 3):
        report.error(
            f"{group}.deepspeed", f"{path}: zero_optimization.stage must be 0, 1, 2 or 3 (got {stage!r})"
        )
        return None
    return stage


def offloaded(config: dict) -> dict[str, bool]:
    """Which of optimizer states and parameters a DeepSpeed config offloads to CPU or NVMe."""
    return {
        name: _get(config, f"zero_optimization.offload_{name}.device", "none") in ("cpu", "nvme")
        for name in ("optimizer", "param")
    }


def check_batch_keys(report: Report, group: str, path: str, deepspeed: dict, config: Tuning) -> None:
    """Batch keys: best left "auto" (the Trainer fills them); a number written must agree with the group."""
    if getattr(config, "batch_size", None) is None:  # a required key the schema check reported missing
        return
    gpus = world_size(config)
    expected = {
        "train_micro_batch_size_per_gpu": config.batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "train_batch_size": config.batch_size * config.gradient_accumulation_steps * gpus,
    }
    for name, value in expected.items():
        given = deepspeed.get(name, "auto")
        if given != "auto" and given != value:
            report.error(
                f"{group}.deepspeed",
                f'{path}: {name} is {given}, but {group}.* give {value} ({gpus} GPU(s)); write "auto"',
            )
    for name in ("bf16", "fp16"):
        enabled = _get(deepspeed, f"{name}.enabled", "auto")
        if enabled is True and config.precision not in ("auto", name):
            report.error(
                f"{group}.deepspeed",
                f"{path}: {name}.enabled is true, but {group}.precision is {config.precision}",
            )


def check_accelerate(report: Report, group: str, config: Tuning) -> None:
    key = f"{group}.launcher_args"
    path = _flag(config.launcher_args, "--config_file")
    if path is None:
        return
    if not Path(path).is_file():
        report.error(key, f"--config_file {path}: no such file")
        return
    try:
        accelerate = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        report.error(key, f"{path}: not valid YAML ({error})")
        return
    if not isinstance(accelerate, dict):
        report.error(key, f"{path}: an accelerate config is a YAML mapping")
        return
    total = accelerate.get("num_processes")
    if isinstance(total, int) and total != world_size(config):
        report.error(
            key, f"{path}: num_processes is {total}, but {group}.processes x nodes is {world_size(config)}"
        )
    machines = accelerate.get("num_machines")
    if isinstance(machines, int) and _flag(config.launcher_args, "--num_machines") is None and machines > 1:
        report.error(key, f"{path}: num_machines {machines}; also pass --num_machines")
    distributed = accelerate.get("distributed_type")
    if distributed == "DEEPSPEED" and not config.deepspeed:
        report.error(
            f"{group}.deepspeed", f"{path} asks for DeepSpeed; name its JSON config in {group}.deepspeed"
        )
    if config.deepspeed and distributed not in (None, "DEEPSPEED", "NO"):
        report.error(key, f"{path}: distributed_type {distributed} with {group}.deepspeed")


def lenient(cls: type[Tuning], raw: Any) -> Tuning:
    """A training group built from the keys of `raw` that validate on their own (others at their defaults),
    so that the launch checks run, and every mistake is named at once, even when another key is wrong."""
    values = {}
    for name, info in cls.model_fields.items():
        if isinstance(raw, dict) and name in raw:
            # The field's type with its constraints (gt=0 …), as the schema validates it.
            kind = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            try:
                values[name] = TypeAdapter(kind).validate_python(raw[name])
            except ValidationError:
                pass
    return cls.model_construct(**values)


def check_launch(report: Report, group: str, config: Tuning) -> tuple[int | None, dict[str, bool]]:
    """The launcher, process count, DeepSpeed and accelerate configs of one training group agree.

    Returns the ZeRO stage (None without DeepSpeed) and what the DeepSpeed config offloads.
    """
    no_offload = {"optimizer": False, "param": False}
    if config.launcher == "python" and config.processes > 1:
        report.error(
            f"{group}.processes", f"{config.processes} processes need {group}.launcher torchrun or accelerate"
        )
    if config.launcher == "python" and config.deepspeed:
        report.error(f"{group}.launcher", "DeepSpeed runs under a launcher: torchrun or accelerate")
    if config.launcher != "accelerate" and _flag(config.launcher_args, "--config_file"):
        report.error(
            f"{group}.launcher_args",
            f"--config_file is an accelerate flag; {group}.launcher is {config.launcher}",
        )
    if config.launcher == "accelerate":
        check_accelerate(report, group, config)
    if not config.deepspeed or not Path(config.deepspeed).is_file():  # the schema names a missing file
        return None, no_offload
    deepspeed = load_deepspeed(report, group, config.deepspeed)
    if deepspeed is None:
        return None, no_offload
    stage = zero_stage(report, group, config.deepspeed, deepspeed)
    check_batch_keys(report, group, config.deepspeed, deepspeed, config)
    if config.mode == "qlora" and stage == 3:
        report.notes.append(
            f"{group}: QLoRA under ZeRO-3 needs bnb_4bit_quant_storage matching the compute dtype"
        )
    return stage, offloaded(deepspeed)


# --- the model's shape, for the estimate ---------------------------------------------------------------


def shape_from_config(folder: Path) -> Shape:
    """The exact parameter counts of a local model: built on the meta device from its config.json."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(folder)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    # What QLoRA leaves out of 4-bit: every parameter that is not in a Linear layer of the blocks.
    quantised = {
        id(module.weight)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and "lm_head" not in name
    }
    parameters = {id(p): p.numel() for p in model.parameters()}
    hidden = config.hidden_size
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    return Shape(
        parameters=float(sum(parameters.values())),
        hidden=hidden,
        layers=config.num_hidden_layers,
        intermediate=getattr(config, "intermediate_size", 4 * hidden),
        vocab=config.vocab_size,
        kv_hidden=hidden // heads * kv_heads,
        source=f"{folder}/config.json",
        unquantised=float(sum(n for key, n in parameters.items() if key not in quantised)),
    )


def model_shape(name: str) -> Shape | None:
    folder = Path(name)
    return shape_from_config(folder) if (folder / "config.json").is_file() else shape_from_name(name)


# --- the check -----------------------------------------------------------------------------------------


def schema_errors(report: Report, path: Path) -> Params | None:
    try:
        return load_params(path)
    except ParamsError as error:
        for key, message in error.problems:
            report.error(key, message)
        return None


def lora_errors(report: Report, group: str, config: Tuning) -> dict:
    """The LoRA settings the stage will use (preset, then explicit keys); missing ones are errors."""
    from stages.core.training import lora_settings  # the stages' own resolution: the check cannot drift

    try:
        return lora_settings(config, group)
    except InputError as error:
        report.error(error.key or f"{group}.preset", error.message)
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
    # Paths are checked on the file as written: a missing file is reported even when the schema fails.
    check_paths(report, raw)
    check_dvc_params(report, raw)
    groups = {
        group: getattr(params, group) if params else lenient(cls, raw.get(group))
        for group, cls in (("sft", Sft), ("preference", Preference))
    }
    launches = {group: check_launch(report, group, config) for group, config in groups.items()}
    if params is None:
        report.notes.append("no estimate: the parameters do not validate")
    else:
        loras = {group: lora_errors(report, group, config) for group, config in groups.items()}
        if report.ok:
            report.estimate = sft_estimate(report, params, launches["sft"], loras["sft"], gpu, mfu, examples)
    # The same key can be reached by the schema and by a path check: say it once.
    unique = {(e["key"], e["message"]): e for e in report.errors}
    report.errors = list(unique.values())
    return report


def sft_estimate(
    report: Report, params: Params, launch: tuple, lora: dict, gpu: str, mfu: float, examples: int | None
) -> dict | None:
    shape = model_shape(params.base.model)
    if shape is None:
        report.notes.append(f"no estimate: no config.json and no size token (7b) in {params.base.model!r}")
        return None
    if params.sft.mode == "qlora":
        report.notes.append("QLoRA dequantises the 4-bit weights in every matmul: expect a lower MFU (--mfu)")
    stage, offload = launch
    gpus = world_size(params.sft)
    return estimate(shape, params.sft, gpus, stage, offload, lora, gpu, mfu, examples)

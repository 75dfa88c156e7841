"""`lingtune recipe rehearse`: a recipe's whole pipeline on CPU in minutes, before a GPU is rented.

The rehearsal runs the offline check (recipe_check), then the recipe's own dvc.yaml in a throwaway copy
of this working tree, with
- every model replaced by its twin (twin.py: the real tokenizer, chat template, special tokens and config
  class, tiny random weights); `--model-map ID=FOLDER` takes an id's tokenizer and config from a folder,
  otherwise from the hub (tokenizer and config.json only); with neither, a stand-in tokenizer of its
  class (the embedded sample's) is used and reported as such;
- every data input sliced to its first N records; a URL, sacreBLEU test set or OASST hub id is fetched
  through its stage's own loader (unless HF_HUB_OFFLINE is set), `--data-map VALUE=FILE` gives a local
  file instead, and what cannot be had is replaced by the embedded sample's data of the same kind
  (reported as STAND-IN: its own form is not rehearsed);
- training cut to a few optimizer steps and the launch made to fit one CPU (one process, no DeepSpeed,
  fp32), each change reported.
It reports every stage's outcome (ran, failed with the error it printed, or not reached) and leaves the
user's working tree, DVC cache and MLflow store untouched.
"""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import chdir
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stages.core.io import InputError, is_url, local_file, offline, read_jsonl, read_lines
from stages.core.prompts import INFERENCE_INSTRUCTION

from .recipe_check import Report

ROOT = Path(__file__).resolve().parents[2]
TWINS = Path("models/twins")
SLICES = Path("data/rehearsal")
# The sample's evaluation items and prompts, standing in for what a rehearsal cannot fetch.
EVAL_STAND_INS = {
    "lm_eval": "data/sample/eval/xcopa.zh.jsonl",
    "xllm_qa": "data/sample/eval/xquad.de.jsonl",
    "xllm_qa_prompts": "configs/qa_prompts.yaml",
    "chat": "data/sample/eval/chat.de.jsonl",
    "chat_prompts": "data/sample/eval/chat.de.jsonl",
}
# Stand-ins for InstructMT's paired wording files: ParroT's inference instruction and hints.
PAIRED_STAND_INS = {
    "hint_templates": "A translation with [SEV] [ERR] errors could be",
    "preference_templates": "We prefer to translate it to",
}
SAMPLE = Path("data/sample")
# Folders the pipeline itself writes: a model named by one of them is built by the rehearsal's own stages.
PIPELINE_MODELS = ("models/base", "models/sft", "models/preference", "models/embedded")
NEW_TOKENS = 16  # enough to see generation stop; the twins' words are noise


@dataclass
class Rehearsal:
    recipe: str
    workspace: str
    check: dict = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)  # {key, was, now, why}
    stages: list[dict] = field(default_factory=list)  # {stage, outcome, seconds, error}
    log: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.stages) and all(stage["outcome"] == "ran" for stage in self.stages)

    def change(self, key: str, was: Any, now: Any, why: str) -> None:
        self.changes.append({"key": key, "was": was, "now": now, "why": why})


# --- the workspace -------------------------------------------------------------------------------------


def copy_working_tree(source: Path, destination: Path) -> None:
    """The files git sees in `source` (tracked and untracked, not ignored), copied to `destination`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (source / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, destination / name)


def parse_map(entries: list[str], option: str) -> dict[str, str]:
    mapping = {}
    for entry in entries:
        name, sep, target = entry.partition("=")
        if not sep or not name or not target:
            raise InputError(option, f"{entry!r}: expected NAME=PATH")
        mapping[name] = str(Path(target).resolve())
    return mapping


# --- data: slices and stand-ins ------------------------------------------------------------------------


def write_lines(path: Path, lines: list[str]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def sample_prefix(folder: str, src: str, tgt: str) -> tuple[str, str, str]:
    """The sample's line-aligned files nearest a language pair: (prefix, its src side, its tgt side).

    The pair itself where the sample has it (either direction), else English-German named as the pair.
    """
    for a, b in ((src, tgt), (tgt, src)):
        for prefix in sorted(Path(folder).glob(f"*.{a}-{b}.{a}")):
            return str(prefix)[: -len(a) - 1], src, tgt
    prefix = next(iter(sorted(Path(folder).glob("*.en-de.en"))))
    return str(prefix)[:-3], "en", "de"


def slice_pair(out: Path, src: str, tgt: str, prefix: str, sides: tuple[str, str], n: int) -> str:
    """`<out>.<src>` and `<out>.<tgt>` (and `.docs` where the prefix has one): the first n lines."""
    for lang, side in zip((src, tgt), sides, strict=True):
        write_lines(Path(f"{out}.{lang}"), read_lines(f"{prefix}.{side}")[:n])
    if Path(f"{prefix}.docs").is_file():
        write_lines(Path(f"{out}.docs"), read_lines(f"{prefix}.docs")[:n])
    return str(out)


def slice_text_rows(source: str, out: Path, n: int, header: bool) -> str:
    lines = Path(source).read_text(encoding="utf-8").splitlines()
    return write_lines(out, lines[: n + int(header)])


def slice_mqm(source: str, out: Path, n: int) -> str:
    """The rows of the first n segments (every system and rater of each), header kept."""
    header, *rows = Path(source).read_text(encoding="utf-8").splitlines()
    column = header.split("\t").index("seg_id") if "seg_id" in header.split("\t") else None
    if column is None:
        return write_lines(out, [header, *rows[:n]])
    kept: list[str] = []
    segments: list[str] = []
    for row in rows:
        segment = row.split("\t")[column]
        if segment not in segments:
            if len(segments) == n:
                break
            segments.append(segment)
        kept.append(row)
    return write_lines(out, [header, *kept])


def slice_oasst(source: str, out: Path, n: int) -> str:
    """The messages of the first n conversation trees (a tree cut apart would lose its threads)."""
    trees: list[str] = []
    kept = []
    for message in read_jsonl(source):
        tree = message.get("message_tree_id")
        if tree not in trees:
            if len(trees) == n:
                continue
            trees.append(tree)
        kept.append(json.dumps(message, ensure_ascii=False))
    return write_lines(out, kept)


def slice_alpaca(source: str, out: Path, n: int, chinese: bool = False) -> str:
    records = json.loads(Path(source).read_text(encoding="utf-8"))[:n]
    if chinese and records and "zh_instruction" not in records[0]:  # the English sample as its stand-in
        records = [{f"zh_{k}": v for k, v in record.items()} for record in records]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return str(out)


def in_project(value: str) -> Path:
    """A relative path as the recipe means it: in the user's working tree (ignored files included)."""
    return ROOT / value


def remote(value: Any) -> bool:
    """A URL or a hub id: anything that is not a file or folder of the user's working tree."""
    return isinstance(value, str) and bool(value) and (is_url(value) or not in_project(value).exists())


class DataSlicer:
    """Rewrites every data input of a params dict to a small local file under data/rehearsal/."""

    def __init__(self, rehearsal: Rehearsal, data_map: dict[str, str], n: int):
        self.rehearsal, self.data_map, self.n = rehearsal, data_map, n
        self.why_not = ""  # why the last input could not be fetched

    def fetched(self, key: str, what: str, fetch) -> Any:
        """What `fetch` returns (the real input, through its stage's own loader), or None when it cannot
        be had here (offline, or a failure: the reason goes into the stand-in's report)."""
        try:
            result = fetch()
        except (InputError, OSError, ValueError, LookupError) as error:
            self.why_not = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
            return None
        self.rehearsal.change(key, what, "fetched", "the real input, sliced")
        return result

    def stand_in(self, key: str, was: str, now: str) -> None:
        why = self.why_not or "not fetched: HF_HUB_OFFLINE is set, or no loader for it (--data-map)"
        self.rehearsal.change(key, was, now, f"STAND-IN: the sample's data ({why})")
        self.why_not = ""

    def source(self, key: str, value: str, stand_in: str) -> tuple[str, bool]:
        """(the file to slice, whether it is the real input): a map entry, a local file, a URL fetched as
        the stage would, else the sample's stand-in."""
        if value in self.data_map:
            return self.data_map[value], True
        if not remote(value):
            return str(in_project(value)), True
        if is_url(value) and not offline():
            path = self.fetched(key, value, lambda: local_file(value))
            if path:
                return str(path), True
        self.stand_in(key, value, stand_in)
        return stand_in, False

    def sliced(self, key: str, value: str, stand_in: str, name: str) -> str:
        """The first N lines of a line-aligned input (or of its stand-in) under data/rehearsal/."""
        return write_lines(SLICES / name, read_lines(self.source(key, value, stand_in)[0])[: self.n])

    def sacrebleu(self, key: str, name: str, src: str, tgt: str) -> dict[str, Path] | None:
        from stages.core.datasources import sacrebleu_files

        return self.fetched(key, f"sacreBLEU {name} {src}-{tgt}", lambda: sacrebleu_files(name, src, tgt))

    def pair_input(self, key: str, spec: dict, index: int) -> dict:
        src, tgt = spec["src_lang"], spec["tgt_lang"]
        out = SLICES / f"pairs{index}.{src}-{tgt}"
        form, path = spec.get("format", "text"), spec.get("path", "")
        local = None
        if form in ("text", "tsv", "jsonl"):
            if path in self.data_map:
                local = self.data_map[path]
            elif not remote(f"{path}.{src}" if form == "text" else path):
                local = str(in_project(path))
        if local and form == "text":
            return spec | {"path": slice_pair(out, src, tgt, local, (src, tgt), self.n)}
        if local:
            return spec | {"path": slice_text_rows(local, out.with_suffix(f".{form}"), self.n, form == "tsv")}
        if form == "sacrebleu" and (files := self.sacrebleu(f"{key}.path", path, src, tgt)):
            ref = next(field for field in files if field.startswith("ref"))
            for lang, field in ((src, "src"), (tgt, ref)):
                write_lines(Path(f"{out}.{lang}"), read_lines(files[field])[: self.n])
            return {"path": str(out), "src_lang": src, "tgt_lang": tgt}
        prefix, a, b = sample_prefix(str(SAMPLE / "pairs"), src, tgt)
        self.stand_in(f"{key}.path", f"{form} {path}", prefix)
        return {"path": slice_pair(out, src, tgt, prefix, (a, b), self.n), "src_lang": src, "tgt_lang": tgt}

    def testset(self, key: str, spec: dict) -> dict:
        src, tgt = spec["src_lang"], spec["tgt_lang"]
        name = key.rsplit(".", 1)[-1]
        prefix, a, b = sample_prefix(str(SAMPLE / "test"), src, tgt)
        form = spec.get("format", "text")
        files = self.sacrebleu(key, spec["path"], src, tgt) if form == "sacrebleu" else None
        if files:
            fields = spec.get("ref_field") or [f for f in files if f.startswith("ref")]
            fields = [fields] if isinstance(fields, str) else fields
            src_file, ref_files = str(files["src"]), [str(files[field]) for field in fields]
        elif form != "text":
            self.stand_in(key, f"{form} {spec.get('path')}", f"{prefix}.{a}/{b}")
            src_file, ref_files = f"{prefix}.{a}", [f"{prefix}.{b}"]
        else:
            src_file = self.source(f"{key}.src", spec["src"], f"{prefix}.{a}")[0]
            refs = spec["ref"] if isinstance(spec["ref"], list) else [spec["ref"]]
            ref_files = [self.source(f"{key}.ref", ref, f"{prefix}.{b}")[0] for ref in refs]
        out = SLICES / "test" / name
        sliced_refs = [
            write_lines(Path(f"{out}.ref{i}"), read_lines(ref)[: self.n]) for i, ref in enumerate(ref_files)
        ]
        return {
            "src": write_lines(Path(f"{out}.src"), read_lines(src_file)[: self.n]),
            "ref": sliced_refs if len(sliced_refs) > 1 else sliced_refs[0],
            "src_lang": src,
            "tgt_lang": tgt,
        }

    def oasst(self, translate: dict) -> str:
        """A JSON Lines file of OASST messages: the input itself, or what its loader reads from a hub id
        or a save_to_disk folder (every message; the slice keeps the first trees), or the sample's."""
        from stages.core.oasst import read_oasst

        value, split = translate.get("oasst", ""), translate.get("oasst_split", "train")
        if value in self.data_map or (not remote(value) and not in_project(value).is_dir()):
            return self.source("translate.oasst", value, "")[0]
        source = str(in_project(value)) if in_project(value).is_dir() else value
        if in_project(value).is_dir() or not offline():
            messages = self.fetched("translate.oasst", value, lambda: read_oasst(source, split))
            if messages:
                return write_lines(
                    SLICES / "oasst.all.jsonl",
                    [json.dumps(m, ensure_ascii=False, default=str) for m in messages],
                )
        self.stand_in("translate.oasst", value, str(SAMPLE / "oasst/messages.jsonl"))
        return str(SAMPLE / "oasst/messages.jsonl")

    def evaluation(self, evaluate: dict) -> None:
        """Each evaluation task cut to N items, its files sliced or stood in by the sample's items of the same
        kind; a harness task on its hub data is left out offline (there is no stand-in of its form)."""
        tasks = evaluate.get("tasks") or {}
        for name, task in list(tasks.items()):
            key, kind = f"evaluate.tasks.{name}", task.get("kind")
            if kind == "lm_eval" and not task.get("data") and offline():
                self.rehearsal.change(
                    key, task.get("task"), None, "left out: its hub data cannot be had offline"
                )
                del tasks[name]
                continue
            task["limit"] = min(task.get("limit") or self.n, self.n)
            if task.get("data"):
                stand_in = EVAL_STAND_INS["xllm_qa" if kind == "xllm_qa" else "lm_eval"]
                task["data"] = self.source(f"{key}.data", task["data"], stand_in)[0]
            prompts = task.get("prompts")
            if kind == "chat" and prompts and not str(prompts).endswith((".jsonl", ".txt")):
                if prompts in self.data_map:
                    task["prompts"] = self.data_map[prompts]
                elif offline():
                    self.stand_in(f"{key}.prompts", prompts, EVAL_STAND_INS["chat"])
                    task["prompts"] = EVAL_STAND_INS["chat"]
                # else: an OASST source the stage reads itself (its validation split)
                continue
            if prompts:
                task["prompts"] = self.source(f"{key}.prompts", prompts, EVAL_STAND_INS[f"{kind}_prompts"])[0]

    def apply(self, params: dict) -> None:
        n = self.n
        pairs = params.get("pairs", {})
        pairs["inputs"] = [
            self.pair_input(f"pairs.inputs[{i}]", spec, i) for i, spec in enumerate(pairs.get("inputs", []))
        ]
        kept = [path for path in pairs.get("exclude", []) if not remote(path) or path in self.data_map]
        if len(kept) != len(pairs.get("exclude", [])):
            self.rehearsal.change("pairs.exclude", pairs["exclude"], kept, "remote test files left out")
        pairs["exclude"] = [self.data_map.get(path, path) for path in kept]

        instructions = params.get("instructions", {})
        templates = instructions.get("templates", "")
        instructions["templates"] = self.source(
            "instructions.templates", templates, "configs/templates/translate.en.txt"
        )[0]
        for i, mqm in enumerate(instructions.get("mqm", [])):
            path = self.source(f"instructions.mqm[{i}].path", mqm["path"], str(SAMPLE / "mqm/mqm.en-de.tsv"))[
                0
            ]
            mqm["path"] = slice_mqm(path, SLICES / f"mqm{i}.tsv", n)
        for key, hint in PAIRED_STAND_INS.items():  # InstructMT's `instruction###hint` wordings
            if instructions.get(key):
                stand_in = write_lines(SLICES / f"{key}.txt", [f"{INFERENCE_INSTRUCTION}###{hint}"])
                instructions[key] = self.source(f"instructions.{key}", instructions[key], stand_in)[0]
        for i, rated in enumerate(instructions.get("comet", [])):
            prefix, a, b = sample_prefix(str(SAMPLE / "test"), rated["src_lang"], rated["tgt_lang"])
            key = f"instructions.comet[{i}]"
            rated["src"] = self.sliced(f"{key}.src", rated["src"], f"{prefix}.{a}", f"comet{i}.src")
            if rated.get("ref"):
                rated["ref"] = self.sliced(f"{key}.ref", rated["ref"], f"{prefix}.{b}", f"comet{i}.ref")
            rated["hyps"] = {
                system: self.sliced(f"{key}.hyps.{system}", path, f"{prefix}.{b}", f"comet{i}.{k}.hyp")
                for k, (system, path) in enumerate(rated["hyps"].items())
            }

        translate = params.get("translate", {})
        translate["oasst"] = slice_oasst(self.oasst(translate), SLICES / "oasst.jsonl", n)
        alpaca = self.source(
            "translate.alpaca", translate.get("alpaca", ""), str(SAMPLE / "alpaca/alpaca_en.json")
        )
        translate["alpaca"] = slice_alpaca(alpaca[0], SLICES / "alpaca_en.json", n)

        sft_data = params.get("sft_data", {})
        if sft_data.get("alpaca_zh"):
            zh = self.source(
                "sft_data.alpaca_zh", sft_data["alpaca_zh"], str(SAMPLE / "alpaca/alpaca_en.json")
            )
            sft_data["alpaca_zh"] = slice_alpaca(zh[0], SLICES / "alpaca_zh.json", n, chinese=True)
        counts = sft_data.get("counts") or {}
        sft_data["counts"] = {source: min(count, n) if count >= 0 else n for source, count in counts.items()}

        self.evaluation(params.get("evaluate", {}))

        infer = params.get("infer", {})
        infer["testsets"] = {
            name: self.testset(f"infer.testsets.{name}", spec)
            for name, spec in infer.get("testsets", {}).items()
        }


# --- models: twins ---------------------------------------------------------------------------------------


def twin_folder(model: str) -> Path:
    return TWINS / re.sub(r"[^A-Za-z0-9_.-]+", "__", model).strip("_")


def built_by_pipeline(model: str) -> bool:
    return any(model == root or model.startswith(root + "/") for root in PIPELINE_MODELS)


class Twins:
    """Builds the twins a recipe's models need, each from a map entry, the hub, or a stand-in."""

    def __init__(self, rehearsal: Rehearsal, model_map: dict[str, str], embedded_vocab: int):
        self.rehearsal, self.model_map, self.embedded_vocab = rehearsal, model_map, embedded_vocab

    def stand_in_tokenizer(self) -> Path:
        """The embedded sample's tokenizer (its chat template has generation markers), built once."""
        folder = TWINS / "stand-in-tokenizer"
        if not folder.is_dir():
            from stages.embedded import build_tokenizer, sample_texts

            build_tokenizer(sample_texts(), self.embedded_vocab).save_pretrained(folder)
        return folder

    def stand_in_marian(self, out: Path, src: str, tgt: str) -> None:
        """An untrained tiny Marian on the sample's text: the class of OPUS-MT, its tokenizer a stand-in."""
        from stages.embedded.marian import build_tiny_marian

        prefix, a, b = sample_prefix(str(SAMPLE / "pairs"), src, tgt)
        build_tiny_marian(
            out,
            read_lines(f"{prefix}.{a}"),
            read_lines(f"{prefix}.{b}"),
            steps=0,
            source_lang=src,
            target_lang=tgt,
        )

    def twin(self, key: str, model: str, seq2seq: tuple[str, str] | None = None) -> str:
        """The twin of `model` under models/twins/; `seq2seq` (src, tgt) marks an OPUS-MT translator."""
        from .twin import build_twin

        out = twin_folder(model)
        if out.is_dir():
            return str(out)
        if model in self.model_map:
            summary = build_twin(self.model_map[model], out)
            self.rehearsal.change(
                key, model, str(out), f"twin ({summary['class']}) of {self.model_map[model]}"
            )
            return str(out)
        local = in_project(model)
        if local.is_dir() or not offline():
            try:
                summary = build_twin(str(local) if local.is_dir() else model, out)
            except (InputError, OSError, ValueError) as error:
                reason = f"cannot fetch its tokenizer and config ({str(error).splitlines()[0][:120]})"
            else:
                self.rehearsal.change(key, model, str(out), f"twin ({summary['class']}) of its own files")
                return str(out)
        else:
            reason = "HF_HUB_OFFLINE is set and it has no --model-map entry"
        if seq2seq:
            self.stand_in_marian(out, *seq2seq)
            self.rehearsal.change(key, model, str(out), f"STAND-IN Marian on the sample's text: {reason}")
        else:
            build_twin(str(self.stand_in_tokenizer()), out)
            self.rehearsal.change(key, model, str(out), f"STAND-IN tokenizer (the embedded one): {reason}")
        return str(out)

    def opus_root(self, root: str, needed: list[tuple[str, str]], pivot: str) -> str:
        """A folder of OPUS-MT twins under the names the translate stage looks up, for each needed
        direction: the direct model where the map has it, else through the pivot where the map has both
        hops, else the direct model (hub or stand-in)."""
        from stages.core.langs import ISO_FIXES

        folder = twin_folder(root)
        for src, tgt in needed:
            src, tgt = ISO_FIXES.get(src, src), ISO_FIXES.get(tgt, tgt)
            names = {(a, b): f"{root}/opus-mt-{a}-{b}" for a, b in ((src, tgt), (src, pivot), (pivot, tgt))}
            mapped = {hop: name for hop, name in names.items() if name in self.model_map}
            hops = [(src, tgt)]
            if (src, tgt) not in mapped and (src, pivot) in mapped and (pivot, tgt) in mapped:
                hops = [(src, pivot), (pivot, tgt)]
            for a, b in hops:
                target = folder / f"opus-mt-{a}-{b}"
                if not target.is_dir():
                    made = self.twin(f"translate.model_root ({a}-{b})", names[(a, b)], seq2seq=(a, b))
                    shutil.move(made, target)
        return str(folder)


def oasst_languages(path: str) -> set[str]:
    return {message["lang"] for message in read_jsonl(path) if message.get("lang")}


def substitute_models(params: dict, twins: Twins, rehearsal: Rehearsal) -> None:
    base = params["base"]
    if not built_by_pipeline(base["model"]):
        base["model"] = twins.twin("base.model", base["model"])
    preference = params.get("preference", {})
    policy = preference.get("model", "models/sft")
    if preference.get("method", "none") != "none" and not built_by_pipeline(policy):
        preference["model"] = twins.twin("preference.model", policy)

    translate = params["translate"]
    target = base["target_lang"]
    if translate.get("engine", "opus-mt") == "opus-mt":
        root = translate.get("model_root", "Helsinki-NLP")
        if not built_by_pipeline(root):
            sources = oasst_languages(translate["oasst"]) | {"en"}  # Alpaca is English
            needed = sorted((lang, target) for lang in sources if lang != target)
            translate["model_root"] = twins.opus_root(root, needed, translate.get("pivot", "en"))
            rehearsal.change("translate.model_root", root, translate["model_root"], f"twins for {needed}")
    elif translate.get("model") and not built_by_pipeline(translate["model"]):
        translate["model"] = twins.twin("translate.model", translate["model"])

    score, instructions = params.get("score", {}), params.get("instructions", {})
    for key, group in (("score.comet_model", score), ("instructions.comet_model", instructions)):
        if group.get("comet_model") and not built_by_pipeline(group["comet_model"]):
            rehearsal.change(key, group["comet_model"], "models/embedded/comet", "the tiny COMET")
            group["comet_model"] = "models/embedded/comet"
    if score.get("comet_kiwi_model"):
        rehearsal.change(
            "score.comet_kiwi_model", score["comet_kiwi_model"], "", "no tiny referenceless COMET"
        )
        score["comet_kiwi_model"] = ""


# --- training and launch cut to one CPU ------------------------------------------------------------------


def fit_to_cpu(params: dict, steps: int, rehearsal: Rehearsal) -> None:
    wanted = {
        "launcher": "python",
        "processes": 1,
        "launcher_args": [],
        "deepspeed": "",
        "gradient_accumulation_steps": 1,
        "max_steps": steps,
    }
    for group in ("sft", "preference"):
        config = params.setdefault(group, {})
        for key, value in wanted.items():
            if config.get(key, None if key == "max_steps" else value) != value:
                rehearsal.change(f"{group}.{key}", config.get(key), value, "one CPU process, a few steps")
            config[key] = value
        if config.get("precision") in ("bf16", "fp16"):
            rehearsal.change(f"{group}.precision", config["precision"], "auto", "bf16 where native")
            config["precision"] = "auto"
        if config.get("attn_implementation") == "flash_attention_2":
            rehearsal.change(
                f"{group}.attn_implementation", "flash_attention_2", "sdpa", "no flash-attn on a CPU"
            )
            config["attn_implementation"] = "sdpa"
        config["batch_size"] = min(config.get("batch_size", 2), 2)
    for group in ("translate", "infer"):
        params.setdefault(group, {})["processes"] = 1
    infer = params["infer"]
    if (infer.get("max_new_tokens") or NEW_TOKENS + 1) > NEW_TOKENS:
        rehearsal.change("infer.max_new_tokens", infer.get("max_new_tokens"), NEW_TOKENS, "short outputs")
        infer["max_new_tokens"] = NEW_TOKENS
    for name, task in (params.get("evaluate", {}).get("tasks") or {}).items():
        if task.get("max_new_tokens", 64) > NEW_TOKENS:
            rehearsal.change(
                f"evaluate.tasks.{name}.max_new_tokens",
                task.get("max_new_tokens", 64),
                NEW_TOKENS,
                "short outputs",
            )
            task["max_new_tokens"] = NEW_TOKENS
    params.setdefault("evaluate", {})["batch_size"] = 2
    params.setdefault("score", {})["comet_gpus"] = 0
    embedded = params.setdefault("embedded", {})
    if not params["translate"].get("model_root", "").startswith("models/embedded"):
        embedded["translators"] = {}  # the recipe translates with its own models: nothing to train here
    embedded["translator_steps"] = min(embedded.get("translator_steps", 20), 20)


def rehearsal_params(recipe: dict, rehearsal: Rehearsal, args) -> dict:
    """The recipe with twins, slices and CPU settings: run from inside the workspace."""
    params = copy.deepcopy(recipe)
    DataSlicer(rehearsal, args.data_map, args.examples).apply(params)
    twins = Twins(rehearsal, args.model_map, params.get("embedded", {}).get("vocab_size", 2000))
    substitute_models(params, twins, rehearsal)
    fit_to_cpu(params, args.steps, rehearsal)
    return params


# --- running the pipeline ----------------------------------------------------------------------------------


STARTED = re.compile(r"^Running stage '([^']+)':")
FAILED = re.compile(r"^WARNING: failed to run: ")
SKIPPED = re.compile(r"^WARNING: Stage '([^']+)' will be skipped")
ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception)|lingtune \w+): (.+)$")


def stage_error(lines: list[str]) -> str:
    """The error a failed stage printed: its last exception line, else its last line."""
    for line in reversed(lines):
        if ERROR_LINE.match(line.strip()):
            return line.strip()
    return next((line.strip() for line in reversed(lines) if line.strip()), "")


def run_pipeline(workspace: Path, rehearsal: Rehearsal, echo, targets: list[str]) -> None:
    """`dvc repro --keep-going` in the workspace (only `targets` and what they need, when given), each
    stage's outcome read from its output as it runs."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    # Twins and slices: nothing to fetch. Unbuffered: each stage's lines arrive as it prints them.
    env.update(MLFLOW_DISABLE_TELEMETRY="true", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.pop("MLFLOW_TRACKING_URI", None)
    names = subprocess.run(
        ["dvc", "stage", "list", "--name-only"], cwd=workspace, env=env, capture_output=True, text=True
    )
    if names.returncode:
        raise InputError("dvc.yaml", f"dvc stage list failed: {names.stderr.strip()[-500:]}")
    stages = {
        name: {"stage": name, "outcome": "not reached", "seconds": None, "error": ""}
        for name in names.stdout.split()
    }
    log = workspace / "rehearsal.log"
    current, started, output, skipped = None, 0.0, [], set()

    def finish(outcome: str) -> None:
        if current:
            stages[current].update(outcome=outcome, seconds=round(time.monotonic() - started, 1))
            if outcome == "failed":
                stages[current]["error"] = stage_error(output)

    with open(log, "w", encoding="utf-8") as saved:
        process = subprocess.Popen(
            ["dvc", "repro", "--keep-going", *targets],
            cwd=workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in process.stdout:
            saved.write(line)
            if match := STARTED.match(line):
                if current and stages[current]["outcome"] == "not reached":
                    finish("ran")
                current, started, output = match.group(1), time.monotonic(), []
                echo(f"  {current} …")
            elif FAILED.match(line):
                finish("failed")
                echo(f"  {current} FAILED: {stages[current]['error']}")
                current = None
            elif match := SKIPPED.match(line):
                skipped.add(match.group(1))
            elif current:
                output.append(line)
        process.wait()
    if current and stages[current]["outcome"] == "not reached":
        finish("ran" if process.returncode == 0 else "failed")
    mentioned = {name for name, stage in stages.items() if stage["seconds"] is not None or name in skipped}
    # With targets, a stage outside them and their upstream is not part of this rehearsal.
    rehearsal.stages = [stage for name, stage in stages.items() if not targets or name in mentioned]
    rehearsal.log = str(log)


def render(rehearsal: Rehearsal) -> str:
    lines = [
        f"rehearsal of {rehearsal.recipe}: {'OK' if rehearsal.ok else 'FAILED'} (in {rehearsal.workspace})"
    ]
    if rehearsal.changes:
        lines.append("  replaced for the rehearsal:")
        lines += [f"    {c['key']}: {c['was']!r} -> {c['now']!r} ({c['why']})" for c in rehearsal.changes]
    lines.append("  stages:")
    for stage in rehearsal.stages:
        seconds = f" {stage['seconds']:.0f} s" if stage["seconds"] is not None else ""
        error = f"  {stage['error']}" if stage["error"] else ""
        lines.append(f"    {stage['outcome']:<12} {stage['stage']}{seconds}{error}")
    return "\n".join(lines)


def rehearse(args, report: Report) -> Rehearsal:
    """Run the recipe on twins and slices once `report` (its offline check) is clean."""
    workspace = Path(args.workdir).resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="rehearsal-"))
    rehearsal = Rehearsal(args.recipe, str(workspace), check=asdict(report) | {"ok": report.ok})
    if not report.ok:
        rehearsal.stages = [
            {
                "stage": "recipe check",
                "outcome": "failed",
                "seconds": None,
                "error": f"{e['key']}: {e['message']}",
            }
            for e in report.errors
        ]
        return rehearsal
    recipe = yaml.safe_load(Path(args.recipe).read_text(encoding="utf-8"))
    workspace.mkdir(parents=True, exist_ok=True)
    copy_working_tree(ROOT, workspace)
    # Relative paths in a recipe name files of this working tree; the copy has the same ones.
    with chdir(workspace):
        params = rehearsal_params(recipe, rehearsal, args)
        Path("params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), "utf-8")
        Path(".dvc/config.local").write_text("[core]\n    no_scm = true\n", encoding="utf-8")
        shutil.rmtree(".dvc/tmp", ignore_errors=True)
        Path("dvc.lock").unlink(missing_ok=True)
    args.echo(f"rehearsing {args.recipe} in {workspace}")
    run_pipeline(workspace, rehearsal, args.echo, args.stages)
    return rehearsal

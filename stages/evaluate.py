"""evaluate: one model of the infer matrix on every task of `evaluate.tasks`, the model loaded once.

Run as `python -m stages.evaluate --model {base,sft,<name>}` (a DVC matrix over `infer.models`, as infer).
Task kinds:

- `lm_eval`: a task of lm-evaluation-harness (`xcopa_zh`, `xquad_de`, `mlqa_de_de`, `xnli_de`, `paws_de`,
  `belebele_deu_Latn`, `global_mmlu_full_de`, …), run through its Python API with its own prompts,
  metrics and settings. Its data comes from the hub, or from `data`, a local file that stands for the
  split it evaluates on (the hub layout as JSON Lines; a SQuAD v1.1 JSON file is read into XQuAD's layout).
- `xllm_qa`: x-LLM's generative question answering: its per-language instruction and Context/Question/
  Answer template (`prompts`), the base model's prompt format, greedy decoding, the answer the generated
  text stripped; x-LLM's `match` (the gold answer inside the answer) and exact match and F1 (MLQA's
  normalisation for its seven languages, SQuAD's for the others: lm-evaluation-harness's implementation).
- `chat`: answers to held-out prompts in the model's prompt format; the share in `lang` (py3langid), empty,
  or repeating the prompt, and their lengths. The `judge` stage compares them between models.

Writes data/evals/<model>/results.json ({task: {kind, metrics, settings…}}) and <task>.jsonl (one record
per item: what was asked, what the model answered, the per-item figures), which `score` merges into
reports/metrics.json, scores.md and the MLflow run.
"""

import argparse
import ast
import functools
import json
import statistics
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from stages.core import langid
from stages.core.generation import Generation, generate_all
from stages.core.io import (
    InputError,
    atomic_path,
    dumps,
    local_file,
    read_jsonl,
    read_lines,
    write_json,
    write_jsonl,
    write_timings,
)
from stages.core.models import infer_model_path, load_causal_lm, load_tokenizer
from stages.core.params import PARAMS_FILE, EvalTask, load_params
from stages.core.prompts import chat_text, inference_prompt

OUT_ROOT = Path("data/evals")


# --- question-answering items, as the hub's XQuAD/MLQA rows ------------------------------------------------


def read_qa(path: str) -> list[dict]:
    """QA items `{id, context, question, answers: {text, answer_start}}` from JSON Lines in that layout (the
    hub's google/xquad and facebook/mlqa rows) or from a SQuAD v1.1 JSON file (XQuAD's own release)."""
    file = local_file(path)
    text = file.read_text(encoding="utf-8")
    if text.lstrip().startswith("{") and '"paragraphs"' in text[:100_000]:
        try:
            articles = json.loads(text)["data"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise InputError(path, f"not SQuAD v1.1 JSON ({error})") from None
        return [
            {
                "id": qa["id"],
                "context": paragraph["context"],
                "question": qa["question"],
                "answers": {
                    "text": [answer["text"] for answer in qa["answers"]],
                    "answer_start": [answer["answer_start"] for answer in qa["answers"]],
                },
            }
            for article in articles
            for paragraph in article["paragraphs"]
            for qa in paragraph["qas"]
        ]
    items = read_jsonl(file, required=("context", "question", "answers"))
    for number, item in enumerate(items, start=1):
        if not isinstance(item["answers"], dict) or not item["answers"].get("text"):
            raise InputError(path, "answers must be {text: [...], answer_start: [...]}", number)
    return items


# --- lm-evaluation-harness ---------------------------------------------------------------------------


def harness_task(spec: EvalTask, folder: Path) -> dict:
    """The harness task with the task's local data in place of its hub data set: the file becomes the split
    it evaluates on (and `fewshot_data` its few-shot split); the rest of the task's definition is its own."""
    task: dict = {"task": spec.task}
    if spec.num_fewshot is not None:
        task["num_fewshot"] = spec.num_fewshot
    if not spec.data:
        return task
    files = {"test": str(as_jsonl(spec.data, folder / "test.jsonl"))}
    if spec.fewshot_data:
        files["fewshot"] = str(as_jsonl(spec.fewshot_data, folder / "fewshot.jsonl"))
    return task | {
        "dataset_path": "json",
        "dataset_name": None,
        "dataset_kwargs": {"data_files": files},
        "test_split": "test",
        "validation_split": None,
        "training_split": None,
        "fewshot_split": "fewshot" if spec.fewshot_data else None,
    }


def as_jsonl(path: str, out: Path) -> Path:
    """A JSON Lines file the harness's `json` loader reads: the file itself, or a SQuAD JSON file's items."""
    if not path.endswith(".json"):
        return local_file(path)
    write_jsonl(out, read_qa(path))
    return out


def harness_model(model, tokenizer, batch_size: int):
    """The harness's wrapper around our loaded model (a plain model: main merges an adapter in)."""
    from lm_eval.models.huggingface import HFLM

    return HFLM(pretrained=model, tokenizer=tokenizer, batch_size=batch_size)


@functools.cache
def all_harness_tasks():
    """The harness's index of all its task definitions: it reads every task's YAML file (14,000, about 13 s on
    two CPU cores), and `simple_evaluate` builds it anew on each call unless given one."""
    from lm_eval.tasks import TaskManager

    return TaskManager()


@functools.cache
def harness_tasks(task: str):
    """An index that knows `task`: for a plain task, the index of the harness's task folders whose name
    begins its name (xcopa/ for xcopa_zh, xquad/ for xquad_de), read in well under a second; for a group or
    tag, or a task defined elsewhere, the whole index."""
    import lm_eval.tasks
    from lm_eval.tasks import TaskManager
    from lm_eval.tasks._index import Kind

    root = Path(lm_eval.tasks.__file__).parent
    folders = sorted(
        str(folder)
        for folder in root.iterdir()
        if folder.is_dir() and task.startswith(folder.name.replace("-", "_"))
    )
    if folders:
        narrow = TaskManager(include_path=folders, include_defaults=False)
        entry = narrow.task_index.get(task)
        if entry is not None and entry.kind in (Kind.TASK, Kind.PY_TASK):
            return narrow
    return all_harness_tasks()


def run_harness(name: str, spec: EvalTask, lm, chat: bool, seed: int) -> tuple[dict, list[dict]]:
    """(results, per-item records) of one harness task."""
    import lm_eval

    with tempfile.TemporaryDirectory() as folder:
        group = {"group": f"lingtune_{name}", "task": [harness_task(spec, Path(folder))]}
        try:
            output = lm_eval.simple_evaluate(
                model=lm,
                tasks=[group],
                task_manager=harness_tasks(spec.task),
                limit=spec.limit,
                log_samples=True,
                bootstrap_iters=0,
                apply_chat_template=chat,
                random_seed=seed,
                numpy_random_seed=seed,
                torch_random_seed=seed,
                fewshot_random_seed=seed,
            )
        except (KeyError, ValueError, FileNotFoundError, ConnectionError) as error:
            where = spec.data or f"the hub data of {spec.task}"
            raise InputError(
                PARAMS_FILE, f"evaluate.tasks.{name}: {spec.task} on {where}: {str(error).splitlines()[0]}"
            ) from None
    # A harness group (global_mmlu_zh) reports its aggregate under its name, its subtasks' items apart.
    figures = output["results"][spec.task]
    metrics = {
        key.split(",")[0]: round(float(value), 4)
        for key, value in figures.items()
        if "," in key and "_stderr" not in key and isinstance(value, int | float)
    }
    subtasks = sorted(output["samples"])
    results = {
        "kind": "lm_eval",
        "task": spec.task,
        "metrics": metrics,
        "items": sum(len(output["samples"][task]) for task in subtasks),
        "task_version": output["versions"].get(spec.task),
        "n_shot": output["n-shot"].get(spec.task),
        "subtasks": {task: output["versions"].get(task) for task in subtasks if task != spec.task},
        "lm_eval": version("lm_eval"),
        "data": spec.data or "hub",
        "chat_template": chat,
    }
    samples = [
        {
            "task": task,
            "doc_id": sample["doc_id"],
            "target": sample["target"],
            "arguments": [list(argument) for argument in sample["arguments"]],
            "responses": sample["filtered_resps"],
        }
        | {metric: sample[metric] for metric in sample.get("metrics", []) if metric in sample}
        for task in subtasks
        for sample in output["samples"][task]
    ]
    return results, samples


# --- x-LLM's generative QA ----------------------------------------------------------------------------


def read_qa_prompts(path: str) -> dict[str, dict[str, str]]:
    """{instruction: {lang: text}, template: {lang: text}} from our YAML layout, or from x-LLM's own
    data/xquad/xquad.py (its `_INSTRUCTIONS` and `_TEMPLATES` dictionaries, read as literals: nothing of the
    file runs)."""
    import yaml

    text = local_file(path).read_text(encoding="utf-8")
    if path.endswith(".py"):
        found = {}
        for node in ast.parse(text).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                key = {"_INSTRUCTIONS": "instruction", "_TEMPLATES": "template"}.get(node.targets[0].id)
                if key:
                    found[key] = ast.literal_eval(node.value)
        prompts = found
    else:
        prompts = yaml.safe_load(text) or {}
    if not all(isinstance(prompts.get(key), dict) for key in ("instruction", "template")):
        raise InputError(path, "expected an instruction and a template per language")
    return prompts


def qa_prompt(tokenizer, prompts: dict, lang: str, item: dict, prompt_format: str, path: str) -> str:
    if lang not in prompts["instruction"] or lang not in prompts["template"]:
        raise InputError(
            path, f"no instruction or template for {lang!r} (it has {', '.join(prompts['template'])})"
        )
    question = prompts["template"][lang].format_map(
        {"context": item["context"].strip(), "question": item["question"].strip()}
    )
    return inference_prompt(tokenizer, prompts["instruction"][lang], question, prompt_format)


# MLQA's evaluation normalises these languages its own way (articles, Chinese segmentation); SQuAD's
# (English articles, whitespace tokens) serves the others.
MLQA_LANGUAGES = ("ar", "de", "en", "es", "hi", "vi", "zh")


def qa_figures(answer: str, golds: list[str], lang: str) -> dict:
    """x-LLM's match (a gold answer inside the answer, case-insensitive), and exact match and F1, the best
    over the gold answers: MLQA's evaluation for its languages, SQuAD's for the others (both as
    lm-evaluation-harness implements them)."""
    if lang in MLQA_LANGUAGES:
        from lm_eval.tasks.mlqa import utils as mlqa

        exact = mlqa.metric_max_over_ground_truths(mlqa.exact_match_score, answer, golds, lang)
        f1 = mlqa.metric_max_over_ground_truths(mlqa.f1_score, answer, golds, lang)
    else:
        from transformers.data.metrics import squad_metrics

        exact = max(squad_metrics.compute_exact(gold, answer) for gold in golds)
        f1 = max(squad_metrics.compute_f1(gold, answer) for gold in golds)
    return {
        "match": float(any(gold.lower() in answer.lower() for gold in golds)),
        "exact_match": float(exact),
        "f1": float(f1),
    }


def run_xllm_qa(name: str, spec: EvalTask, model, tokenizer, params) -> tuple[dict, list[dict]]:
    items = read_qa(spec.data)[: spec.limit]
    prompts = read_qa_prompts(spec.prompts)
    fmt = params.base.prompt_format
    texts = [qa_prompt(tokenizer, prompts, spec.lang, item, fmt, spec.prompts) for item in items]
    raws = generate(model, tokenizer, texts, spec, params)
    records = []
    for item, text, raw in zip(items, texts, raws, strict=True):
        answer = raw.strip()  # x-LLM: the generated text, stripped
        figures = qa_figures(answer, item["answers"]["text"], spec.lang)
        records.append(
            {"id": item["id"], "prompt": text, "answers": item["answers"]["text"], "answer": answer} | figures
        )
    metrics = {
        key: round(statistics.fmean(r[key] for r in records), 4) for key in ("match", "exact_match", "f1")
    }
    results = {
        "kind": "xllm_qa",
        "metrics": metrics,
        "items": len(records),
        "lang": spec.lang,
        "data": spec.data,
    }
    return results, records


# --- chat in the target language ---------------------------------------------------------------------


def read_chat_prompts(path: str, lang: str, split: str) -> list[dict]:
    """{prompt, reference?} per line of JSON Lines, or one plain prompt a line; or OASST in any form the
    threads stage reads (a hub id such as OpenAssistant/oasst1, a saved folder, the flat rows), whose root
    prompts in `lang` of `split` are the prompts: its validation split is kept out of training."""
    if Path(path).suffix in (".txt", ".jsonl") and Path(path).is_file() or path.startswith("https://"):
        file = local_file(path)
        if file.suffix == ".jsonl":
            records = read_jsonl(file)
            if not records or "message_id" not in records[0]:
                return read_jsonl(file, required=("prompt",))
        else:
            return [{"prompt": line} for line in read_lines(file) if line.strip()]
    from stages.core.oasst import read_oasst

    return [
        {"prompt": m["text"], "message_id": m["message_id"]}
        for m in read_oasst(path, split)
        if m["parent_id"] is None and m.get("lang") == lang and not m.get("deleted")
    ]


def chat_prompt(tokenizer, prompt: str, prompt_format: str, system_prompt: str) -> str:
    """The prompt as the model saw user turns at training: Alpaca's instruction, or its chat template after
    the system turn threads gave it."""
    if prompt_format == "alpaca":
        return inference_prompt(tokenizer, prompt, "", "alpaca")
    system = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return chat_text(tokenizer, [*system, {"role": "user", "content": prompt}], generation_prompt=True)


def chat_figures(answers: list[str], prompts: list[str], lang: str) -> tuple[dict, list[dict]]:
    """Per answer: its language, whether it is in `lang`, empty, or the prompt again; and the shares."""
    target = langid.target_labels(lang)
    per_item = []
    for answer, prompt in zip(answers, prompts, strict=True):
        words = answer.split()
        same = " ".join(words) == " ".join(prompt.split())
        per_item.append(
            {
                "lang": langid.identify(answer),
                "on_target": bool(words) and langid.identify(answer) in target,
                "empty": not words,
                "repeats_prompt": bool(words)
                and (same or " ".join(words).startswith(" ".join(prompt.split()))),
                "words": len(words),
                "chars": len(answer.strip()),
            }
        )
    lengths = [item["words"] for item in per_item]
    metrics = {
        "on_target": round(statistics.fmean(item["on_target"] for item in per_item), 4),
        "empty": round(statistics.fmean(item["empty"] for item in per_item), 4),
        "repeats_prompt": round(statistics.fmean(item["repeats_prompt"] for item in per_item), 4),
        "mean_words": round(statistics.fmean(lengths), 2),
        "median_words": float(statistics.median(lengths)),
        "mean_chars": round(statistics.fmean(item["chars"] for item in per_item), 2),
    }
    return metrics, per_item


def run_chat(name: str, spec: EvalTask, model, tokenizer, params) -> tuple[dict, list[dict]]:
    items = read_chat_prompts(spec.prompts, spec.lang, spec.split)[: spec.limit]
    if not items:
        raise InputError(spec.prompts, f"no prompts (evaluate.tasks.{name}.prompts)")
    fmt, system = params.base.prompt_format, params.threads.system_prompt
    texts = [chat_prompt(tokenizer, item["prompt"], fmt, system) for item in items]
    answers = [raw.strip() for raw in generate(model, tokenizer, texts, spec, params)]
    metrics, per_item = chat_figures(answers, [item["prompt"] for item in items], spec.lang)
    records = [
        {"id": f"{name}:{i + 1}", "prompt": item["prompt"], "answer": answer}
        | ({"reference": item["reference"]} if "reference" in item else {})
        | figures
        for i, (item, answer, figures) in enumerate(zip(items, answers, per_item, strict=True))
    ]
    results = {
        "kind": "chat",
        "metrics": metrics,
        "items": len(records),
        "lang": spec.lang,
        "identifier": langid.signature(),
        "prompts": spec.prompts,
    }
    return results, records


def generate(model, tokenizer, texts: list[str], spec: EvalTask, params) -> list[str]:
    """Greedy answers on the one generation path (infer's batching)."""
    settings = Generation(max_new_tokens=spec.max_new_tokens)
    templated = params.base.prompt_format == "chat"
    return generate_all(
        model,
        tokenizer,
        texts,
        settings,
        templated,
        params.infer.batch_tokens,
        params.base.seed,
        progress="evaluate",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    params = load_params()
    tasks = params.evaluate.tasks
    results: dict[str, dict] = {}
    records: dict[str, list[dict]] = {}
    seconds: dict[str, float] = {}
    if tasks:
        path = infer_model_path(args.model, params)
        tokenizer = load_tokenizer(path, params.base.trust_remote_code)
        model = load_causal_lm(
            path, params.base.trust_remote_code, allow_pickle=params.base.allow_pickle_weights
        )
        if hasattr(model, "merge_and_unload"):  # an adapter, merged once: the harness takes plain models
            model = model.merge_and_unload()
        lm = None
        for name, spec in tasks.items():
            started = time.perf_counter()
            if spec.kind == "lm_eval":
                lm = lm or harness_model(model, tokenizer, params.evaluate.batch_size)
                chat = params.base.prompt_format == "chat"
                results[name], records[name] = run_harness(name, spec, lm, chat, params.base.seed)
            elif spec.kind == "xllm_qa":
                results[name], records[name] = run_xllm_qa(name, spec, model, tokenizer, params)
            else:
                results[name], records[name] = run_chat(name, spec, model, tokenizer, params)
            seconds[name] = round(time.perf_counter() - started, 2)
            print(f"evaluate {args.model} {name}: {dumps(results[name]['metrics'])}")
    # Everything is computed before anything is written: a failing task leaves the old outputs.
    with atomic_path(OUT_ROOT / args.model) as tmp:
        tmp.mkdir()
        for name, items in records.items():
            write_jsonl(tmp / f"{name}.jsonl", items)
        write_json(tmp / "results.json", results)
    write_timings(f"evaluate.{args.model}", {"seconds": seconds})


if __name__ == "__main__":
    main()

"""score: every hypothesis file -> BLEU, chrF (chrF++, TER), COMET (COMET-Kiwi) and the off-target rate.

A cell is test set x model x hint. The evaluate stage's task figures (and the judge's) join them under
`tasks` (task -> model -> metric), with a table per task. Writes reports/metrics.json (testset -> model ->
hint -> metric),
reports/scores.md (a table per test set, with the gain over the base model), reports/bleu.csv for
`dvc plots`, reports/signatures.json (testset -> model -> hint -> metric -> signature), and
reports/segments.jsonl (one record per hypothesis, for error analysis). The `track` stage logs them to MLflow.
"""

import csv
import json
from collections import defaultdict
from pathlib import Path

from stages.core.io import InputError, atomic_path, read_jsonl, write_json, write_jsonl, write_text
from stages.core.params import load_params
from stages.core.prompts import HINTS
from stages.core.scoring import ScoreSettings, score_hypotheses

HYPS = Path("data/hyps")
METRICS = Path("reports/metrics.json")
TABLE = Path("reports/scores.md")
PLOT = Path("reports/bleu.csv")
SIGNATURES = Path("reports/signatures.json")
SEGMENTS = Path("reports/segments.jsonl")
TASK_PLOT = Path("reports/tasks.csv")
EVALS = Path("data/evals")  # the evaluate stage's results, one folder per model
JUDGE = Path("data/judge")
METRIC_NAMES = {
    "bleu": "BLEU",
    "chrf": "chrF",
    "chrfpp": "chrF++",
    "ter": "TER",
    "comet": "COMET",
    "cometkiwi": "COMET-Kiwi",
    "off_target": "off-target",
}
LOWER_IS_BETTER = ("ter", "off_target")


def hypothesis_files(models: list[str]) -> list[Path]:
    """The cells of the models `infer.models` lists: a model dropped from the list leaves stale files."""
    return sorted(path for model in models for path in (HYPS / model).glob("*/*.jsonl"))


def reference_streams(records: list[dict]) -> list[list[str]]:
    """sacreBLEU's reference streams of a cell: each record's `refs` in order when present, else `ref`."""
    per_record = [record.get("refs") or [record["ref"]] for record in records]
    for record, refs in zip(records, per_record, strict=True):
        # `ref` is the first reference by contract; COMET and segments.jsonl read it.
        if refs[0] != record["ref"]:
            raise ValueError(f"{record['id']}: `refs` must start with `ref`")
        if len(refs) != len(per_record[0]):
            # A stream per reference position: a segment with fewer references would shift the others.
            raise ValueError(
                f"{record['id']}: {len(refs)} references, but {records[0]['id']} has {len(per_record[0])}"
            )
    return [list(stream) for stream in zip(*per_record, strict=True)]


def score_cell(records: list[dict], config) -> tuple[dict, dict, list[dict]]:
    """Corpus figures, their signatures, and one segment record per hypothesis (in the records' order)."""
    hyps, refs, tgt_lang = [r["hyp"] for r in records], reference_streams(records), records[0]["tgt_lang"]
    sources = [r["src"] for r in records]
    scores, signature, figures = score_hypotheses(sources, hyps, refs, tgt_lang, ScoreSettings.of(config))
    segments = [
        {key: record[key] for key in ("id", "testset", "model", "hint", "src", "ref", "hyp")}
        | ({"refs": record["refs"]} if record.get("refs") else {})
        | segment
        for record, segment in zip(records, figures, strict=True)
    ]
    return scores, signature, segments


def nested() -> defaultdict:
    return defaultdict(nested)


def to_plain(tree) -> dict:
    return {k: to_plain(v) for k, v in tree.items()} if isinstance(tree, dict) else tree


def ordered_hints(cells: dict) -> list[str]:
    return [hint for hint in HINTS if hint in cells] + sorted(set(cells) - set(HINTS))


def table(testset: str, by_model: dict) -> str:
    hints = ordered_hints({hint for cells in by_model.values() for hint in cells})
    lines = [
        f"## {testset}",
        "",
        "| model | metric | " + " | ".join(hints) + " |",
        "|---|---|" + "---:|" * len(hints),
    ]
    present = {metric for cells in by_model.values() for values in cells.values() for metric in values}
    # Only the metrics some cell has: optional ones (chrF++, TER, COMET) stay out of the table when off.
    for metric, label in METRIC_NAMES.items():
        if metric not in present:
            continue
        for model, cells in by_model.items():
            values = [cells.get(hint, {}).get(metric) for hint in hints]
            lines.append(f"| {model} | {label} | " + " | ".join(_fmt(v) for v in values) + " |")
        if "base" in by_model:
            for model, cells in by_model.items():
                if model == "base":
                    continue
                deltas = [
                    _delta(cells.get(h, {}).get(metric), by_model["base"].get(h, {}).get(metric))
                    for h in hints
                ]
                lines.append(
                    f"| {model} − base | {label} | " + " | ".join(_fmt(d, sign=True) for d in deltas) + " |"
                )
    lower = [METRIC_NAMES[m] for m in LOWER_IS_BETTER if m in present]
    if lower:
        lines += ["", f"Lower is better for {' and '.join(lower)} (off-target: share of hypotheses, 0..1)."]
    return "\n".join(lines) + "\n"


def _delta(value, base):
    return None if value is None or base is None else value - base


def _fmt(value, sign: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.2f}" if sign else f"{value:.2f}"


def write_plot(metrics: dict) -> None:
    models = sorted({model for models in metrics.values() for model in models})
    with atomic_path(PLOT) as tmp, open(tmp, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["cell", *models])
        for testset, by_model in metrics.items():
            for hint in ordered_hints({h for cells in by_model.values() for h in cells}):
                row = [by_model.get(m, {}).get(hint, {}).get("bleu", "") for m in models]
                writer.writerow([f"{testset}/{hint}", *row])


def task_figures(models: list[str]) -> dict:
    """task -> model -> metric, from the evaluate cells of the listed models and the judge's comparisons
    (`judge_wins`, `judge_ties`, `judge_losses`, `judge_win_rate`, against the model it names)."""
    tasks: dict = {}
    for model in models:
        path = EVALS / model / "results.json"
        if path.is_file():
            for task, result in json.loads(path.read_text(encoding="utf-8")).items():
                tasks.setdefault(task, {})[model] = dict(result["metrics"])
    judged = JUDGE / "results.json"
    if judged.is_file():
        for task, by_model in json.loads(judged.read_text(encoding="utf-8")).items():
            for model, result in by_model.items():
                if model in models and task in tasks:
                    figures = {f"judge_{key}": result[key] for key in ("wins", "ties", "losses", "win_rate")}
                    tasks[task].setdefault(model, {}).update(figures)
    return tasks


def task_table(task: str, by_model: dict) -> str:
    """One table per task: a row per model, a column per metric, and each model's gain over base."""
    metrics = list(dict.fromkeys(metric for values in by_model.values() for metric in values))
    lines = [f"## {task}", "", "| model | " + " | ".join(metrics) + " |", "|---|" + "---:|" * len(metrics)]
    for model, values in by_model.items():
        lines.append(f"| {model} | " + " | ".join(_fmt(values.get(m)) for m in metrics) + " |")
    if "base" in by_model:
        for model, values in by_model.items():
            if model != "base":
                gains = [_delta(values.get(m), by_model["base"].get(m)) for m in metrics]
                lines.append(f"| {model} − base | " + " | ".join(_fmt(g, sign=True) for g in gains) + " |")
    return "\n".join(lines) + "\n"


def write_task_plot(tasks: dict, models: list[str]) -> None:
    """Every task figure per model, for `dvc plots` (the judge's counts left out)."""
    with atomic_path(TASK_PLOT) as tmp, open(tmp, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["cell", *models])
        for task, by_model in tasks.items():
            metrics = dict.fromkeys(
                m
                for values in by_model.values()
                for m in values
                if not m.startswith("judge_") or m == "judge_win_rate"
            )
            for metric in metrics:
                writer.writerow([f"{task}/{metric}", *(by_model.get(m, {}).get(metric, "") for m in models)])


def main() -> None:
    params = load_params()
    config = params.score
    metrics, signatures, segments = nested(), nested(), []
    for path in hypothesis_files(params.infer.models):
        records = read_jsonl(
            path, required=("id", "testset", "model", "hint", "src", "ref", "hyp", "tgt_lang")
        )
        if not records:
            continue
        first = records[0]
        try:
            scores, signature, cell_segments = score_cell(records, config)
        except ValueError as error:
            raise InputError(path, str(error)) from None
        metrics[first["testset"]][first["model"]][first["hint"]] = scores
        signatures[first["testset"]][first["model"]][first["hint"]] = signature
        segments.extend(cell_segments)
        print(f"score {first['testset']} {first['model']} {first['hint']}: {scores}")
    metrics = to_plain(metrics)
    tasks = task_figures(params.infer.models)
    write_json(METRICS, metrics | ({"tasks": tasks} if tasks else {}))
    write_json(SIGNATURES, to_plain(signatures))
    write_jsonl(SEGMENTS, segments)
    text = "# Scores\n\n" + "\n".join(table(t, m) for t, m in metrics.items())
    if tasks:
        text += "\n# Tasks\n\n" + "\n".join(task_table(t, m) for t, m in tasks.items())
        text += "\nAccuracy, exact match, F1, match and the chat shares are 0..1 (README: Evaluation).\n"
    write_text(TABLE, text)
    write_plot(metrics)
    write_task_plot(tasks, params.infer.models)
    print(json.dumps({t: {m: h.get("none") for m, h in ms.items()} for t, ms in metrics.items()}, indent=1))


if __name__ == "__main__":
    main()

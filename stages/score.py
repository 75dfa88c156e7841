"""score: every hypothesis file -> BLEU, chrF and COMET per test set x model x hint, and one MLflow run.

Writes reports/metrics.json (testset -> model -> hint -> metric), reports/scores.md (a table per test set,
with the gain over the base model), reports/bleu.csv for `dvc plots`, and reports/signatures.json.
"""

import csv
import json
from collections import defaultdict
from pathlib import Path

from stages.core.comet import comet_scores
from stages.core.io import atomic_path, read_jsonl, write_json, write_text
from stages.core.metrics import corpus_scores
from stages.core.params import load_params, load_raw
from stages.core.prompts import HINTS
from stages.core.tracking import log_run

HYPS = Path("data/hyps")
METRICS = Path("reports/metrics.json")
TABLE = Path("reports/scores.md")
PLOT = Path("reports/bleu.csv")
SIGNATURES = Path("reports/signatures.json")
METRIC_NAMES = {"bleu": "BLEU", "chrf": "chrF", "comet": "COMET"}


def hypothesis_files() -> list[Path]:
    return sorted(HYPS.glob("*/*/*.jsonl"))


def score_cell(records: list[dict], config) -> tuple[dict, dict]:
    hyps, refs = [r["hyp"] for r in records], [r["ref"] for r in records]
    scores = corpus_scores(hyps, [refs], records[0]["tgt_lang"], config.bleu_tokenize)
    signature = scores.pop("signature")
    if config.comet_model:
        system, _segments = comet_scores(
            config.comet_model, [r["src"] for r in records], hyps, refs, batch_size=config.comet_batch_size
        )
        scores["comet"] = round(system, 4)
    return scores, signature


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
    for metric, label in METRIC_NAMES.items():
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
    return "\n".join(lines) + "\n"


def _delta(value, base):
    return None if value is None or base is None else value - base


def _fmt(value, sign: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.2f}" if sign else f"{value:.2f}"


def flat_metrics(metrics: dict) -> dict[str, float]:
    """MLflow names `metric.testset.model.hint`, so runs line up in the compare view."""
    return {
        f"{metric}.{testset}.{model}.{hint}": value
        for testset, models in metrics.items()
        for model, hints in models.items()
        for hint, values in hints.items()
        for metric, value in values.items()
    }


def write_plot(metrics: dict) -> None:
    models = sorted({model for models in metrics.values() for model in models})
    with atomic_path(PLOT) as tmp, open(tmp, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["cell", *models])
        for testset, by_model in metrics.items():
            for hint in ordered_hints({h for cells in by_model.values() for h in cells}):
                row = [by_model.get(m, {}).get(hint, {}).get("bleu", "") for m in models]
                writer.writerow([f"{testset}/{hint}", *row])


def main() -> None:
    config = load_params().score
    metrics, signatures = nested(), {}
    for path in hypothesis_files():
        records = read_jsonl(path, required=("testset", "model", "hint", "src", "ref", "hyp", "tgt_lang"))
        if not records:
            continue
        first = records[0]
        scores, signatures[first["testset"]] = score_cell(records, config)
        metrics[first["testset"]][first["model"]][first["hint"]] = scores
        print(f"score {first['testset']} {first['model']} {first['hint']}: {scores}")
    metrics = to_plain(metrics)
    write_json(METRICS, metrics)
    write_json(SIGNATURES, signatures)
    write_text(TABLE, "# Scores\n\n" + "\n".join(table(t, m) for t, m in metrics.items()))
    write_plot(metrics)
    run_id = log_run(load_raw(), flat_metrics(metrics), [TABLE, METRICS])
    print(f"score: MLflow run {run_id}")
    print(json.dumps({t: {m: h.get("none") for m, h in ms.items()} for t, ms in metrics.items()}, indent=1))


if __name__ == "__main__":
    main()

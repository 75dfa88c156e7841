"""track: one MLflow run per pipeline run — every parameter and every score — tagged with its experiment.

Reads params.yaml and reports/metrics.json (testset -> model -> hint -> metric; tasks -> task -> model ->
metric); logs the figures as `metric.testset.model.hint` and `metric.task.model`, the parameters flattened
(`sft.learning_rate`), the wall times of the stages that ran (reports/timings/: `timing.sft.seconds`, …),
reports/scores.md and the metrics file as artifacts; writes the run's id to reports/mlflow_run.json.

Its DVC output, reports/tracked.json (how many parameters and figures were logged), is `persist`: DVC never
restores such a stage from its run cache, so an experiment whose scores all come from the cache (a setting
tried before) still gets its run, and a fresh clone, which lacks the file, gets one at its first `dvc repro`.
The run id, which differs every time, is in no hashed output (a fresh clone's `dvc repro` gives the
committed dvc.lock).
"""

import json
from pathlib import Path

from stages.core.io import TIMINGS, write_json
from stages.core.params import load_raw
from stages.core.tracking import flatten, log_run

METRICS = Path("reports/metrics.json")
TABLE = Path("reports/scores.md")
RUN = Path("reports/mlflow_run.json")
TRACKED = Path("reports/tracked.json")


def flat_metrics(metrics: dict) -> dict[str, float]:
    """MLflow names `metric.testset.model.hint` (and `metric.task.model` for the evaluation tasks), so runs
    line up in the compare view."""
    tasks = metrics.get("tasks", {})
    return {
        f"{metric}.{testset}.{model}.{hint}": value
        for testset, models in metrics.items()
        if testset != "tasks"
        for model, hints in models.items()
        for hint, values in hints.items()
        for metric, value in values.items()
    } | {
        f"{metric}.{task}.{model}": value
        for task, models in tasks.items()
        for model, values in models.items()
        for metric, value in values.items()
    }


def timing_metrics(folder: Path = TIMINGS) -> dict[str, float]:
    """`timing.<stage>.<figure>` of each stage run whose times are in reports/timings/."""
    figures: dict[str, float] = {}
    for path in sorted(folder.glob("*.json")):
        for key, value in flatten(json.loads(path.read_text(encoding="utf-8"))).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                figures[f"timing.{path.stem}.{key}"] = value
    return figures


def main() -> None:
    metrics = json.loads(METRICS.read_text(encoding="utf-8"))
    params, figures = load_raw(), flat_metrics(metrics)
    run_id = log_run(params, figures | timing_metrics(), [TABLE, METRICS])
    write_json(RUN, {"run_id": run_id})
    write_json(TRACKED, {"params": len(flatten(params)), "metrics": len(figures)})
    print(f"track: MLflow run {run_id}")


if __name__ == "__main__":
    main()

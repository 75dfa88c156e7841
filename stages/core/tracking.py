"""MLflow: one store per repository, shared by workspace, queued and temporary `dvc exp` runs."""

import os
import subprocess
from pathlib import Path
from typing import Any

EXPERIMENT = "lingtune"


def repo_root() -> Path:
    """The repository the user works in, also from a `dvc exp run --temp/--queue` copy.

    DVC points DVC_ROOT at the parent repository for experiment runs; outside DVC, the cwd.
    """
    return Path(os.environ.get("DVC_ROOT") or os.getcwd()).resolve()


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{repo_root() / 'mlflow.db'}"


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}}` -> `{"a.b": 1}`; lists stay whole (MLflow params are strings)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def git_revision(cwd: Path) -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_tags() -> dict[str, str]:
    """What lines a run up with its DVC experiment and its code."""
    return {
        "dvc.exp_name": os.environ.get("DVC_EXP_NAME", "workspace"),
        "dvc.baseline_rev": os.environ.get("DVC_EXP_BASELINE_REV", ""),
        "git.revision": git_revision(Path.cwd()),
    }


def log_run(params: dict[str, Any], metrics: dict[str, float], artifacts: list[Path]) -> str:
    """Record one pipeline run; returns its run id. Weights are never logged."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        artifact_root = (repo_root() / "mlartifacts").as_uri()
        mlflow.create_experiment(EXPERIMENT, artifact_location=artifact_root)
    mlflow.set_experiment(EXPERIMENT)
    tags = run_tags()
    with mlflow.start_run(run_name=tags["dvc.exp_name"], tags=tags) as run:
        flat = {key: str(value)[:6000] for key, value in flatten(params).items()}
        mlflow.log_params(flat)
        mlflow.log_metrics(metrics)
        for path in artifacts:
            if path.exists():
                mlflow.log_artifact(str(path))
        return run.info.run_id

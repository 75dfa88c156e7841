"""MLflow: one store per repository, shared by workspace, queued and temporary `dvc exp` runs."""

import fcntl
import os
import socket
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .team import is_alive

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
    """What lines a run up with its DVC experiment and its code, and the process that records it (so that a
    run its process left `RUNNING` when it was killed can be told apart from one still running)."""
    return {
        "dvc.exp_name": os.environ.get("DVC_EXP_NAME", "workspace"),
        "dvc.baseline_rev": os.environ.get("DVC_EXP_BASELINE_REV", ""),
        "git.revision": git_revision(Path.cwd()),
        "process.host": socket.gethostname(),
        "process.pid": str(os.getpid()),
    }


@contextmanager
def store_lock():
    """One process at a time: MLflow builds a new sqlite store's tables on first use, and processes doing
    it at once crash (`duplicate column name`): `dvc queue start -j 2` on a fresh clone, say."""
    path = repo_root() / ".mlflow.lock"
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def end_orphaned_runs(experiment_id: str) -> list[str]:
    """Runs left `RUNNING` by a process of this host that no longer exists, ended as `KILLED`; their ids."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    host = socket.gethostname()
    orphans = [
        run.info.run_id
        for run in client.search_runs([experiment_id], "attributes.status = 'RUNNING'")
        if run.data.tags.get("process.host") == host
        and run.data.tags.get("process.pid", "").isdigit()
        and not is_alive(int(run.data.tags["process.pid"]))
    ]
    for run_id in orphans:
        client.set_terminated(run_id, "KILLED")
        print(f"MLflow: run {run_id} was left running by a killed process; marked KILLED")
    return orphans


def open_store() -> str:
    """The project's store with its experiment, made once under the lock, orphaned runs ended; the
    experiment's id. Every writer of MLflow runs calls it first."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    with store_lock():
        experiment = mlflow.get_experiment_by_name(EXPERIMENT)
        if experiment is None:
            artifact_root = (repo_root() / "mlartifacts").as_uri()
            experiment_id = mlflow.create_experiment(EXPERIMENT, artifact_location=artifact_root)
        else:
            experiment_id = experiment.experiment_id
        end_orphaned_runs(experiment_id)
    return experiment_id


def log_run(params: dict[str, Any], metrics: dict[str, float], artifacts: list[Path]) -> str:
    """Record one pipeline run; returns its run id. Weights are never logged."""
    import mlflow

    mlflow.set_experiment(experiment_id=open_store())
    tags = run_tags()
    with mlflow.start_run(run_name=tags["dvc.exp_name"], tags=tags) as run:
        flat = {key: str(value)[:6000] for key, value in flatten(params).items()}
        mlflow.log_params(flat)
        mlflow.log_metrics(metrics)
        for path in artifacts:
            if path.exists():
                mlflow.log_artifact(str(path))
        return run.info.run_id

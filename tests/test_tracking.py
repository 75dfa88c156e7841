"""The MLflow store under concurrency and after kills: made once, under a lock; runs a killed process left
`RUNNING` are ended as `KILLED` by the next writer."""

import os
import signal
import subprocess
import sys

from stages.core import tracking

from .conftest import ROOT

LOG_ONE_RUN = (
    "import sys\n"
    "from stages.core.tracking import log_run\n"
    "log_run({'writer': int(sys.argv[1])}, {'figure': float(sys.argv[1])}, [])\n"
)

KILLED_MID_RUN = (
    "import os, signal\n"
    "import mlflow\n"
    "from stages.core.tracking import open_store, run_tags\n"
    "mlflow.set_experiment(experiment_id=open_store())\n"
    "mlflow.start_run(tags=run_tags())\n"
    "os.kill(os.getpid(), signal.SIGKILL)\n"
)


def _runs(folder):
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    return mlflow.search_runs(experiment_names=[tracking.EXPERIMENT], output_format="list")


def test_six_writers_at_once_on_a_fresh_store_all_log(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MLFLOW_DISABLE_TELEMETRY="true", DVC_ROOT=str(tmp_path))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", LOG_ONE_RUN, str(i)], cwd=tmp_path, env=env, stderr=subprocess.PIPE
        )
        for i in range(6)
    ]
    failures = [w.stderr.read().decode()[-800:] for w in writers if w.wait(timeout=300)]
    assert not failures, failures[0]
    runs = _runs(tmp_path)
    assert sorted(r.data.params["writer"] for r in runs) == [str(i) for i in range(6)]


def test_a_run_left_running_by_a_killed_process_is_marked_killed(in_tmp):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MLFLOW_DISABLE_TELEMETRY="true")
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_RUN], cwd=in_tmp, env=env, check=False)
    assert killed.returncode == -signal.SIGKILL
    [orphan] = _runs(in_tmp)
    assert orphan.info.status == "RUNNING"

    import mlflow

    # a run whose process is alive (this one) is not an orphan
    live = mlflow.start_run(experiment_id=orphan.info.experiment_id, tags=tracking.run_tags())
    assert tracking.open_store() == orphan.info.experiment_id
    status = {r.info.run_id: r.info.status for r in _runs(in_tmp)}
    assert status == {orphan.info.run_id: "KILLED", live.info.run_id: "RUNNING"}
    mlflow.end_run()

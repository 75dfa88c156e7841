"""The whole pipeline under DVC, on a temporary copy of this working tree with fast parameters.

Checks the wiring users rely on: `dvc repro` runs every stage, a second one runs none, an `evaluate.tasks`
param reruns only the evaluation and what follows it, `dvc exp run -S` on an `infer` param reruns only
`infer` and `score` and shows up in `dvc exp show` with metrics, and MLflow holds a run per pipeline run
with its params and metrics, also for an experiment whose figures all come from DVC's run cache.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stages.commands.recipe_rehearse import copy_working_tree

from .conftest import ROOT

pytestmark = pytest.mark.slow

# Small enough to run in a few minutes; the learning check is the embedded default itself.
FAST = {
    "embedded": {"translator_steps": 40},
    "sft_data": {
        "counts": {
            "translation": 300,
            "error_hint": 20,
            "preference": 10,
            "alpaca_en": 10,
            "alpaca_translated": 10,
        }
    },
    "sft": {"epochs": 1, "batch_size": 16},
    "infer": {"max_new_tokens": 8},
}
HINTS = ["none", "no_errors", "minor", "major", "preferred"]


def run(repo: Path, *args: str, check: bool = True) -> str:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    env.pop("MLFLOW_TRACKING_URI", None)
    done = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True)
    failed = done.returncode != 0
    assert failed != check, (
        f"{' '.join(args)}: status {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout + done.stderr


def stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("pipeline") / "repo"
    repo.mkdir()
    copy_working_tree(ROOT, repo)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    for group, values in FAST.items():
        params[group].update(values)
    for task in params["evaluate"]["tasks"].values():  # the sample's tasks, fewer items
        task["limit"] = 12
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
    shutil.rmtree(repo / ".dvc" / "tmp", ignore_errors=True)
    (repo / "dvc.lock").unlink(missing_ok=True)
    run(repo, "git", "init", "-q")
    run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "baseline")
    return repo


def mlflow_runs(repo: Path) -> list:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{repo / 'mlflow.db'}")
    return mlflow.search_runs(experiment_names=["lingtune"], output_format="list")


@pytest.fixture(scope="module")
def first_run(repo) -> str:
    """The output of the first `dvc repro` in the copy: every stage runs once for the module's tests."""
    return run(repo, "dvc", "repro")


def test_a_fresh_clone_pulls_what_a_run_pushed(repo, first_run, tmp_path):
    """A DVC remote (a local folder here; S3 or SSH alike) shares data and models: a fresh clone of the
    commit that holds dvc.lock pulls every output, finds everything up to date and reruns nothing."""
    storage = tmp_path / "storage"
    run(repo, "dvc", "remote", "add", "-d", "storage", str(storage))
    run(repo, "git", "add", "-A")
    run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "outputs + remote")
    run(repo, "dvc", "push")
    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(repo), str(clone))
    run(clone, "dvc", "pull")
    assert "Data and pipelines are up to date" in run(clone, "dvc", "status")
    assert stages_run(run(clone, "dvc", "repro")) == set()
    for report in ("reports/scores.md", "reports/metrics.json", "reports/train.json"):
        assert (clone / report).read_bytes() == (repo / report).read_bytes(), report
    assert run(clone, "git", "status", "--porcelain") == ""


def test_pipeline_under_dvc(repo, first_run):
    first = first_run
    expected = {"embedded", "pairs", "instructions", "translate", "threads", "sft_data", "sft", "preference"}
    expected |= {"validate", "judge", "score", "track"}
    expected |= {f"infer@{model}-{hint}" for model in ("base", "sft") for hint in HINTS}
    expected |= {f"{stage}@{model}" for stage in ("convert", "evaluate") for model in ("base", "sft")}
    assert stages_run(first) == expected

    metrics = json.loads((repo / "reports/metrics.json").read_text())
    assert set(metrics) == {"sample-en-de", "sample-en-zh", "tasks"}
    tasks = metrics.pop("tasks")
    assert set(tasks) == {"xcopa-sample-zh", "xquad-sample-de", "qa-sample-de", "chat-sample-de"}
    assert set(tasks["xcopa-sample-zh"]["sft"]) == {"acc"} and set(tasks["qa-sample-de"]["base"]) == {
        "match",
        "exact_match",
        "f1",
    }
    assert 0 <= tasks["chat-sample-de"]["sft"]["on_target"] <= 1
    for models in metrics.values():
        assert set(models) == {"base", "sft"}
        for hints in models.values():
            assert set(hints) == set(HINTS)
            assert all(set(cell) == {"bleu", "chrf", "comet", "off_target"} for cell in hints.values())
    table = (repo / "reports/scores.md").read_text()
    assert "sft − base" in table and "## chat-sample-de" in table and "on_target" in table

    assert stages_run(run(repo, "dvc", "repro")) == set()

    # A typo in an sft key, or an unknown group, stops at `validate` in seconds: sft's outputs stay.
    good = (repo / "params.yaml").read_text()
    weights = next((repo / "models/sft").glob("*.safetensors"))
    before = weights.stat().st_mtime_ns
    for typo in (good.replace("  learning_rate:", "  learning_rat:", 1), good + "foo: 1\n"):
        (repo / "params.yaml").write_text(typo)
        failed = run(repo, "dvc", "repro", check=False)
        assert stages_run(failed) == {"validate"} and "unknown key (misspelled?)" in failed
        assert weights.stat().st_mtime_ns == before and (repo / "reports/train.json").is_file()
    (repo / "params.yaml").write_text(good)

    params = yaml.safe_load((repo / "params.yaml").read_text())
    first_tokens = params["evaluate"]["tasks"]["chat-sample-de"]["max_new_tokens"]
    params["evaluate"]["tasks"]["chat-sample-de"]["max_new_tokens"] = 7
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
    # validate reruns on any params change; its output stays the same, so only the evaluation (and the
    # judge, score and run that follow it) reruns: nothing upstream.
    assert stages_run(run(repo, "dvc", "repro")) == {
        "validate",
        "evaluate@base",
        "evaluate@sft",
        "judge",
        "score",
        "track",
    }
    # As users do before an experiment: dvc.lock (and the .gitignore files DVC writes) committed. Without
    # the lock a temporary experiment sees every stage as changed, and the stages with persist outputs
    # (translate, sft), which DVC never restores from its run cache, would run again.
    run(repo, "git", "add", "-A")
    run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "chat tokens 7 + lock")

    # --temp runs in a copy under .dvc/tmp: its MLflow run must still land in this repository's store.
    exp = run(repo, "dvc", "exp", "run", "--temp", "-n", "longer", "-S", "infer.max_new_tokens=12")
    assert stages_run(exp) == {f"infer@{m}-{h}" for m in ("base", "sft") for h in HINTS} | {
        "validate",
        "score",
        "track",
    }
    shown = json.loads(run(repo, "dvc", "exp", "show", "--json"))
    experiments = {e["name"]: e for baseline in shown for e in (baseline.get("experiments") or [])}
    assert "longer" in experiments, shown
    [revision] = experiments["longer"]["revs"]
    exp_metrics = revision["data"]["metrics"]["reports/metrics.json"]["data"]
    assert "bleu" in exp_metrics["sample-en-de"]["sft"]["none"]
    assert revision["data"]["params"]["params.yaml"]["data"]["infer"]["max_new_tokens"] == 12

    # A setting tried before: its figures come from DVC's run cache, and it still gets its MLflow run.
    again = f"evaluate.tasks.chat-sample-de.max_new_tokens={first_tokens}"
    exp = run(repo, "dvc", "exp", "run", "--temp", "-n", "again", "-S", again)
    assert "track" in stages_run(exp) and not stages_run(exp) & {"evaluate@sft", "score"}

    all_runs = mlflow_runs(repo)
    # sft logs its training once (through report_to); track logs every pipeline run's figures.
    assert [r.data.tags.get("stage") for r in all_runs].count("sft") == 1
    runs = [r for r in all_runs if r.data.tags.get("stage") != "sft"]
    assert len(runs) == 4  # first repro, the score-only rerun, the two experiments
    assert len([r for r in runs if r.data.tags.get("dvc.exp_name") == "again"]) == 1
    tagged = [r for r in runs if r.data.tags.get("dvc.exp_name") == "longer"]
    assert len(tagged) == 1
    assert tagged[0].data.params["infer.max_new_tokens"] == "12"
    assert "bleu.sample-en-de.sft.none" in tagged[0].data.metrics
    assert "on_target.chat-sample-de.sft" in tagged[0].data.metrics
    assert all(r.data.tags["git.revision"] != "unknown" for r in runs)

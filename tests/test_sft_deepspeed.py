"""ZeRO-2 with 2 processes over gloo, through the command the dvc.yaml stage runs."""

import csv
import json
import os
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from stages import sft
from stages.core import team

from .conftest import ROOT
from .helpers import write_lines, write_sft_data, write_sft_params


def stage_command(params: dict) -> list[str]:
    """The sft stage's cmd from dvc.yaml, with its ${sft.…} references filled in from params.yaml."""
    command = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["sft"]["cmd"]

    def value(match: re.Match) -> str:
        group, key = match[1].split(".")
        return str(params[group][key])

    return shlex.split(re.sub(r"\$\{([\w.]+)\}", value, command))


def _run_stage(folder) -> list[float]:
    params = yaml.safe_load((folder / "params.yaml").read_text())
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"
    )
    done = subprocess.run(stage_command(params), cwd=folder, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return [float(row["loss"]) for row in csv.DictReader(open(folder / sft.LOSS_CURVE))]


def test_stage_command_is_composed_from_params():
    assert stage_command({"sft": {"launcher": "torchrun", "processes": 2}})[-4:] == [
        "--launcher",
        "torchrun",
        "--processes",
        "2",
    ]
    launch = team.launch_command("torchrun", 2, ["--nnodes", "1"], "stages.sft")
    accelerate = team.launch_command("accelerate", 2, [], "stages.sft")
    assert accelerate[3:] == ["--num_processes", "2", "--multi_gpu", "-m", "stages.sft"]
    assert launch[1:] == [
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--nnodes",
        "1",
        "-m",
        "stages.sft",
    ]


def _losses(folder) -> list[float]:
    return [float(row["loss"]) for row in csv.DictReader(open(folder / sft.LOSS_CURVE))]


def _setup(folder, tiny_lm, **keys) -> None:
    """32 copies of one example: two processes of batch 4 see what one process of batch 8 sees."""
    folder.mkdir()
    first = write_sft_data(folder)[0]
    write_lines(folder / "data/sft/train.jsonl", [json.dumps(first, ensure_ascii=False)] * 32)
    (folder / "zero2.json").write_text((ROOT / "configs/deepspeed/zero2.json").read_text())
    write_sft_params(folder, tiny_lm, **keys)


def test_launched_processes_never_launch_again(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.delenv(team.LAUNCHED, raising=False)
    assert not team.is_worker()
    for key, value in team.launch_environment(2).items():
        monkeypatch.setenv(key, value)
    assert team.is_worker()  # a launcher that sets no LOCAL_RANK must not make the stage launch itself


def test_zero2_on_two_processes_matches_one_process(tmp_path, tiny_lm, monkeypatch):
    zero2, single = tmp_path / "zero2", tmp_path / "single"
    _setup(zero2, tiny_lm, launcher="torchrun", processes=2, batch_size=4, deepspeed="zero2.json")
    _setup(single, tiny_lm, batch_size=8)
    _run_stage(zero2)
    monkeypatch.chdir(single)
    sft.main([])
    assert len(_losses(zero2)) == len(_losses(single)) == 4
    assert _losses(zero2) == pytest.approx(_losses(single), rel=1e-3)
    assert _losses(zero2)[-1] < _losses(zero2)[0]
    report = json.loads((zero2 / sft.REPORT).read_text())
    assert report["processes"] == 2
    assert (zero2 / sft.OUT_DIR / "model.safetensors").is_file()

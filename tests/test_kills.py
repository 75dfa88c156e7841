"""A stage whose process group is SIGKILLed (what a killed `dvc repro` does) leaves no worker running and
no output written, for every stage that starts its processes with torchrun."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from stages import infer, preference, sft, translate
from stages.embedded.marian import build_tiny_marian

from .conftest import ROOT
from .helpers import write_lines, write_params, write_sft_data, write_sft_params

SENTENCES = [f"The dog number {i} sleeps under the {i % 9} trees." for i in range(400)]


def _with_marker(pid: str, marker: str) -> bool:
    try:
        return marker.encode() in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, or not ours to read
        return False


def _marked(marker: str) -> list[int]:
    """The processes started with `marker` in their environment (the stage, its launcher, its workers)."""
    return [int(pid) for pid in os.listdir("/proc") if pid.isdigit() and _with_marker(pid, marker)]


def _workers(marker: str) -> list[int]:
    return [pid for pid in _marked(marker) if _with_marker(str(pid), "\0LOCAL_RANK=")]


def _setup_infer(folder: Path, tiny_lm: Path) -> tuple[list[str], Path]:
    write_lines(folder / "t.en", SENTENCES)
    write_lines(folder / "t.de", SENTENCES)
    testsets = {"a-en-de": {"src": "t.en", "ref": "t.de", "src_lang": "en", "tgt_lang": "de"}}
    infer_keys = {"testsets": testsets, "batch_tokens": 64, "max_new_tokens": 40, "processes": 2}
    write_params(folder, base={"model": str(tiny_lm)}, infer=infer_keys)
    return ["stages.infer", "--model", "base", "--hint", "none"], infer.OUT_ROOT


def _setup_translate(folder: Path, tiny_lm: Path) -> tuple[list[str], Path]:
    build_tiny_marian(folder / "mt/opus-mt-en-de", SENTENCES[:8], SENTENCES[:8], seed=0, steps=0)
    messages = [
        {"message_id": f"m{i}", "parent_id": None, "text": text, "role": "prompter", "lang": "en"}
        | {"message_tree_id": f"m{i}", "rank": None}
        for i, text in enumerate(SENTENCES)
    ]
    write_lines(folder / "oasst.jsonl", [json.dumps(m) for m in messages])
    (folder / "alpaca.json").write_text(json.dumps([{"instruction": "Hi.", "input": "", "output": "Hi."}]))
    keys = {"model_root": "mt", "oasst": "oasst.jsonl", "alpaca": "alpaca.json", "batch_tokens": 32}
    write_params(folder, translate=keys | {"processes": 2})
    return ["stages.translate"], translate.OUT_DIR


def _setup_sft(folder: Path, tiny_lm: Path) -> tuple[list[str], Path]:
    write_sft_data(folder, count=2000)
    write_sft_params(folder, tiny_lm, batch_size=1, epochs=3, launcher="torchrun", processes=2)
    return ["stages.sft"], sft.OUT_DIR


def _setup_preference(folder: Path, tiny_lm: Path) -> tuple[list[str], Path]:
    user = [{"role": "user", "content": "Bitte erkläre diesen Satz: Der Hund schläft."}]
    good = [{"role": "assistant", "content": "Der Hund ruht."}]
    bad = [{"role": "assistant", "content": "Nein"}]
    pairs = [{"id": str(i), "prompt": user, "chosen": good, "rejected": bad} for i in range(2000)]
    write_lines(folder / preference.PAIRS, [json.dumps(p) for p in pairs])
    keys = {"model": str(tiny_lm), "method": "dpo", "epochs": 3, "batch_size": 1, "mlflow": False}
    write_params(folder, preference=keys | {"launcher": "torchrun", "processes": 2})
    return ["stages.preference"], preference.OUT_DIR


@pytest.mark.parametrize("setup", [_setup_infer, _setup_translate, _setup_sft, _setup_preference])
def test_no_worker_outlives_a_killed_stage_or_writes_after_it(setup, tmp_path, tiny_lm):
    module, output = setup(tmp_path, tiny_lm)
    marker = f"LINGTUNE_TEST_RUN={uuid.uuid4().hex}"
    name, value = marker.split("=")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", **{name: value})
    stage = subprocess.Popen(
        [sys.executable, "-m", *module],
        cwd=tmp_path,
        env=env,
        start_new_session=True,  # a group of its own, as DVC runs a stage's command
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while len(_workers(marker)) < 2:
        assert stage.poll() is None, stage.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the launcher never started two workers"
        time.sleep(0.05)
    time.sleep(3)  # the workers are importing and loading: past their start, mid-work
    assert len(_workers(marker)) == 2, "a worker ended before the kill"

    os.killpg(stage.pid, signal.SIGKILL)
    stage.wait()
    deadline = time.monotonic() + 60  # a loaded machine is slow to deliver the signals and reap
    while _marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = _marked(marker)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"{len(survivors)} processes outlived the killed stage"
    assert not (tmp_path / output).exists()

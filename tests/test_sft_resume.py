"""A killed `sft` resumes from its last checkpoint; changed settings start afresh."""

import csv
import json
from pathlib import Path

import pytest
from transformers import TrainerCallback

from stages import sft

from .helpers import write_sft_data, write_sft_params


class Killed(Exception):
    pass


class KillAfterFirstCheckpoint(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        raise Killed(state.global_step)


def _killed_run(monkeypatch):
    build = sft.build_trainer

    def with_kill(*args, callbacks=(), **kwargs):
        return build(*args, callbacks=[*callbacks, KillAfterFirstCheckpoint()], **kwargs)

    monkeypatch.setattr(sft, "build_trainer", with_kill)
    with pytest.raises(Killed):
        sft.main([])
    monkeypatch.setattr(sft, "build_trainer", build)


def resumed_from(folder: Path) -> int:
    """The step the last run resumed from, in its timings (train.json is the same either way)."""
    return json.loads((folder / "reports/timings/sft.json").read_text())["resumed_from_step"]


def test_a_killed_run_resumes_from_its_checkpoint(in_tmp, tiny_lm, monkeypatch):
    write_sft_data(in_tmp)
    write_sft_params(in_tmp, tiny_lm, checkpoint_steps=4)
    _killed_run(monkeypatch)
    assert not (in_tmp / sft.OUT_DIR).exists()  # nothing half-written
    assert (in_tmp / sft.CHECKPOINTS / "checkpoint-4").is_dir()

    # logging does not change the training
    write_sft_params(in_tmp, tiny_lm, checkpoint_steps=4, logging_steps=2)
    sft.main([])
    report = json.loads((in_tmp / sft.REPORT).read_text())
    assert resumed_from(in_tmp) == 4 and report["steps"] == 6
    rows = list(csv.DictReader(open(in_tmp / sft.LOSS_CURVE)))
    # the checkpoint's history, then this run's (the Trainer keeps the checkpoint's logging steps)
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert (in_tmp / sft.OUT_DIR / "model.safetensors").is_file()


def test_a_resumed_run_reports_the_figures_of_an_uninterrupted_one(tmp_path, tiny_lm, monkeypatch):
    """train_loss and the loss curve, with a checkpoint step (4) that is not a logging step (3)."""
    figures = {}
    for name in ("uninterrupted", "resumed"):
        folder = tmp_path / name
        folder.mkdir()
        monkeypatch.chdir(folder)
        write_sft_data(folder)
        write_sft_params(folder, tiny_lm, epochs=2, checkpoint_steps=4, logging_steps=3)
        if name == "resumed":
            _killed_run(monkeypatch)
        sft.main([])
        report = json.loads((folder / sft.REPORT).read_text())
        figures[name] = report, (folder / sft.LOSS_CURVE).read_text()
        assert resumed_from(folder) == (4 if name == "resumed" else 0) and report["steps"] == 12
    # the whole report (a DVC output) and the curve are those of the uninterrupted run
    assert figures["resumed"] == figures["uninterrupted"]
    rows = list(csv.DictReader(figures["resumed"][1].splitlines()))
    assert [int(r["step"]) for r in rows] == [3, 4, 6, 8, 9, 12]  # every 3rd step, and each checkpoint's
    losses = [float(r["loss"]) for r in rows]
    spans = [3, 1, 2, 2, 1, 3]  # the steps each logged loss averages
    mean = sum(loss * n for loss, n in zip(losses, spans, strict=True)) / 12
    assert figures["resumed"][0]["train_loss"] == pytest.approx(mean, abs=2e-4)


def test_a_changed_setting_starts_afresh(in_tmp, tiny_lm, monkeypatch, capsys):
    write_sft_data(in_tmp)
    write_sft_params(in_tmp, tiny_lm, checkpoint_steps=4)
    _killed_run(monkeypatch)
    write_sft_params(in_tmp, tiny_lm, checkpoint_steps=4, learning_rate=0.02)
    sft.main([])
    assert "starting afresh" in capsys.readouterr().out
    report = json.loads((in_tmp / sft.REPORT).read_text())
    assert resumed_from(in_tmp) == 0 and report["steps"] == 6


def test_changed_data_invalidates_checkpoints(in_tmp, tiny_lm):
    from stages.core.params import load_params

    write_sft_data(in_tmp)
    write_sft_params(in_tmp, tiny_lm)
    folder = in_tmp / sft.CHECKPOINTS
    sft.prepare_checkpoints(folder, sft.fingerprint(load_params()))
    (folder / "checkpoint-2").mkdir()
    (folder / "checkpoint-2" / "trainer_state.json").write_text("{}")
    assert sft.prepare_checkpoints(folder, sft.fingerprint(load_params())).endswith("checkpoint-2")
    write_sft_data(in_tmp, count=20)
    assert sft.prepare_checkpoints(folder, sft.fingerprint(load_params())) is None
    assert not (folder / "checkpoint-2").exists()


def test_sigkill_mid_training_resumes_from_the_last_whole_checkpoint(in_tmp, tiny_lm):
    """A real kill (SIGKILL, after the first checkpoint), then the next run, as under `dvc repro`."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from .conftest import ROOT

    write_sft_data(in_tmp)
    write_sft_params(in_tmp, tiny_lm, epochs=20, checkpoint_steps=2)  # 120 steps: the kill lands mid-training
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    running = subprocess.Popen([sys.executable, "-m", "stages.sft"], cwd=in_tmp, env=env)
    folder = in_tmp / sft.CHECKPOINTS
    while running.poll() is None and not any(folder.glob("checkpoint-*/trainer_state.json")):
        time.sleep(0.01)
    running.send_signal(signal.SIGKILL)
    assert running.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (in_tmp / sft.OUT_DIR).exists()
    (folder / "checkpoint-9998").mkdir()  # what a kill during a checkpoint's save leaves
    (folder / "checkpoint-9998" / "model.safetensors").write_bytes(b"cut")
    whole = sft.last_complete_checkpoint(folder)
    assert whole is not None and not (folder / "checkpoint-9998").exists()
    step = int(whole.rsplit("-", 1)[1])

    subprocess.run([sys.executable, "-m", "stages.sft"], cwd=in_tmp, env=env, check=True)
    report = json.loads((in_tmp / sft.REPORT).read_text())
    assert resumed_from(in_tmp) == step > 0 and report["steps"] == 120
    assert (in_tmp / sft.OUT_DIR / "model.safetensors").is_file()

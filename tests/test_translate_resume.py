"""The translate stage killed with SIGKILL at random moments resumes to a byte-identical output."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stages import translate
from stages.core.io import read_jsonl
from stages.embedded.marian import build_tiny_marian

from .conftest import ROOT
from .helpers import write_lines, write_params

EN = ["The dog sleeps.", "The cat eats.", "The bird sings.", "The dog eats."]
DE = ["Der Hund schläft.", "Die Katze isst.", "Der Vogel singt.", "Der Hund isst."]
ES = ["El perro duerme.", "El gato come.", "El pájaro canta.", "El perro come."]
ANIMALS = ["dog", "cat", "bird", "fish", "horse", "cow", "mouse", "fox"]
VERBS = ["sleeps", "eats", "sings", "runs", "swims", "jumps", "reads", "waits"]


@pytest.fixture(scope="module")
def translators(tmp_path_factory):
    root = tmp_path_factory.mktemp("translators")
    build_tiny_marian(root / "opus-mt-en-de", EN * 10, DE * 10, seed=0, steps=30)
    build_tiny_marian(root / "opus-mt-es-en", ES * 10, EN * 10, seed=0, steps=30)
    return root


def _messages(count: int) -> list[dict]:
    """Many distinct multi-line messages, some repeated, some already German, some Spanish."""
    rng = random.Random(0)
    messages = []
    for index in range(count):
        sentences = [
            f"The {rng.choice(ANIMALS)} {rng.choice(VERBS)} {rng.choice(ANIMALS)}."
            for _ in range(rng.randint(1, 4))
        ]
        text = " ".join(sentences) + "\n\n" + f"The {rng.choice(ANIMALS)} {rng.choice(VERBS)}."
        lang = "es" if index % 7 == 0 else "de" if index % 11 == 0 else "en"
        if lang == "es":
            text = "El perro duerme.\nEl gato come."
        messages.append(
            {
                "message_id": f"m{index}",
                "parent_id": None,
                "text": text if index % 13 else "The dog sleeps.",
                "role": "prompter",
                "lang": lang,
                "message_tree_id": f"m{index}",
                "rank": None,
            }
        )
    return messages


def _setup(folder: Path, root: Path, messages: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_lines(folder / "oasst.jsonl", [json.dumps(m) for m in messages])
    alpaca = [{"instruction": "The cat eats.", "input": "", "output": "The bird sings the dog."}]
    (folder / "alpaca.json").write_text(json.dumps(alpaca))
    # A small budget makes many batches, so that kills land between and inside shard writes.
    write_params(
        folder,
        translate={
            "model_root": str(root),
            "oasst": "oasst.jsonl",
            "alpaca": "alpaca.json",
            "batch_tokens": 48,
            "max_new_tokens_ratio": 2.0,
        },
    )


def _start(folder: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.Popen(
        [sys.executable, "-m", "stages.translate"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _shard_lines(folder: Path) -> int:
    return sum(
        path.read_bytes().count(b"\n")
        for path in (folder / "data/translate_checkpoints").glob("*/shard-*.jsonl")
    )


def _run_to_end(folder: Path) -> None:
    process = _start(folder)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr.decode()[-2000:]


def _kill_after(folder: Path, lines: int) -> int:
    """SIGKILL the stage once its shards hold `lines` whole lines; returns how many they held then."""
    process = _start(folder)
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if (folder / "data/translate_checkpoints").is_dir() and _shard_lines(folder) >= lines:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return _shard_lines(folder)


def test_killed_runs_resume_to_the_uninterrupted_output(tmp_path, translators):
    messages = _messages(160)
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    _setup(reference, translators, messages)
    _setup(resumed, translators, messages)
    _run_to_end(reference)
    total = _shard_lines(reference)
    assert total > 20

    rng = random.Random(4)
    held = 0
    for target in sorted(rng.sample(range(2, total - 2), 3)):
        held = _kill_after(resumed, target)
        assert not (resumed / "data/translated").exists()  # nothing final before the end
    # A kill in the middle of a shard line leaves a cut line: write one, cut at a random byte.
    shard = sorted((resumed / "data/translate_checkpoints").glob("*/shard-0.jsonl"))[-1]
    whole = shard.read_bytes().splitlines(keepends=True)[0]
    with open(shard, "ab") as stream:
        stream.write(whole[: rng.randrange(1, len(whole) - 1)])
    assert 0 < held < total
    _run_to_end(resumed)

    for name in ("oasst.jsonl", "alpaca.jsonl"):
        expected = (reference / "data/translated" / name).read_bytes()
        assert (resumed / "data/translated" / name).read_bytes() == expected
    # Nothing lost (LLaMa2lang's final write kept only its last batch), nothing skipped or duplicated
    # (its resume skipped one record), and no finished batch translated twice.
    out = read_jsonl(resumed / "data/translated/oasst.jsonl")
    assert [m["message_id"] for m in out] == [m["message_id"] for m in messages]
    assert all(m["lang"] == "de" and m["text"] for m in out)
    batches = [
        json.loads(line)["batch"]
        for path in (resumed / "data/translate_checkpoints").glob("*/shard-*.jsonl")
        for line in path.read_bytes().splitlines()
        if line.endswith(b"}")
    ]
    folders = list((resumed / "data/translate_checkpoints").iterdir())
    assert len(batches) == total and len(folders) == len(
        list((reference / "data/translate_checkpoints").iterdir())
    )


def test_changed_weights_under_the_same_name_invalidate_the_checkpoints(
    in_tmp, tmp_path_factory, translators
):
    retrained = tmp_path_factory.mktemp("retrained")
    build_tiny_marian(retrained / "opus-mt-en-de", EN * 10, DE * 10, seed=1, steps=40)
    build_tiny_marian(retrained / "opus-mt-es-en", ES * 10, EN * 10, seed=1, steps=40)
    messages = _messages(30)
    fresh = in_tmp / "fresh"
    _setup(fresh, retrained, messages)
    os.chdir(fresh)
    translate.main()
    expected = (fresh / "data/translated/oasst.jsonl").read_bytes()

    reused = in_tmp / "reused"
    shutil.copytree(translators, reused / "models")
    _setup(reused, reused / "models", messages)
    os.chdir(reused)
    translate.main()
    assert (reused / "data/translated/oasst.jsonl").read_bytes() != expected
    old = set((reused / "data/translate_checkpoints").iterdir())
    # The embedded stage rebuilds its translators in place: same paths, other weights.
    shutil.copytree(retrained, reused / "models", dirs_exist_ok=True)
    translate.main()
    assert (reused / "data/translated/oasst.jsonl").read_bytes() == expected
    assert old and not old & set((reused / "data/translate_checkpoints").iterdir())  # stale ones removed

"""Tests run offline, from the repository root, on small inputs they write themselves."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Workers share the cores: each gets its share of torch threads (the stages read OMP_NUM_THREADS), as
    # more threads than cores, spin-waiting in OpenMP, slow every worker down several times. (torchrun on
    # one node rendezvouses on a free port, so two workers' launched stages do not collide.)
    _workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _workers)))

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run a stage in an empty folder, as DVC would in a fresh workspace."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


TINY_TEXTS = [
    "The dog sleeps.",
    "Der Hund schläft.",
    "狗在睡觉。",
    "The cat eats.",
    "Die Katze isst.",
    "猫在吃。",
    "Translate the following sentences from English to German.",
    "Hello",
    "Hallo",
]


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory) -> Path:
    """A tiny Llama with the embedded stage's tokenizer, saved once per test session."""
    from stages.core.params import Embedded
    from stages.embedded import build_causal_lm, build_tokenizer, sample_texts

    folder = tmp_path_factory.mktemp("tiny_lm")
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        texts = sample_texts()[:3000] + TINY_TEXTS
    finally:
        os.chdir(old)
    tokenizer = build_tokenizer(texts, vocab_size=600)
    config = Embedded(
        vocab_size=600,
        hidden_size=32,
        intermediate_size=64,
        layers=1,
        heads=2,
        max_positions=256,
        translator_steps=0,
        translators={},
    )
    build_causal_lm(tokenizer, config, seed=0).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def pytest_collection_modifyitems(config, items) -> None:
    """`network` tests run only when the hub may be reached; `gpu` tests only with a CUDA device."""
    import torch

    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    for item in items:
        if offline and "network" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs the network (HF_HUB_OFFLINE=1)"))
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(pytest.mark.skip(reason="needs a CUDA GPU"))


@pytest.fixture(autouse=True)
def _own_mlflow_store(monkeypatch) -> None:
    """mlflow.set_tracking_uri exports MLFLOW_TRACKING_URI: one test's store must not be the next one's."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")  # recorded as absent, so teardown removes it again
    monkeypatch.delenv("MLFLOW_TRACKING_URI")

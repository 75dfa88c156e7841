"""COMET scoring through the real unbabel-comet code path.

`comet_scores` is what scoring calls. It accepts a hub id ("Unbabel/wmt22-comet-da", needs the network or
a warm HF cache) or a local checkpoint, such as the tiny offline model the `embedded` stage builds
(stages/embedded/comet.py).

comet is imported lazily: it pulls in torch, Lightning and pandas, and importing it calls
`logging.basicConfig(level=INFO)`, which we undo so the pipeline's own logging setup wins.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from comet.models import CometModel


# Lightning chatter (GPU/TPU availability, "litmodels" tips, dataloader worker hints) on every predict.
_NOISY_LOGGERS = ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric")
_NOISY_WARNINGS = (
    r".*pkg_resources is deprecated.*",  # torchmetrics (at import) and comet.load_from_checkpoint
    r".*isinstance\(treespec, LeafSpec\).*",  # Lightning's predict loop vs torch 2.13
    r".*does not have many workers.*",
    r".*`srun` command is available.*",
)


@contextmanager
def quiet() -> Iterator[None]:
    """Silence Lightning's per-call info logs and known-harmless warnings, restoring them afterwards."""
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            for message in _NOISY_WARNINGS:
                warnings.filterwarnings("ignore", message=message)
            yield
    finally:
        for lg, lvl in zip(loggers, levels, strict=True):
            lg.setLevel(lvl)


def import_comet() -> ModuleType:
    """Import comet without letting its `logging.basicConfig(level=INFO)` reconfigure the root logger."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with quiet():
        import comet

    root.handlers[:] = handlers
    root.setLevel(level)
    return comet


def _checkpoint_path(model: str) -> Path:
    """A .ckpt, a COMET run folder (with checkpoints/model.ckpt), or a hub id via comet.download_model."""
    path = Path(model)
    if path.is_file():
        return path.resolve()
    if (path / "checkpoints" / "model.ckpt").is_file():
        return (path / "checkpoints" / "model.ckpt").resolve()
    # Hub ids are "name" or "owner/name". Anything else is a missing local path: don't let comet turn it
    # into a hub lookup (its fallback also creates ~/.cache/torch/unbabel_comet and hides the cause).
    if path.exists() or model.count("/") > 1 or model.startswith((".", "/", "~")) or model.endswith(".ckpt"):
        raise FileNotFoundError(
            f"no COMET checkpoint at {model} (expected a .ckpt or <dir>/checkpoints/model.ckpt)"
        )
    return _download(model)


@cache
def _download(model_id: str) -> Path:
    """Hub id -> local .ckpt, once per process: comet.download_model asks the hub on every call."""
    with quiet():
        try:
            return Path(import_comet().download_model(model_id))  # needs the network or a warm HF cache
        except KeyError as err:  # comet's message ("not supported by COMET") hides offline/cache misses
            raise KeyError(
                f"{model_id!r} is no local checkpoint and could not be fetched from the hub "
                "(offline with HF_HUB_OFFLINE=1 and not in the HF cache, or no such COMET model)"
            ) from err


@lru_cache(maxsize=4)
def _load_model(ckpt: Path, mtime_ns: int) -> CometModel:
    """Load once per process (real COMET checkpoints are GBs: wmt22-comet-da is XLM-R large).

    Keyed on the absolute path and its mtime, so a checkpoint rebuilt in place is not served stale.
    """
    hparams_file = ckpt.parents[1] / "hparams.yaml"  # where comet.load_from_checkpoint looks too
    hparams = yaml.safe_load(hparams_file.read_text()) if hparams_file.is_file() else {}
    encoder = str(hparams.get("pretrained_model", ""))
    local_encoder = Path(encoder).is_dir()
    if not local_encoder and (ckpt.parents[1] / "encoder").is_dir():
        # A build_tiny_comet model loaded from another cwd: transformers would take the missing folder
        # for a hub id and try to download it.
        raise FileNotFoundError(
            f"{ckpt}: encoder folder {encoder!r} (relative to the working directory) not found; "
            "load tiny COMET models from the directory they were built from (the repo root)"
        )
    with quiet():
        loaded = import_comet().load_from_checkpoint(str(ckpt), local_files_only=local_encoder)
    loaded.eval()
    return loaded


def needs_reference(model: CometModel) -> bool:
    """False for reference-free models: ReferencelessRegression, and UnifiedMetric without `ref` (Kiwi)."""
    if type(model).__name__ == "ReferencelessRegression":
        return False
    return "ref" in model.hparams.get("input_segments", ["ref"])


def comet_scores(
    model: str,
    sources: list[str],
    hypotheses: list[str],
    references: list[str] | None,
    batch_size: int = 64,
    gpus: int = 0,
) -> tuple[float, list[float]]:
    """Score hypotheses with a COMET model; returns (system score, one score per segment).

    `references` None scores without them, for reference-free models such as COMET-Kiwi.

    `model` is a .ckpt, a folder holding checkpoints/model.ckpt (e.g. from `build_tiny_comet`), or a hub
    id such as "Unbabel/wmt22-comet-da" (downloaded to the HF cache on first use). The system score is
    the mean of the segment scores, as COMET defines it. Loaded models are cached per process.

    Prediction runs without a progress bar and with Lightning's logger off (comet's own Trainer), so
    nothing is written to disk; gpus=0 forces the CPU.
    """
    if not len(sources) == len(hypotheses) == len(references if references is not None else sources):
        raise ValueError(
            f"length mismatch: {len(sources)} sources, {len(hypotheses)} hypotheses, "
            f"{len(references or [])} references"
        )
    if not sources:
        raise ValueError("nothing to score")
    samples = [{"src": s, "mt": h} for s, h in zip(sources, hypotheses, strict=True)]
    if references is not None:
        samples = [sample | {"ref": ref} for sample, ref in zip(samples, references, strict=True)]
    with quiet():
        ckpt = _checkpoint_path(model)
        loaded = _load_model(ckpt, ckpt.stat().st_mtime_ns)
        if references is None and needs_reference(loaded):
            raise ValueError(f"COMET model {model} scores against references, and none were given")
        output = loaded.predict(samples, batch_size=batch_size, gpus=gpus, progress_bar=False)
    scores = [float(s) for s in output.scores]
    return float(output.system_score), scores

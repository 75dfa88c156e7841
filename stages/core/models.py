"""Loading causal LMs and their tokenizers, by hub id or local path, full weights or PEFT adapter."""

import json
import os
from pathlib import Path

import torch


def device() -> torch.device:
    """This process's GPU (one per process under torchrun: LOCAL_RANK), else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device("cpu")


def is_adapter(name_or_path: str) -> bool:
    return (Path(name_or_path) / "adapter_config.json").exists()


def adapter_base(adapter_path: str) -> str:
    """The base model a PEFT adapter was trained on, as its adapter_config.json names it."""
    config = json.loads((Path(adapter_path) / "adapter_config.json").read_text(encoding="utf-8"))
    return config["base_model_name_or_path"]


PICKLE_KEY = "base.allow_pickle_weights"
PICKLED = ("pytorch_model*.bin", "adapter_model.bin", "*.pt", "*.pth")


def pretrained(loader, name_or_path: str, allow_pickle: bool = False, **kwargs):
    """`loader.from_pretrained(name_or_path, **kwargs)` reading safetensors weights only, unless pickle
    weights (`.bin`) are allowed: unpickling can run code, and torch's `weights_only` guard is then all
    that stops it. Every model this project loads comes through here."""
    if allow_pickle:
        return loader.from_pretrained(name_or_path, **kwargs)
    from .io import InputError

    folder = Path(name_or_path)
    if folder.is_dir() and not any(folder.glob("*.safetensors")):
        pickled = sorted(path.name for pattern in PICKLED for path in folder.glob(pattern))
        if pickled:
            raise InputError(
                str(folder),
                f"{pickled[0]}: pickle weights are not loaded; convert them to safetensors "
                f"(save_pretrained(..., safe_serialization=True)) or set {PICKLE_KEY}: true",
            )
    try:
        return loader.from_pretrained(name_or_path, use_safetensors=True, **kwargs)
    except OSError as error:
        if "safetensors" not in str(error):
            raise
        raise InputError(name_or_path, f"no safetensors weights; {PICKLE_KEY}: true loads .bin") from None


def infer_model_path(name: str, params) -> str:
    """A model of the infer matrix: `base` is the base model as params name it (hub id or path); any other
    name a folder under models/ (a full model or a PEFT adapter)."""
    if name == "base":
        return params.base.model
    folder = Path("models") / name
    if not folder.is_dir():
        from .io import InputError

        raise InputError(
            folder, f"no model folder for infer model {name!r} (put a model or PEFT adapter there)"
        )
    return str(folder)


def has_tokenizer(folder: str) -> bool:
    return any((Path(folder) / name).exists() for name in ("tokenizer.json", "tokenizer_config.json"))


def load_tokenizer(name_or_path: str, trust_remote_code: bool = False, padding_side: str = "left"):
    """Left padding: generation appends to the right of every prompt in a batch.

    An adapter saved without its tokenizer uses its base model's.
    """
    from transformers import AutoTokenizer

    if is_adapter(name_or_path) and not has_tokenizer(name_or_path):
        name_or_path = adapter_base(name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(name_or_path, trust_remote_code=trust_remote_code)
    tokenizer.padding_side = padding_side
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(
    name_or_path: str, trust_remote_code: bool = False, dtype: str = "auto", allow_pickle: bool = False
):
    """A model ready for generation; a PEFT adapter folder is loaded on its base model."""
    torch_dtype = torch.float32 if dtype == "auto" and device().type == "cpu" else dtype
    if is_adapter(name_or_path):
        from peft import AutoPeftModelForCausalLM as loader
    else:
        from transformers import AutoModelForCausalLM as loader
    model = pretrained(
        loader, name_or_path, allow_pickle, dtype=torch_dtype, trust_remote_code=trust_remote_code
    )
    return model.to(device()).eval()


def merge_adapter(
    adapter: str | os.PathLike, target: str | os.PathLike, trust_remote_code: bool, allow_pickle: bool = False
) -> None:
    """The adapter merged into an unquantised copy of its base: a plain model for tools without PEFT."""
    from peft import AutoPeftModelForCausalLM

    model = pretrained(
        AutoPeftModelForCausalLM,
        str(adapter),
        allow_pickle,
        dtype=torch.float32,
        trust_remote_code=trust_remote_code,
    )
    model.merge_and_unload().save_pretrained(target, safe_serialization=True)

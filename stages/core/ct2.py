"""CTranslate2: a model converted once, then decoded by CTranslate2 instead of Transformers.

Seq2seq translators (`translate.backend`) and causal LMs (`infer.backend`, and `translate.backend` for the
`llm` engine) alike: the model is converted from its safetensors weights (a PEFT adapter merged into its
base first) into a folder named by the weights' fingerprint and the compute type, once. Decoding a causal
LM stays on generation.py's one path: the same prompts and token ids, settings, stop tokens and decoding
of the new tokens; only `CTranslate2Model.generate` runs the decoder.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

from .io import InputError, atomic_path
from .params import PARAMS_FILE


def model_identity(name: str) -> str:
    """What names a model's exact weights: a digest of a local folder's files, else the hub id.

    A folder rebuilt under the same name (the embedded translators, models/sft) must not reuse old copies.
    """
    folder = Path(name)
    if not folder.is_dir():
        return name
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def converted_folder(model: str, cache: Path, compute_type: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(model).name)
    return cache / f"{slug}-{model_identity(model)[:16]}-{compute_type}"


def threads() -> int:
    """As many threads as torch uses, so that the two backends compare on equal terms."""
    import torch

    return torch.get_num_threads()


def convert(
    model: str,
    out: Path,
    compute_type: str,
    allow_pickle: bool = False,
    trust_remote_code: bool = False,
    key: str = "infer.backend",
) -> None:
    """`model` (hub id or folder; an adapter is merged into its base first) converted into `out`, atomically.
    A model class CTranslate2 cannot convert stops with one line naming `key`."""
    from ctranslate2.converters import TransformersConverter

    from .models import is_adapter, merge_adapter, pretrained

    class Converter(TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            return pretrained(model_class, model_name_or_path, allow_pickle, **kwargs)

    # "default" keeps the weights' own type; the compute type can still change at load time.
    quantization = None if compute_type == "default" else compute_type
    with atomic_path(out) as tmp, tempfile.TemporaryDirectory(dir=out.parent) as merged:
        source = model
        if is_adapter(model):
            merge_adapter(model, merged, trust_remote_code, allow_pickle)
            from .models import load_tokenizer

            load_tokenizer(model, trust_remote_code).save_pretrained(merged)
            source = merged
        try:
            Converter(source, trust_remote_code=trust_remote_code).convert(
                str(tmp), quantization=quantization, force=True
            )
        except (ValueError, NotImplementedError) as error:  # its loaders name the classes they know
            message = str(error).splitlines()[0]
            raise InputError(
                PARAMS_FILE, f"{key}: CTranslate2 cannot convert {model}: {message}", key=key
            ) from None


def converted(model: str, cache: Path, compute_type: str, allow_pickle: bool = False, **kwargs) -> Path:
    """The folder of `model` converted for `compute_type` under `cache`, converted now if not yet."""
    folder = converted_folder(model, cache, compute_type)
    if not (folder / "model.bin").exists():
        cache.mkdir(parents=True, exist_ok=True)
        convert(model, folder, compute_type, allow_pickle, **kwargs)
    return folder


def load_translator(model: str, cache: Path, compute_type: str, allow_pickle: bool = False):
    """A CTranslate2 translator (seq2seq) for `model`, converted into `cache` once and reused."""
    import ctranslate2

    from .models import device

    folder = converted(model, cache, compute_type, allow_pickle, key="translate.backend")
    return ctranslate2.Translator(
        str(folder), device=device().type, compute_type=compute_type, intra_threads=threads()
    )


class CTranslate2Model:
    """A causal LM converted to CTranslate2, with the generation config of the model it came from (its end
    of turn), as generation.py needs of a model."""

    def __init__(self, folder: Path, source: str, compute_type: str = "default"):
        import ctranslate2
        from transformers import GenerationConfig

        from .models import adapter_base, device, is_adapter

        self.device = device()
        self.generator = ctranslate2.Generator(
            str(folder), device=self.device.type, compute_type=compute_type, intra_threads=threads()
        )
        try:
            self.generation_config = GenerationConfig.from_pretrained(source)
        except OSError:  # an adapter saved without one: its base's
            self.generation_config = GenerationConfig.from_pretrained(
                adapter_base(source) if is_adapter(source) else source
            )

    @staticmethod
    def reseed(seed: int) -> None:
        """CTranslate2's sampling has a generator of its own (torch.manual_seed does not reach it)."""
        import ctranslate2

        ctranslate2.set_random_seed(seed)

    def generate(self, ids: list[list[int]], tokenizer, generation, stop_ids: list[int]) -> list[list[int]]:
        """The new token ids after each prompt: greedy, beam or sampling search as `generation` says,
        stopping at `stop_ids` (not included)."""
        sampling = generation.do_sample
        results = self.generator.generate_batch(
            [tokenizer.convert_ids_to_tokens(row) for row in ids],
            max_length=generation.max_new_tokens,
            beam_size=generation.num_beams,
            repetition_penalty=generation.repetition_penalty,
            sampling_topk=0 if sampling else 1,  # 0: the whole distribution, cut by top_p
            sampling_topp=generation.top_p if sampling else 1.0,
            sampling_temperature=generation.temperature if sampling else 1.0,
            end_token=stop_ids,
            include_prompt_in_result=False,
            max_batch_size=len(ids),
        )
        return [result.sequences_ids[0] for result in results]

"""infer: one model x one hint over every test set, with the prompt built as at training.

Run as `python -m stages.infer --model {base,sft,<name>} --hint {none,no_errors,minor,major,preferred}`: one
DVC matrix cell loads its model once. Batches are sorted by length with left padding under a token
budget (`infer.batch_tokens`). Generation settings come from `infer.preset`, each key written in
params.yaml (not null) overriding the preset's. Writes data/hyps/<model>/<hint>/<testset>.jsonl ({id,
testset, model, hint, src_lang, tgt_lang, src, ref, refs (only with several references), prompt, raw,
hyp}), a plain <testset>.hyp, and settings.json with the resolved generation settings.
"""

import argparse
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import torch
from tqdm import tqdm

from stages.core.batching import token_batches
from stages.core.datasources import load_hf_dataset, reference_fields, sacrebleu_files
from stages.core.io import InputError, atomic_path, dumps, read_lines
from stages.core.models import load_causal_lm, load_tokenizer
from stages.core.params import load_params
from stages.core.prompts import (
    HINTS,
    INFERENCE_INSTRUCTION,
    inference_prompt,
    postprocess,
    render_instruction,
    with_hint,
)
from stages.core.team import Team, join_team

OUT_ROOT = Path("data/hyps")
ALONE = Team(rank=0, size=1)
MODELS = Path("models")


def model_path(name: str, params) -> str:
    """`base` is the base model as params name it (hub id or path); any other name a folder under models/."""
    if name == "base":
        return params.base.model
    folder = MODELS / name
    if not folder.is_dir():
        raise InputError(
            folder, f"no model folder for infer model {name!r} (put a model or PEFT adapter there)"
        )
    return str(folder)


@dataclass(frozen=True)
class Generation:
    """Resolved generation settings: what model.generate is given."""

    max_new_tokens: int
    num_beams: int
    do_sample: bool
    temperature: float  # used only when sampling
    top_p: float  # used only when sampling


# ParroT's inference.py: `--search-algorithm beam` (its default) is 4 beams, `sample` is nucleus sampling
# at temperature 0.1; both cap at 256 new tokens. Its beam config also carries temperature 0.1 and
# top_p 0.9, inert unless sampling is turned on, as they would be in ParroT.
PRESETS: dict[str, Generation] = {
    "greedy": Generation(max_new_tokens=256, num_beams=1, do_sample=False, temperature=1.0, top_p=1.0),
    "parrot_beam": Generation(max_new_tokens=256, num_beams=4, do_sample=False, temperature=0.1, top_p=0.9),
    "parrot_sample": Generation(max_new_tokens=256, num_beams=1, do_sample=True, temperature=0.1, top_p=0.9),
}
GENERATION_KEYS = tuple(field.name for field in fields(Generation))


def resolve_generation(config) -> Generation:
    """The preset's settings, with every key written in `infer` (not None) taking precedence."""
    explicit = {key: getattr(config, key) for key in GENERATION_KEYS if getattr(config, key) is not None}
    return replace(PRESETS[config.preset], **explicit)


@torch.inference_mode()
def generate(
    model,
    tokenizer,
    prompts: list[str],
    generation: Generation,
    batch_tokens: int,
    seed: int,
    team: Team = ALONE,
) -> list[str] | None:
    """The decoded new tokens of each prompt, in the prompts' order (on process 0; None on the others).

    With several processes each generates every size-th batch; a batch's outputs do not depend on which
    process made it (same batches, reseeded per batch), so any process count gives the same outputs.
    """
    lengths = [len(ids) for ids in tokenizer(prompts)["input_ids"]]
    batches = token_batches(lengths, batch_tokens)
    mine = [batches[i] for i in team.mine(len(batches))]
    outputs: dict[int, str] = {}
    with tqdm(total=sum(map(len, mine)), desc="infer", unit="sent", disable=not team.leader) as bar:
        for batch in mine:
            # Reseeded per batch: a batch's samples do not depend on how many batches came before.
            torch.manual_seed(seed)
            encoded = tokenizer(
                [prompts[i] for i in batch], return_tensors="pt", padding=True, return_token_type_ids=False
            ).to(model.device)
            generated = model.generate(
                **encoded,
                max_new_tokens=generation.max_new_tokens,
                num_beams=generation.num_beams,
                do_sample=generation.do_sample,
                # None when greedy: transformers warns about sampling settings it would ignore.
                temperature=generation.temperature if generation.do_sample else None,
                top_p=generation.top_p if generation.do_sample else None,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
            new_tokens = generated[:, encoded["input_ids"].shape[1] :]
            for index, text in zip(
                batch, tokenizer.batch_decode(new_tokens, skip_special_tokens=True), strict=True
            ):
                outputs[index] = text
            bar.update(len(batch))
    parts = team.gather(outputs)
    if parts is None:
        return None
    merged = {index: text for part in parts for index, text in part.items()}
    return [merged[index] for index in range(len(prompts))]


def _aligned_files(name: str, src, refs: list) -> tuple[list[str], list[list[str]]]:
    sources = read_lines(src)
    streams = [read_lines(path) for path in refs]
    for path, lines in zip(refs, streams, strict=True):
        if len(lines) != len(sources):
            raise InputError(path, f"{len(lines)} lines, but {src} has {len(sources)} (test set {name})")
    return sources, streams


def _text_streams(name: str, spec) -> tuple[list[str], list[list[str]]]:
    return _aligned_files(name, spec.src, spec.refs)


def _dataset_streams(name: str, spec) -> tuple[list[str], list[list[str]]]:
    records = load_hf_dataset(spec.path, spec.config, spec.split, key=f"infer.testsets.{name}")
    fields = [spec.src_field or spec.src_lang, *spec.refs]
    streams: list[list[str]] = [[] for _ in fields]
    for index, record in enumerate(records):
        # WMT-style sets on the hub keep both sides under `translation`.
        sides = record if fields[0] in record else record.get("translation") or {}
        for field, stream in zip(fields, streams, strict=True):
            if not isinstance(sides.get(field), str):
                raise InputError(
                    f"{spec.path}:{spec.split}:{index}", f"no text field {field!r} (test set {name})"
                )
            stream.append(sides[field])
    return streams[0], streams[1:]


def _sacrebleu_streams(name: str, spec) -> tuple[list[str], list[list[str]]]:
    files = sacrebleu_files(spec.path, spec.src_lang, spec.tgt_lang)
    wanted = spec.refs or reference_fields(files)
    unknown = [field for field in wanted if field not in files]
    if unknown:
        raise InputError(
            f"infer.testsets.{name}.ref_field",
            f"{', '.join(unknown)}: {spec.path} has {', '.join(reference_fields(files))}",
        )
    return _aligned_files(name, files["src"], [files[field] for field in wanted])


READERS = {"text": _text_streams, "datasets": _dataset_streams, "sacrebleu": _sacrebleu_streams}


def read_test_set(name: str, spec) -> tuple[list[str], list[list[str]]]:
    """Sources and reference streams (one list per reference, in order), all of the same length."""
    return READERS[spec.format](name, spec)


def hypothesis_record(
    name: str, index: int, spec, model_name: str, hint: str, src: str, refs: list[str], prompt: str, raw: str
) -> dict:
    """One hypothesis; `refs` only with several references, so single-reference records stay as they were."""
    record = {
        "id": f"{name}:{index + 1}",
        "testset": name,
        "model": model_name,
        "hint": hint,
        "src_lang": spec.src_lang,
        "tgt_lang": spec.tgt_lang,
        "src": src,
        "ref": refs[0],
    }
    if len(refs) > 1:
        record["refs"] = refs
    return record | {"prompt": prompt, "raw": raw, "hyp": postprocess(raw)}


def hypotheses(
    name: str, spec, model_name: str, hint: str, tokenizer, model, params, team: Team = ALONE
) -> list[dict] | None:
    """The test set's hypothesis records (on process 0; None on the others)."""
    sources, refs = read_test_set(name, spec)
    instruction = render_instruction(INFERENCE_INSTRUCTION, spec.src_lang, spec.tgt_lang)
    prompts = [
        inference_prompt(tokenizer, instruction, with_hint(src, HINTS[hint]), params.base.prompt_format)
        for src in sources
    ]
    config = params.infer
    raws = generate(
        model, tokenizer, prompts, resolve_generation(config), config.batch_tokens, params.base.seed, team
    )
    if raws is None:
        return None
    return [
        hypothesis_record(name, i, spec, model_name, hint, src, [stream[i] for stream in refs], prompt, raw)
        for i, (src, prompt, raw) in enumerate(zip(sources, prompts, raws, strict=True))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--hint", required=True, choices=list(HINTS))
    args = parser.parse_args()
    params = load_params()
    team = join_team()
    path = model_path(args.model, params)
    tokenizer = load_tokenizer(path, params.base.trust_remote_code)
    model = load_causal_lm(path, params.base.trust_remote_code)
    if not team.leader:  # generates its share; process 0 writes
        for name, spec in params.infer.testsets.items():
            hypotheses(name, spec, args.model, args.hint, tokenizer, model, params, team)
        team.leave()
        return
    started, count = time.perf_counter(), 0
    with atomic_path(OUT_ROOT / args.model / args.hint) as tmp:
        tmp.mkdir()
        for name, spec in params.infer.testsets.items():
            records = hypotheses(name, spec, args.model, args.hint, tokenizer, model, params, team)
            (tmp / f"{name}.jsonl").write_text("".join(dumps(r) + "\n" for r in records), encoding="utf-8")
            (tmp / f"{name}.hyp").write_text("".join(r["hyp"] + "\n" for r in records), encoding="utf-8")
            count += len(records)
        config = params.infer
        settings = {
            "model": path,
            "hint": args.hint,
            "preset": config.preset,
            "batch_tokens": config.batch_tokens,
            **asdict(resolve_generation(config)),
        }
        (tmp / "settings.json").write_text(dumps(settings) + "\n", encoding="utf-8")
    team.leave()
    print(
        f"infer {args.model}/{args.hint}: {count} sentences, {count / (time.perf_counter() - started):.1f}/s"
    )


if __name__ == "__main__":
    main()

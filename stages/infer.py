"""infer: one model x one hint over every test set, with the prompt built as at training.

Run as `python -m stages.infer --model {base,sft} --hint {none,no_errors,minor,major,preferred}`: one
DVC matrix cell loads its model once. Batches are sorted by length with left padding under a token
budget. Writes data/hyps/<model>/<hint>/<testset>.jsonl ({id, testset, model, hint, src_lang, tgt_lang,
src, ref, prompt, raw, hyp}), a plain <testset>.hyp, and settings.json with the generation settings.
"""

import argparse
import time
from pathlib import Path

import torch
from tqdm import tqdm

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

OUT_ROOT = Path("data/hyps")
SFT_MODEL = "models/sft"


def model_path(name: str, params) -> str:
    return params.base.model if name == "base" else SFT_MODEL


def length_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices sorted by length, longest first, so each batch pads little and OOM shows early."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


@torch.inference_mode()
def generate(model, tokenizer, prompts: list[str], config, seed: int) -> list[str]:
    lengths = [len(ids) for ids in tokenizer(prompts)["input_ids"]]
    outputs: list[str] = [""] * len(prompts)
    with tqdm(total=len(prompts), desc="infer", unit="sent") as bar:
        for batch in length_batches(lengths, config.batch_size):
            torch.manual_seed(seed)
            encoded = tokenizer(
                [prompts[i] for i in batch], return_tensors="pt", padding=True, return_token_type_ids=False
            ).to(model.device)
            generated = model.generate(
                **encoded,
                max_new_tokens=config.max_new_tokens,
                num_beams=config.num_beams,
                do_sample=config.do_sample,
                temperature=config.temperature if config.do_sample else None,
                top_p=config.top_p if config.do_sample else None,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
            new_tokens = generated[:, encoded["input_ids"].shape[1] :]
            for index, text in zip(
                batch, tokenizer.batch_decode(new_tokens, skip_special_tokens=True), strict=True
            ):
                outputs[index] = text
            bar.update(len(batch))
    return outputs


def hypotheses(name: str, spec, model_name: str, hint: str, tokenizer, model, params) -> list[dict]:
    sources, refs = read_lines(spec.src), read_lines(spec.ref)
    if len(sources) != len(refs):
        raise InputError(spec.ref, f"{len(refs)} lines, but {spec.src} has {len(sources)} (test set {name})")
    instruction = render_instruction(INFERENCE_INSTRUCTION, spec.src_lang, spec.tgt_lang)
    prompts = [
        inference_prompt(tokenizer, instruction, with_hint(src, HINTS[hint]), params.base.prompt_format)
        for src in sources
    ]
    raws = generate(model, tokenizer, prompts, params.infer, params.base.seed)
    return [
        {
            "id": f"{name}:{i + 1}",
            "testset": name,
            "model": model_name,
            "hint": hint,
            "src_lang": spec.src_lang,
            "tgt_lang": spec.tgt_lang,
            "src": src,
            "ref": ref,
            "prompt": prompt,
            "raw": raw,
            "hyp": postprocess(raw),
        }
        for i, (src, ref, prompt, raw) in enumerate(zip(sources, refs, prompts, raws, strict=True))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--hint", required=True, choices=list(HINTS))
    args = parser.parse_args()
    params = load_params()
    path = model_path(args.model, params)
    tokenizer = load_tokenizer(path, params.base.trust_remote_code)
    model = load_causal_lm(path, params.base.trust_remote_code)
    started, count = time.perf_counter(), 0
    with atomic_path(OUT_ROOT / args.model / args.hint) as tmp:
        tmp.mkdir()
        for name, spec in params.infer.testsets.items():
            records = hypotheses(name, spec, args.model, args.hint, tokenizer, model, params)
            (tmp / f"{name}.jsonl").write_text("".join(dumps(r) + "\n" for r in records), encoding="utf-8")
            (tmp / f"{name}.hyp").write_text("".join(r["hyp"] + "\n" for r in records), encoding="utf-8")
            count += len(records)
        settings = {"model": path, "hint": args.hint, **params.infer.model_dump(exclude={"testsets"})}
        (tmp / "settings.json").write_text(dumps(settings) + "\n", encoding="utf-8")
    print(
        f"infer {args.model}/{args.hint}: {count} sentences, {count / (time.perf_counter() - started):.1f}/s"
    )


if __name__ == "__main__":
    main()

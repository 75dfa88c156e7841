"""Benchmark: lingtune's inference against ParroT's inference loop, same model, same prompts.

`python -m benchmarks.infer [--repeat 8]` translates data/sample/test/test.en-de.en (en->de, no hint)
with greedy decoding, in one run: as ParroT's inference.py does (input order, fixed batches of 2, its
default; the whole sequence decoded, then cut at the response marker); with lingtune's one generation path,
`stages.core.generation.generate_all` (length-sorted batches under `infer.batch_tokens`) on Transformers; and
on the same path with the model converted to CTranslate2 (`infer.backend: ctranslate2`), in float32 and
int8. Writes reports/bench/infer.json: sentences/s of each, the BLEU of each and how many outputs differ
from lingtune's Transformers greedy output; `ratio` (the fastest lingtune row whose outputs equal ParroT's
or whose BLEU is within 0.5 of it, over ParroT-style) and `ctranslate2_ratio` (CTranslate2 float32 over
Transformers, both lingtune's).
"""

import argparse
import os
import platform
import shutil
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch

from stages.core import ct2
from stages.core.batching import token_batches
from stages.core.generation import PRESETS, Generation, generate_all
from stages.core.io import read_lines, write_json
from stages.core.metrics import corpus_scores
from stages.core.models import load_causal_lm, load_tokenizer
from stages.core.params import load_params
from stages.core.prompts import (
    INFERENCE_INSTRUCTION,
    RESPONSE_MARKER,
    inference_prompt,
    postprocess,
    render_instruction,
)
from stages.infer import generation_settings

SRC, REF, SRC_LANG, TGT_LANG = "data/sample/test/test.en-de.en", "data/sample/test/test.en-de.de", "en", "de"
MODELS = ("models/sft", "models/base")  # the fine-tuned model if built, else the untrained one
PARROT_BATCH = 2  # inference.py's --batch default
OUT = Path("reports/bench/infer.json")


def pick_model(candidates: tuple[str, ...] = MODELS) -> str:
    for path in candidates:
        if Path(path).is_dir():
            return path
    raise SystemExit(f"benchmarks.infer: none of {', '.join(candidates)} exists; run `dvc repro` first")


@torch.inference_mode()
def parrot_style(
    model, tokenizer, prompts: list[str], generation: Generation, batch: int, seed: int
) -> list[str]:
    """ParroT's inference.py loop, minus its CUDA/fp16 specifics: decoded full sequences, in input order."""
    torch.manual_seed(seed)
    decoded: list[str] = []
    for start in range(0, len(prompts), batch):
        encoded = tokenizer(prompts[start : start + batch], padding=True, return_tensors="pt").to(
            model.device
        )
        input_ids, attention_mask = encoded.input_ids, encoded.attention_mask
        # ParroT drops a trailing EOS the tokenizer may add (a no-op for tokenizers that add none).
        if input_ids[0, -1] == tokenizer.eos_token_id:
            input_ids, attention_mask = input_ids[:, :-1], attention_mask[:, :-1]
        generated = model.generate(
            input_ids=input_ids,
            attention_mask=attention_mask,
            max_new_tokens=generation.max_new_tokens,
            num_beams=generation.num_beams,
            do_sample=generation.do_sample,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        decoded.extend(tokenizer.batch_decode(generated, skip_special_tokens=True))
    return decoded


def timed(run) -> tuple[list[str], float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def side(hyps: list[str], refs: list[str], seconds: float) -> dict:
    return {
        "seconds": round(seconds, 3),
        "sentences_per_s": round(len(hyps) / seconds, 2),
        "bleu": corpus_scores(hyps, [refs], TGT_LANG)["bleu"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=8, help="test set repetitions, for steadier timing (8)")
    args = parser.parse_args()
    params = load_params()
    path = pick_model()
    tokenizer = load_tokenizer(path, params.base.trust_remote_code)
    model = load_causal_lm(path, params.base.trust_remote_code)
    # Greedy on all sides whatever the preset in params.yaml, with the pipeline's length cap.
    generation = replace(PRESETS["greedy"], max_new_tokens=generation_settings(params.infer).max_new_tokens)
    batch_tokens, seed = params.infer.batch_tokens, params.base.seed

    instruction = render_instruction(INFERENCE_INSTRUCTION, SRC_LANG, TGT_LANG)
    sources, refs = read_lines(SRC) * args.repeat, read_lines(REF) * args.repeat
    prompts = [inference_prompt(tokenizer, instruction, src, params.base.prompt_format) for src in sources]
    templated = params.base.prompt_format == "chat"
    scratch = Path(tempfile.mkdtemp(prefix="bench-infer-"))
    engines = {"transformers": model}
    for compute_type in ("default", "int8"):  # converted as the convert stage converts
        ct2.convert(path, scratch / compute_type, compute_type)
        engines[f"ctranslate2_{compute_type}"] = ct2.CTranslate2Model(
            scratch / compute_type, path, compute_type
        )

    def ours_run(engine, batch: list[str]) -> list[str]:
        return generate_all(engine, tokenizer, batch, generation, templated, batch_tokens, seed)

    for engine in engines.values():  # warm-up (first-call allocations, lazy imports): no side pays for them
        ours_run(engine, prompts[:2])
    parrot_raw, parrot_s = timed(
        lambda: parrot_style(model, tokenizer, prompts, generation, PARROT_BATCH, seed)
    )
    # ParroT decodes the whole sequence and keeps what follows its prompt's response marker
    parrot_hyps = [postprocess(text.split(RESPONSE_MARKER, 1)[1]) for text in parrot_raw]
    parrot = side(parrot_hyps, refs, parrot_s) | {"batch_size": PARROT_BATCH, "order": "input"}
    lengths = [len(ids) for ids in tokenizer(prompts)["input_ids"]]
    rows, hyps = {}, {}
    for name, engine in engines.items():
        raw, seconds = timed(lambda engine=engine: ours_run(engine, prompts))
        hyps[name] = [postprocess(text) for text in raw]
        rows[name] = side(hyps[name], refs, seconds) | {
            "batch_tokens": batch_tokens,
            "batches": len(token_batches(lengths, batch_tokens)),
            "order": "longest first",
        }
    shutil.rmtree(scratch, ignore_errors=True)
    for name, row in rows.items():
        row["differing_from_transformers"] = sum(
            a != b for a, b in zip(hyps[name], hyps["transformers"], strict=True)
        )
        row["bleu_diff_from_parrot_style"] = round(row["bleu"] - parrot["bleu"], 2)
        row["equivalent_to_parrot_style"] = (
            hyps[name] == parrot_hyps or abs(row["bleu_diff_from_parrot_style"]) <= 0.5
        )
    equivalent = [name for name, row in rows.items() if row["equivalent_to_parrot_style"]]
    fastest = max(equivalent or ["transformers"], key=lambda name: rows[name]["sentences_per_s"])
    differing = sum(a != b for a, b in zip(parrot_hyps, hyps["transformers"], strict=True))
    report = {
        "ratio": round(rows[fastest]["sentences_per_s"] / parrot["sentences_per_s"], 2),
        "ratio_row": fastest,
        "ctranslate2_ratio": round(
            rows["ctranslate2_default"]["sentences_per_s"] / rows["transformers"]["sentences_per_s"], 2
        ),
        "transformers_ratio": round(rows["transformers"]["sentences_per_s"] / parrot["sentences_per_s"], 2),
        "identical": differing == 0,
        "differing_lines": differing,
        "bleu_diff": round(rows["transformers"]["bleu"] - parrot["bleu"], 2),
        "model": path,
        "testset": SRC,
        "sentences": len(prompts),
        "repeat": args.repeat,
        "generation": asdict(generation),
        "lingtune": rows["transformers"],
        "lingtune_ctranslate2": rows["ctranslate2_default"],
        "lingtune_ctranslate2_int8": rows["ctranslate2_int8"],
        "parrot_style": parrot,
        "device": str(model.device),
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    write_json(OUT, report)
    print(
        f"infer benchmark ({path}, {len(prompts)} sentences, greedy, "
        f"max_new_tokens {generation.max_new_tokens}): ParroT-style {parrot['sentences_per_s']}/s in batches "
        f"of {PARROT_BATCH}; lingtune on transformers {rows['transformers']['sentences_per_s']}/s "
        f"(BLEU {rows['transformers']['bleu']}, {differing} lines differ from ParroT-style), on CTranslate2 "
        f"{rows['ctranslate2_default']['sentences_per_s']}/s "
        f"({rows['ctranslate2_default']['differing_from_transformers']} differ from transformers), int8 "
        f"{rows['ctranslate2_int8']['sentences_per_s']}/s "
        f"({rows['ctranslate2_int8']['differing_from_transformers']} differ, BLEU "
        f"{rows['ctranslate2_int8']['bleu']}): ratio {report['ratio']} ({fastest}), "
        f"ctranslate2_ratio {report['ctranslate2_ratio']} -> {OUT}"
    )


if __name__ == "__main__":
    main()

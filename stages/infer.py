"""infer: one model x one hint over every test set, with the prompt built as at training.

Run as `python -m stages.infer --model {base,sft,<name>} --hint {none,no_errors,minor,major,preferred}`:
one DVC matrix cell loads its model once; with `infer.processes` > 1 it starts that many under torchrun.
Batches are sorted by length with left padding under a token budget (`infer.batch_tokens`). Generation
settings come from `infer.preset`, each key written in params.yaml (not null) overriding the preset's.
With `infer.backend: ctranslate2` it decodes the copy the `convert` stage made in models/ct2/<model>, on
the same generation path. Writes data/hyps/<model>/<hint>/<testset>.jsonl ({id, testset, model, hint,
src_lang, tgt_lang, src, ref,
refs (only with several references), prompt, raw, hyp}), a plain <testset>.hyp, and settings.json with
the resolved generation settings.
"""

import argparse
import time
from dataclasses import asdict
from pathlib import Path

from stages.core.ct2 import CTranslate2Model
from stages.core.datasources import load_hf_dataset, reference_fields, sacrebleu_files
from stages.core.generation import GENERATION_KEYS, Generation, generate_all, resolve_generation
from stages.core.io import (
    InputError,
    atomic_path,
    dumps,
    read_lines,
    write_jsonl,
    write_text,
    write_timings,
)
from stages.core.models import infer_model_path, load_causal_lm, load_tokenizer
from stages.core.params import load_params
from stages.core.prompts import HINTS, postprocess, translation_prompt
from stages.core.team import ALONE, Team, is_worker, join_team, launch

OUT_ROOT = Path("data/hyps")
CT2_ROOT = Path("models/ct2")  # the convert stage's copies, for infer.backend ctranslate2


def load_model(name: str, path: str, params):
    """The model to generate with: Transformers', or with `infer.backend: ctranslate2` the copy the `convert`
    stage made in models/ct2/<name>."""
    if params.infer.backend == "ctranslate2":
        folder = CT2_ROOT / name
        if not (folder / "model.bin").exists():
            raise InputError(folder, "no converted model: run the convert stage (dvc repro) first")
        return CTranslate2Model(folder, path, params.infer.ct2_compute_type)
    return load_causal_lm(path, params.base.trust_remote_code, allow_pickle=params.base.allow_pickle_weights)


def generation_settings(config) -> Generation:
    """`infer.preset`'s settings; each generation key written in `infer` (not null) takes precedence."""
    return resolve_generation(config.preset, {key: getattr(config, key) for key in GENERATION_KEYS})


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
    sources, refs = READERS[spec.format](name, spec)
    if not sources:
        raise InputError(spec.src or spec.path, f"test set {name} is empty (infer.testsets.{name})")
    return sources, refs


def hypothesis_record(
    name: str,
    index: int,
    spec,
    model_name: str,
    hint: str,
    src: str,
    refs: list[str],
    prompt: str,
    raw: str,
    style: str = "lingtune",
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
    return record | {"prompt": prompt, "raw": raw, "hyp": postprocess(raw, style)}


def hypotheses(
    name: str, spec, model_name: str, hint: str, tokenizer, model, params, team: Team = ALONE
) -> list[dict] | None:
    """The test set's hypothesis records (on process 0; None on the others)."""
    sources, refs = read_test_set(name, spec)
    prompts = [
        translation_prompt(
            tokenizer,
            src,
            spec.src_lang,
            spec.tgt_lang,
            hint,
            params.base.prompt_format,
            params.infer.template,
        )
        for src in sources
    ]
    raws = generate_all(
        model,
        tokenizer,
        prompts,
        generation_settings(params.infer),
        templated=params.base.prompt_format == "chat",
        batch_tokens=params.infer.batch_tokens,
        seed=params.base.seed,
        team=team,
        progress="infer",
    )
    if raws is None:
        return None
    return [
        hypothesis_record(
            name, i, spec, model_name, hint, src, [s[i] for s in refs], prompt, raw, params.infer.postprocess
        )
        for i, (src, prompt, raw) in enumerate(zip(sources, prompts, raws, strict=True))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--hint", required=True, choices=list(HINTS))
    parser.add_argument("--processes", type=int, help="default: infer.processes")
    args = parser.parse_args()
    params = load_params()
    processes = args.processes or params.infer.processes
    if processes > 1 and not is_worker():  # one process needs no launcher (and saves its start-up)
        launch("infer", "torchrun", processes, ["--standalone"], ["--model", args.model, "--hint", args.hint])
        return
    team = join_team()
    path = infer_model_path(args.model, params)
    tokenizer = load_tokenizer(path, params.base.trust_remote_code)
    model = load_model(args.model, path, params)
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
            write_jsonl(tmp / f"{name}.jsonl", records)
            # One hypothesis a line: line breaks kept by `postprocess: xllm` become spaces here (as
            # sacreBLEU's tokenizers read them); the .jsonl keeps them.
            write_text(tmp / f"{name}.hyp", "".join(r["hyp"].replace("\n", " ") + "\n" for r in records))
            count += len(records)
        config = params.infer
        settings = {
            "model": path,
            "hint": args.hint,
            "preset": config.preset,
            "batch_tokens": config.batch_tokens,
            "postprocess": config.postprocess,
            "template": config.template,
            "backend": config.backend,
            "ct2_compute_type": config.ct2_compute_type if config.backend == "ctranslate2" else None,
            **asdict(generation_settings(config)),
        }
        write_text(tmp / "settings.json", dumps(settings) + "\n")
    team.leave()
    seconds = time.perf_counter() - started
    write_timings(f"infer.{args.model}.{args.hint}", {"sentences": count, "seconds": round(seconds, 2)})
    print(f"infer {args.model}/{args.hint}: {count} sentences, {count / seconds:.1f}/s")


if __name__ == "__main__":
    main()

"""`lingtune recipe`: check and rehearse a recipe before a GPU is rented, and run it as a DVC experiment.

`recipe check` prints what recipe_check found (each error with its params key) and recipe_estimate's GPU
memory and time; `recipe rehearse` checks, then runs the recipe's pipeline on CPU with twins of its models
(recipe_rehearse); `recipe run` checks, copies the recipe over params.yaml and starts `dvc exp run`.
"""

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from stages.core.params import PARAMS_FILE

from .recipe_check import Report, check_recipe
from .recipe_estimate import DEFAULT_MFU, GPU_PEAK_TFLOPS


def billions(count: float) -> str:
    return f"{count / 1e9:.2f}B" if count >= 1e8 else f"{count / 1e6:.2f}M"


def render(report: Report) -> str:
    lines = [f"recipe {report.recipe}: {'OK' if report.ok else f'{len(report.errors)} error(s)'}"]
    lines += [f"  error  {e['key']}: {e['message']}" for e in report.errors]
    if report.fetched_at_run_time:
        lines.append("  fetched at run time:")
        lines += [f"    {r['key']}: {r['value']}" for r in report.fetched_at_run_time]
    if report.local_inputs:
        lines.append("  local inputs: " + ", ".join(f"{p} ({n})" for p, n in report.local_inputs.items()))
    lines += [f"  note   {note}" for note in report.notes]
    est = report.estimate
    if est:
        memory = est["memory_per_gpu_gib"]
        parts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in memory.items() if k != "total")
        zero = f"ZeRO-{est['zero_stage']}" if est["zero_stage"] is not None else "no ZeRO"
        offload = f", offload {'+'.join(est['offload'])}" if est["offload"] else ""
        steps, hours = est["steps_per_100k_examples"], est["hours_per_100k_examples"]
        lines += [
            f"  estimate ({est['mode']}, {zero}{offload}, {est['gpus']} x {est['gpu'].upper()}):",
            f"    parameters {billions(est['parameters'])}, from {est['parameters_from']}"
            + (f"; adapters {billions(adapter)}" if (adapter := est["trainable_adapter_parameters"]) else ""),
            f"    memory per GPU {memory['total']} GiB of {est['gpu_memory_gib']}"
            f" ({'fits' if est['fits'] else 'DOES NOT FIT'}): {parts}",
            f"    global batch {est['global_batch']}; per 100k examples: {steps} steps, {hours} h",
        ]
        if "hours" in est:
            lines.append(f"    {est['examples']} examples: {est['steps']} steps, {est['hours']} h")
        lines.append(f"    assumptions: {est['assumptions']}")
    return "\n".join(lines)


def dvc_command(name: str, queue: bool) -> list[str]:
    """The experiment that runs the recipe once it is params.yaml."""
    return ["dvc", "exp", "run", *(["--queue"] if queue else []), "-n", name]


def check(args: argparse.Namespace) -> int:
    reports = [check_recipe(path, args.gpu, args.mfu, args.examples) for path in args.recipes]
    if args.json:
        print(json.dumps([asdict(r) | {"ok": r.ok} for r in reports], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(render(report) for report in reports))
    return 0 if all(report.ok for report in reports) else 1


def run(args: argparse.Namespace) -> int:
    report = check_recipe(args.recipe, args.gpu, args.mfu)
    print(render(report))
    if not report.ok:
        return 1
    shutil.copyfile(args.recipe, PARAMS_FILE)
    print(f"{args.recipe} copied over {PARAMS_FILE} (`git checkout {PARAMS_FILE}` restores the default)")
    command = dvc_command(args.name or Path(args.recipe).stem, args.queue)
    print(" ".join(command))
    try:
        return subprocess.run(command).returncode
    except FileNotFoundError:
        print("dvc not found: activate the environment (source .venv/bin/activate)", file=sys.stderr)
        return 127


def rehearse(args: argparse.Namespace) -> int:
    from . import recipe_rehearse

    args.model_map = recipe_rehearse.parse_map(args.model_map, "--model-map")
    args.data_map = recipe_rehearse.parse_map(args.data_map, "--data-map")
    args.echo = (lambda line: None) if args.json else (lambda line: print(line, flush=True))
    report = check_recipe(args.recipe, args.gpu, args.mfu, args.examples_estimate)
    if not args.json:
        print(render(report), flush=True)
    # With --json, stdout is the report alone: what libraries print on import goes to stderr.
    with contextlib.redirect_stdout(sys.stderr if args.json else sys.stdout):
        rehearsal = recipe_rehearse.rehearse(args, report)
    if args.json:
        print(json.dumps(asdict(rehearsal) | {"ok": rehearsal.ok}, ensure_ascii=False, indent=2))
    else:
        print(recipe_rehearse.render(rehearsal))
    if rehearsal.ok and not args.keep and not args.workdir:
        shutil.rmtree(rehearsal.workspace, ignore_errors=True)
    elif rehearsal.log and not args.json:
        print(f"  workspace kept: {rehearsal.workspace} (dvc output in {rehearsal.log})")
    return 0 if rehearsal.ok else 1


def add_arguments(commands) -> None:
    """`recipe check RECIPE...` and `recipe run RECIPE [--queue] [--name NAME]` under `lingtune`."""
    recipe = commands.add_parser("recipe", help="check a recipe offline; run it as a DVC experiment")
    actions = recipe.add_subparsers(dest="action", required=True)
    checking = actions.add_parser("check", help="validate recipes offline; estimate GPU memory and time")
    checking.add_argument("recipes", nargs="+", help="recipe files (recipes/*.yaml)")
    checking.add_argument("--json", action="store_true", help="the reports as JSON")
    checking.add_argument("--examples", type=int, help="training examples, for the time (default: per 100k)")
    running = actions.add_parser("run", help="check, copy over params.yaml, then `dvc exp run`")
    running.add_argument("recipe")
    running.add_argument(
        "--queue", action="store_true", help="queue the experiment (dvc queue start runs it)"
    )
    running.add_argument("--name", help="experiment name (default: the recipe's file name)")
    rehearsing = actions.add_parser(
        "rehearse",
        help="run a recipe's whole pipeline on CPU with twins of its models and slices of its data",
    )
    rehearsing.add_argument("recipe")
    rehearsing.add_argument("--examples", type=int, default=16, help="records kept of every data input")
    rehearsing.add_argument("--steps", type=int, default=2, help="optimizer steps of each training stage")
    rehearsing.add_argument(
        "--model-map",
        action="append",
        default=[],
        metavar="ID=FOLDER",
        help="take this model id's tokenizer and config from a folder (repeatable)",
    )
    rehearsing.add_argument(
        "--data-map",
        action="append",
        default=[],
        metavar="VALUE=FILE",
        help="use this local file for a URL or hub data set of the recipe (repeatable)",
    )
    rehearsing.add_argument(
        "--stage",
        action="append",
        default=[],
        dest="stages",
        metavar="STAGE",
        help="rehearse only up to this stage (and what it needs; repeatable): e.g. sft",
    )
    rehearsing.add_argument("--workdir", help="rehearse in this folder (kept) instead of a temporary one")
    rehearsing.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    rehearsing.add_argument("--json", action="store_true", help="the rehearsal as JSON")
    rehearsing.add_argument(
        "--examples-estimate", type=int, dest="examples_estimate", help="training examples, for the estimate"
    )
    rehearsing.set_defaults(run=lambda args: sys.exit(rehearse(args)))
    for parser in (checking, running, rehearsing):
        parser.add_argument("--gpu", choices=sorted(GPU_PEAK_TFLOPS), default="a100", help="for the estimate")
        parser.add_argument("--mfu", type=float, default=DEFAULT_MFU, help="assumed model FLOPs utilisation")
    checking.set_defaults(run=lambda args: sys.exit(check(args)))
    running.set_defaults(run=lambda args: sys.exit(run(args)))

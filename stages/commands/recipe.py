"""`lingtune recipe`: check a recipe offline before a GPU is rented, and run it as a DVC experiment.

`recipe check` prints what recipe_check found (each error with its params key) and recipe_estimate's GPU
memory and time; `recipe run` checks, copies the recipe over params.yaml and starts `dvc exp run`.
"""

import argparse
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
    for parser in (checking, running):
        parser.add_argument("--gpu", choices=sorted(GPU_PEAK_TFLOPS), default="a100", help="for the estimate")
        parser.add_argument("--mfu", type=float, default=DEFAULT_MFU, help="assumed model FLOPs utilisation")
    checking.set_defaults(run=lambda args: sys.exit(check(args)))
    running.set_defaults(run=lambda args: sys.exit(run(args)))

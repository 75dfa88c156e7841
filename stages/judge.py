"""judge: MI-Eval's pairwise judging of the chat tasks' answers by a local judge model; off by default.

With `judge.model` (a causal LM folder or hub id) every model of `infer.models` but `judge.against` is
compared with `judge.against` on each `chat` task of `evaluate.tasks`, prompt by prompt, as x-LLM's MI-Eval
does: an answer that is not in the task's language loses (both off: a tie) and the judge is not asked;
otherwise the judge reads the question and both answers and says which assistant answered better, once in
each order (position-swapped). Its verdict is the answer number it finds likelier after the question
(log-likelihood of "1" and "2": a small judge needs no parsing of free text). Preferred in both orders: a
win; in neither: a loss; in one: a tie.

Writes data/judge/results.json ({task: {model: {against, wins, ties, losses, win_rate}}}) and
judgements.jsonl (one record per prompt and model pair), which `score` merges into reports/metrics.json.
"""

import json
from pathlib import Path

from stages.core.io import InputError, atomic_path, read_jsonl, write_json, write_jsonl, write_text
from stages.core.params import PARAMS_FILE, load_params

EVALS = Path("data/evals")
OUT = Path("data/judge")
NOTE = "judge.model is empty: no judging was run. Name a local judge model (README: Evaluation).\n"
OUTCOMES = {"win": "wins", "tie": "ties", "loss": "losses"}
VERDICT = "Which assistant answered the question better? Reply with 1 or 2.\nBetter assistant:"


def judge_prompt(question: str, first: str, second: str) -> str:
    """The judge's view of one comparison: the question, both answers in order, what to decide."""
    return f"[Question]\n{question}\n\n[Assistant 1]\n{first}\n\n[Assistant 2]\n{second}\n\n{VERDICT}"


def preference(judge, tokenizer, prompts: list[str], max_length: int) -> list[int]:
    """For each judge prompt, the assistant (1 or 2) whose number is likelier next."""
    import torch

    ids = [tokenizer.convert_tokens_to_ids(tokenizer.tokenize(f" {n}"))[-1] for n in ("1", "2")]
    choices = []
    with torch.inference_mode():
        for prompt in prompts:
            encoded = tokenizer(prompt, return_tensors="pt").input_ids[:, -max_length:].to(judge.device)
            logits = judge(encoded).logits[0, -1]
            choices.append(1 if logits[ids[0]] >= logits[ids[1]] else 2)
    return choices


def verdict(ours: dict, theirs: dict, first: int | None, second: int | None) -> tuple[str, str]:
    """(win/tie/loss for `ours`, why): the language rule first, then both orders of the judge."""
    if not ours["on_target"] and not theirs["on_target"]:
        return "tie", "both answers off the language"
    if not ours["on_target"]:
        return "loss", "answer off the language"
    if not theirs["on_target"]:
        return "win", "the other answer off the language"
    # first: ours shown as assistant 1; second: ours shown as assistant 2
    wins = (first == 1) + (second == 2)
    return {2: "win", 1: "tie", 0: "loss"}[wins], f"judge preferred ours in {wins} of 2 orders"


def compare(
    task: str, model: str, against: str, judge, tokenizer, max_length: int
) -> tuple[dict, list[dict]]:
    ours = read_jsonl(EVALS / model / f"{task}.jsonl")
    theirs = read_jsonl(EVALS / against / f"{task}.jsonl")
    if [r["prompt"] for r in ours] != [r["prompt"] for r in theirs]:
        raise InputError(EVALS / model / f"{task}.jsonl", f"not the prompts of {against}'s answers to {task}")
    asked = [
        i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a["on_target"] and b["on_target"]
    ]
    prompts = []
    for i in asked:
        prompts.append(judge_prompt(ours[i]["prompt"], ours[i]["answer"], theirs[i]["answer"]))
        prompts.append(judge_prompt(ours[i]["prompt"], theirs[i]["answer"], ours[i]["answer"]))
    choices = preference(judge, tokenizer, prompts, max_length)
    orders = {i: (choices[2 * k], choices[2 * k + 1]) for k, i in enumerate(asked)}
    records = []
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        first, second = orders.get(i, (None, None))
        outcome, why = verdict(a, b, first, second)
        records.append(
            {
                "task": task,
                "model": model,
                "against": against,
                "prompt": a["prompt"],
                "outcome": outcome,
                "why": why,
            }
            | ({"judge_orders": [first, second]} if i in orders else {})
        )
    counts = {plural: sum(r["outcome"] == outcome for r in records) for outcome, plural in OUTCOMES.items()}
    # a tie counts half, as MI-Eval's averaged scores split it
    rate = (counts["wins"] + counts["ties"] / 2) / len(records)
    return {"against": against, **counts, "win_rate": round(rate, 4)}, records


def main() -> None:
    params = load_params()
    config = params.judge
    chat_tasks = [name for name, spec in params.evaluate.tasks.items() if spec.kind == "chat"]
    with atomic_path(OUT) as tmp:
        tmp.mkdir()
        if not config.model or not chat_tasks:
            write_text(tmp / "README.md", NOTE)
            write_json(tmp / "results.json", {})
            return
        if config.against not in params.infer.models:
            raise InputError(PARAMS_FILE, f"judge.against: {config.against!r} is not in infer.models")
        from stages.core.models import load_causal_lm, load_tokenizer

        tokenizer = load_tokenizer(config.model, params.base.trust_remote_code)
        judge = load_causal_lm(
            config.model, params.base.trust_remote_code, allow_pickle=params.base.allow_pickle_weights
        )
        results: dict[str, dict] = {}
        judgements: list[dict] = []
        for task in chat_tasks:
            for model in params.infer.models:
                if model == config.against:
                    continue
                result, records = compare(task, model, config.against, judge, tokenizer, config.max_length)
                results.setdefault(task, {})[model] = result
                judgements += records
                print(f"judge {task} {model} vs {config.against}: {json.dumps(result)}")
        write_jsonl(tmp / "judgements.jsonl", judgements)
        write_json(tmp / "results.json", results)


if __name__ == "__main__":
    main()

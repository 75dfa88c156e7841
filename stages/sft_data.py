"""sft_data: instruction records, Alpaca and chat threads -> one seeded SFT mix in TRL's formats.

`alpaca` prompt format: every example is `{prompt, completion}` (TRL then trains on the completion only);
a chat thread gives one example per assistant turn, earlier turns rendered into the input.
`chat` prompt format: every example is `{messages}` (TRL trains on assistant turns only).
Each example keeps `source`, the part of the mix it came from.
"""

import json
import random
from pathlib import Path

from stages.core.io import InputError, atomic_path, dumps, read_jsonl
from stages.core.params import load_params
from stages.core.prompts import sft_example

OUT_DIR = Path("data/sft")
INSTRUCTION_FILES = {
    "translation": Path("data/instructions/translation.jsonl"),
    "error_hint": Path("data/instructions/error_hint.jsonl"),
    "preference": Path("data/instructions/preference.jsonl"),
    "alpaca_translated": Path("data/translated/alpaca.jsonl"),
}
THREADS = Path("data/threads/threads.jsonl")
SPEAKERS = {"user": "User", "assistant": "Assistant", "system": "System"}


def instruction_examples(records: list[dict], prompt_format: str, source: str) -> list[dict]:
    return [
        dict(
            sft_example(r["instruction"], r["input"], r["output"], prompt_format),
            source=r.get("source", source),
        )
        for r in records
    ]


def thread_examples(thread: dict, prompt_format: str) -> list[dict]:
    messages = thread["messages"]
    if prompt_format == "chat":
        return [{"messages": messages, "source": "threads"}]
    examples = []
    for turn, message in enumerate(messages):
        if message["role"] != "assistant" or turn == 0:
            continue
        history = "\n".join(f"{SPEAKERS[m['role']]}: {m['content']}" for m in messages[: turn - 1])
        example = sft_example(messages[turn - 1]["content"], history, message["content"], prompt_format)
        examples.append(dict(example, source="threads"))
    return examples


def load_source(name: str, prompt_format: str, alpaca_en: str) -> list[dict]:
    if name in INSTRUCTION_FILES:
        records = read_jsonl(INSTRUCTION_FILES[name], required=("instruction", "input", "output"))
        return instruction_examples(records, prompt_format, name)
    if name == "alpaca_en":
        records = json.loads(Path(alpaca_en).read_text(encoding="utf-8"))
        return instruction_examples(records, prompt_format, "alpaca_en")
    if name == "threads":
        return [
            ex
            for thread in read_jsonl(THREADS, required=("messages",))
            for ex in thread_examples(thread, prompt_format)
        ]
    known = ", ".join([*INSTRUCTION_FILES, "alpaca_en", "threads"])
    raise InputError("params.yaml", f"sft_data.sources.{name}: unknown source (known: {known})")


def take(examples: list[dict], count: int, rng: random.Random) -> list[dict]:
    """All examples for -1, else a seeded sample (with repeats when asked for more than there are)."""
    if count < 0 or count == len(examples):
        return list(examples)
    if count <= len(examples):
        return rng.sample(examples, count)
    return examples * (count // len(examples)) + rng.sample(examples, count % len(examples))


def main() -> None:
    params = load_params()
    config, rng = params.sft_data, random.Random(params.base.seed)
    mix = []
    for name, count in config.sources.items():
        examples = load_source(name, params.base.prompt_format, params.translate.alpaca)
        chosen = take(examples, count, rng)
        print(f"sft_data: {name}: {len(chosen)} of {len(examples)} examples")
        mix += chosen
    rng.shuffle(mix)
    eval_size = round(len(mix) * config.eval_share)
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        (tmp / "eval.jsonl").write_text("".join(dumps(e) + "\n" for e in mix[:eval_size]), encoding="utf-8")
        (tmp / "train.jsonl").write_text("".join(dumps(e) + "\n" for e in mix[eval_size:]), encoding="utf-8")
    print(f"sft_data: {len(mix) - eval_size} train, {eval_size} eval")


if __name__ == "__main__":
    main()

import json

from stages import sft_data
from stages.core.io import read_jsonl

from .helpers import write_lines, write_params

THREAD = {
    "id": "t",
    "tree_id": "t",
    "lang": "de",
    "messages": [
        {"role": "user", "content": "Frage eins?"},
        {"role": "assistant", "content": "Antwort eins."},
        {"role": "user", "content": "Frage zwei?"},
        {"role": "assistant", "content": "Antwort zwei."},
    ],
}


def test_threads_in_alpaca_format_give_one_example_per_assistant_turn():
    first, second = sft_data.thread_examples(THREAD, "alpaca")
    assert first["prompt"].endswith("### Instruction:\nFrage eins?\n\n### Response:")
    assert first["completion"] == "Antwort eins."
    assert "### Input:\nUser: Frage eins?\nAssistant: Antwort eins.\n\n" in second["prompt"]
    assert second["completion"] == "Antwort zwei."
    assert sft_data.thread_examples(THREAD, "chat") == [{"messages": THREAD["messages"], "source": "threads"}]


def test_mix_counts_split_and_sources(in_tmp):
    record = {
        "instruction": "Translate.",
        "input": "Hallo.",
        "output": "Hello.",
        "source": "translation_de-en",
    }
    write_lines(
        in_tmp / "data/instructions/translation.jsonl", [json.dumps(dict(record, id=i)) for i in range(40)]
    )
    write_lines(in_tmp / "data/threads/threads.jsonl", [json.dumps(THREAD)])
    (in_tmp / "alpaca.json").write_text(
        json.dumps([{"instruction": "Name a cat.", "input": "", "output": "Tom."}])
    )
    write_params(
        in_tmp,
        sft_data={"sources": {"translation": 10, "alpaca_en": 3, "threads": -1}, "eval_share": 0.2},
        translate={"alpaca": "alpaca.json"},
    )
    sft_data.main()
    train, evaluation = (
        read_jsonl(in_tmp / "data/sft/train.jsonl"),
        read_jsonl(in_tmp / "data/sft/eval.jsonl"),
    )
    assert len(train) + len(evaluation) == 10 + 3 + 2 and len(evaluation) == 3
    sources = [e["source"] for e in train + evaluation]
    assert sources.count("translation_de-en") == 10 and sources.count("alpaca_en") == 3
    assert all(set(e) == {"prompt", "completion", "source"} for e in train)

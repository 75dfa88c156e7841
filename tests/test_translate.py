import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stages import translate
from stages.core.engines import Hop, route
from stages.core.io import InputError, read_jsonl
from stages.core.textsplit import join_parts, split_text
from stages.embedded.marian import build_tiny_marian

from .conftest import ROOT
from .helpers import write_lines, write_params

EN = ["The dog sleeps.", "The cat eats.", "The bird sings.", "The dog eats."]
DE = ["Der Hund schläft.", "Die Katze isst.", "Der Vogel singt.", "Der Hund isst."]
ES = ["El perro duerme.", "El gato come.", "El pájaro canta.", "El perro come."]


@pytest.fixture(scope="module")
def translators(tmp_path_factory):
    root = tmp_path_factory.mktemp("translators")
    build_tiny_marian(root / "opus-mt-en-de", EN * 10, DE * 10, seed=0, steps=60)
    build_tiny_marian(root / "opus-mt-es-en", ES * 10, EN * 10, seed=0, steps=60)
    return root


def _message(mid, lang, text, parent=None):
    return {
        "message_id": mid,
        "parent_id": parent,
        "user_id": "u",
        "text": text,
        "role": "prompter",
        "lang": lang,
        "rank": None,
        "deleted": False,
        "message_tree_id": mid,
        "tree_state": "ready_for_export",
    }


def _config(**values):
    from stages.core.params import Translate

    base = {"model_root": "x", "batch_tokens": 256, "max_new_tokens_ratio": 1.5, "oasst": "o", "alpaca": "a"}
    return Translate(**(base | values))


def test_route_is_direct_else_through_the_pivot(translators):
    config = _config(model_root=str(translators))
    assert [Path(h.model).name for h in route(config, "en", "de")] == ["opus-mt-en-de"]
    hops = route(config, "es", "de")
    assert [Path(h.model).name for h in hops] == ["opus-mt-es-en", "opus-mt-en-de"]
    assert [(h.src, h.tgt) for h in hops] == [("es", "en"), ("en", "de")]
    with pytest.raises(LookupError, match="no OPUS-MT model for fr->de"):
        route(config, "fr", "de")


def test_a_direction_without_a_model_names_the_key_that_chose_the_models(translators):
    from stages.core.io import InputError
    from stages.translate import plan_routes

    with pytest.raises(InputError, match="translate.model_root: no OPUS-MT model for fr->de") as caught:
        plan_routes(_config(model_root=str(translators)), ["en", "fr"], "de")
    assert caught.value.key == "translate.model_root"


def test_route_fixes_opus_codes_and_names_multilingual_codes(tmp_path):
    (tmp_path / "opus-mt-tc-big-en-pt").mkdir()
    config = _config(model_root=str(tmp_path))
    assert [Path(h.model).name for h in route(config, "en", "pt-BR")] == ["opus-mt-tc-big-en-pt"]
    nllb = route(_config(engine="nllb", model="m"), "pt-BR", "de")
    assert nllb == [Hop("m", "por_Latn", "deu_Latn")]
    assert route(_config(engine="m2m100", model="m"), "pt-BR", "de") == [Hop("m", "pt", "de")]


def test_stage_translates_keeps_target_language_and_fields(in_tmp, translators):
    messages = [
        _message("1", "en", "The dog sleeps.\n\nThe cat eats."),
        _message("2", "de", "Der Hund isst."),
        _message("3", "es", "El perro duerme."),
    ]
    write_lines(in_tmp / "oasst.jsonl", [json.dumps(m, ensure_ascii=False) for m in messages])
    alpaca = [{"instruction": "The dog sleeps.", "input": "", "output": "The cat eats."}]
    (in_tmp / "alpaca.json").write_text(json.dumps(alpaca))
    write_params(
        in_tmp, translate={"model_root": str(translators), "oasst": "oasst.jsonl", "alpaca": "alpaca.json"}
    )
    translate.main()
    out = {m["message_id"]: m for m in read_jsonl(in_tmp / "data/translated/oasst.jsonl")}
    assert out["2"]["text"] == "Der Hund isst." and out["2"]["translation"] is None
    assert out["1"]["lang"] == "de" and out["1"]["lang_original"] == "en"
    assert out["1"]["text_original"] == messages[0]["text"] and out["1"]["text"].count("\n\n") == 1
    assert out["1"]["translation"] == {"engine": "opus-mt", "model": ["opus-mt-en-de"], "pivot": None}
    assert out["3"]["translation"] == {
        "engine": "opus-mt",
        "model": ["opus-mt-es-en", "opus-mt-en-de"],
        "pivot": "en",
    }
    assert all(set(messages[0]) <= set(record) for record in out.values())
    [record] = read_jsonl(in_tmp / "data/translated/alpaca.jsonl")
    assert record["input"] == "" and record["original"] == alpaca[0] and record["source"] == "alpaca_de"


def test_bad_oasst_line_fails_and_writes_nothing(in_tmp, translators):
    write_lines(in_tmp / "oasst.jsonl", [json.dumps(_message("1", "en", "Hi")), '{"message_id": "2"'])
    (in_tmp / "alpaca.json").write_text("[]")
    write_params(
        in_tmp, translate={"model_root": str(translators), "oasst": "oasst.jsonl", "alpaca": "alpaca.json"}
    )
    with pytest.raises(InputError, match=r"oasst.jsonl:2: invalid JSON"):
        translate.main()
    assert not (in_tmp / "data").exists()


def _run_stage(folder, translators, messages, **translate_params):
    write_lines(folder / "oasst.jsonl", [json.dumps(m, ensure_ascii=False) for m in messages])
    (folder / "alpaca.json").write_text("[]")
    values = {"model_root": str(translators), "oasst": "oasst.jsonl", "alpaca": "alpaca.json"}
    write_params(folder, translate=values | translate_params)
    translate.main()
    return {m["message_id"]: m for m in read_jsonl(folder / "data/translated/oasst.jsonl")}


def test_code_stays_as_written_and_line_breaks_survive(in_tmp, translators):
    fence = "```python\nprint('The dog sleeps.')\n```\n"
    text = f"The dog sleeps.\n\n{fence}The cat eats `the_dog()` now.\n  - The bird sings.\n\n42\n"
    out = _run_stage(in_tmp, translators, [_message("1", "en", text)])["1"]
    assert fence in out["text"] and "`the_dog()`" in out["text"] and "\n  - " in out["text"]
    assert out["text"].endswith("\n\n42\n")
    assert out["text"].count("\n") == text.count("\n")
    assert out["text"].startswith("Der Hund schläft.\n\n")


def test_long_lines_are_cut_at_sentence_ends_to_fit_the_model():
    counter = len  # one token per character, for the test
    text = "The dog sleeps. The cat eats.  The bird sings!\nShort."
    parts = split_text(text, counter, 32)
    assert "".join(part.text for part in parts) == text
    assert [p.text for p in parts if p.translate] == [
        "The dog sleeps. The cat eats.",
        "The bird sings!",
        "Short.",
    ]
    words = split_text("aaaa bbbb cccc dddd", counter, 9)
    assert [p.text for p in words if p.translate] == ["aaaa bbbb", "cccc dddd"]
    assert join_parts(parts, {p.text: p.text.upper() for p in parts if p.translate}) == text.upper()


def test_sentence_mode_sends_each_sentence_alone_and_keeps_the_spacing():
    text = "The dog sleeps.  The cat eats!\n- The bird sings. Is it?"
    parts = split_text(text, len, 100, sentences=True)
    assert "".join(part.text for part in parts) == text
    assert [p.text for p in parts if p.translate] == [
        "The dog sleeps.",
        "The cat eats!",
        "The bird sings.",
        "Is it?",
    ]


def test_text_without_words_is_not_sent_to_the_model():
    parts = split_text("1. ---\n```\ncode\n```", len, 100)
    assert not any(part.translate for part in parts)
    unclosed = split_text("Hi\n```\nThe dog sleeps.", len, 100)
    assert [p.text for p in unclosed if p.translate] == ["Hi"]


def test_identical_texts_are_translated_once(in_tmp, translators):
    messages = [_message(str(i), "en", "The dog sleeps.\nThe cat eats.") for i in range(5)]
    out = _run_stage(in_tmp, translators, messages)
    assert len({m["text"] for m in out.values()}) == 1
    [folder] = (in_tmp / "data/translate_checkpoints").iterdir()
    lines = [json.loads(line) for line in (folder / "shard-0.jsonl").read_text().splitlines()]
    assert sum(len(line["outputs"]) for line in lines) == 2  # two distinct lines, five messages


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (
            ['{"message_id": "2", "parent_id": null, "text": "x", "role": "prompter", "lang": "en"}'],
            ":2:.*missing",
        ),
        (['{"message_id": "2"'], ":2: invalid JSON"),
    ],
)
def test_malformed_oasst_fails_with_the_line_and_writes_nothing(in_tmp, translators, lines, error):
    write_lines(in_tmp / "oasst.jsonl", [json.dumps(_message("1", "en", "Hi")), *lines])
    (in_tmp / "alpaca.json").write_text("[]")
    write_params(
        in_tmp, translate={"model_root": str(translators), "oasst": "oasst.jsonl", "alpaca": "alpaca.json"}
    )
    with pytest.raises(InputError, match=error):
        translate.main()
    assert not (in_tmp / "data").exists()


def test_parent_cycle_fails_with_the_line_and_writes_nothing(in_tmp, translators):
    messages = [_message("1", "en", "Hi", parent="2"), _message("2", "en", "Ho", parent="1")]
    write_lines(in_tmp / "oasst.jsonl", [json.dumps(m) for m in messages])
    (in_tmp / "alpaca.json").write_text("[]")
    write_params(
        in_tmp, translate={"model_root": str(translators), "oasst": "oasst.jsonl", "alpaca": "alpaca.json"}
    )
    with pytest.raises(InputError, match=r"oasst.jsonl:[12]: parent cycle"):
        translate.main()
    assert not (in_tmp / "data").exists()


def test_llm_engine_through_the_stage(in_tmp, tiny_lm):
    messages = [_message("1", "en", "The dog sleeps.\n\nThe cat eats."), _message("2", "de", "Hallo")]
    out = _run_stage(in_tmp, "unused", messages, engine="llm", model=str(tiny_lm), max_new_tokens_ratio=0.5)
    assert out["1"]["translation"] == {"engine": "llm", "model": [tiny_lm.name], "pivot": None}
    assert out["1"]["text"].count("\n\n") == 1 and out["2"]["text"] == "Hallo"


def test_two_processes_shard_and_merge_to_the_single_process_output(tmp_path, translators):
    messages = [_message(str(i), "en" if i % 3 else "es", t) for i, t in enumerate((EN + ES) * 3)]
    outputs = []
    for processes in (1, 2):
        folder = tmp_path / str(processes)
        folder.mkdir()
        write_lines(folder / "oasst.jsonl", [json.dumps(m, ensure_ascii=False) for m in messages])
        (folder / "alpaca.json").write_text(
            json.dumps([{"instruction": "The dog eats.", "output": "The cat eats."}])
        )
        write_params(
            folder,
            translate={
                "model_root": str(translators),
                "oasst": "oasst.jsonl",
                "alpaca": "alpaca.json",
                "batch_tokens": 16,
                "processes": processes,
            },
        )
        command = [sys.executable, "-m", "stages.translate", "--processes", str(processes)]
        env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, timeout=600)
        assert result.returncode == 0, result.stderr.decode()[-3000:]
        outputs.append((folder / "data/translated/oasst.jsonl").read_bytes())
        shards = {p.name for p in (folder / "data/translate_checkpoints").glob("*/shard-*.jsonl")}
        assert shards == {f"shard-{rank}.jsonl" for rank in range(processes)}
    assert outputs[0] == outputs[1]

import json

import pytest

from stages import translate
from stages.core.io import InputError, read_jsonl
from stages.core.marian import build_tiny_marian

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


def test_route_is_direct_else_through_the_pivot(translators):
    root = str(translators)
    assert [p.rsplit("/", 1)[1] for p in translate.route(root, "en", "de", "en")] == ["opus-mt-en-de"]
    assert [p.rsplit("/", 1)[1] for p in translate.route(root, "es", "de", "en")] == [
        "opus-mt-es-en",
        "opus-mt-en-de",
    ]
    with pytest.raises(LookupError, match="no OPUS-MT model for fr->de"):
        translate.route(root, "fr", "de", "en")


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

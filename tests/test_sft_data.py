import json
import random
import re

import pytest

from stages import sft_data
from stages.core.io import InputError, read_jsonl
from stages.sft_data import Part

from .conftest import ROOT
from .helpers import SHIPPED, write_lines, write_params

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


# --- names -------------------------------------------------------------------------------------------


def test_parse_mix_reads_names_and_python_slices():
    assert sft_data.parse_mix("a+b[10:20]+c[:5]") == [
        Part("a"),
        Part("b", ((10, 20),)),
        Part("c", ((None, 5),)),
    ]
    assert sft_data.parse_mix(" alpaca_en[500:] + translation_ncwm_en-zh[-3:-1]") == [
        Part("alpaca_en", ((500, None),)),
        Part("translation_ncwm_en-zh", ((-3, -1),)),
    ]
    assert Part("b", ((10, 20), (None, 5))).label == "b[10:20][:5]"


@pytest.mark.parametrize("mix", ["a++b", "a[1]", "a[1:2:3]", "a[x:]", "a b", "+"])
def test_parse_mix_names_the_param_on_malformed_text(mix):
    with pytest.raises(InputError, match=r"params\.yaml: sft_data\.mix: cannot read"):
        sft_data.parse_mix(mix)


def test_aliases_expand_recursively_with_slices_applied_after_the_alias_own():
    aliases = sft_data.parse_aliases(
        {
            "ncwm": "translation_en-zh",
            "parrot_hint": "translation+error_hint+preference",
            "small": ["alpaca_en[:100]", "ncwm"],
            "first": "alpaca_en[:100]",
            "nested": "first",
        },
        "mixes.yaml",
        "de",
    )
    parts = sft_data.resolve_mix("small+parrot_hint+nested[10:]+ncwm[:5]", aliases, "mixes.yaml", "de")
    assert parts == [
        Part("alpaca_en", ((None, 100),)),
        Part("translation_en-zh"),
        Part("translation"),
        Part("error_hint"),
        Part("preference"),
        Part("alpaca_en", ((None, 100), (10, None))),
        Part("translation_en-zh", ((None, 5),)),
    ]
    assert parts[1].via == "small > ncwm" and parts[5].via == "nested > first"


def test_alias_cycle_is_an_error_naming_the_alias():
    aliases = sft_data.parse_aliases({"a": "alpaca_en+b", "b": "c", "c": "a"}, "mixes.yaml", "de")
    with pytest.raises(InputError, match=r"mixes\.yaml: alias 'a' refers to itself: a -> b -> c -> a"):
        sft_data.resolve_mix("threads+a", aliases, "mixes.yaml", "de")
    with pytest.raises(InputError, match="alias 'self' refers to itself: self -> self"):
        sft_data.resolve_mix("self", sft_data.parse_aliases({"self": "self"}, "m", "de"), "m", "de")


def test_a_sliced_alias_of_several_sources_slices_their_joined_records():
    """x-LLM loads an alias as one data set, so `alias[a:b]` slices the concatenation."""
    aliases = sft_data.parse_aliases(
        {"hints": "translation[1:]+error_hint", "outer": "hints[2:5]"}, "m", "de"
    )
    [part] = sft_data.resolve_mix("outer[1:]", aliases, "m", "de")
    assert part.members == (Part("translation", ((1, None),)), Part("error_hint"))
    assert part.slices == ((2, 5), (1, None)) and part.label == "hints[2:5][1:]"
    records = {"translation": [{"n": i} for i in range(4)], "error_hint": [{"n": 10 + i} for i in range(4)]}
    items = sft_data.part_records(part, records.__getitem__)
    # translation[1:] is 1, 2, 3; joined with 10..13; [2:5] is 3, 10, 11; then [1:] is 10, 11
    assert items == [("error_hint", {"n": 10}), ("error_hint", {"n": 11})]


def test_unknown_name_lists_known_sources_and_aliases_and_names_the_param():
    aliases = sft_data.parse_aliases({"mine": "threads+alpaca_xx"}, "mixes.yaml", "de")
    with pytest.raises(InputError) as error:
        sft_data.resolve_mix("alpaca_en+alpaca_fr", aliases, "mixes.yaml", "de")
    message = str(error.value)
    assert message.startswith("params.yaml: sft_data.mix: unknown source 'alpaca_fr'")
    for name in ("translation", "translation_<src>-<tgt>", "error_hint", "alpaca_translated", "alpaca_de"):
        assert name in message
    assert "aliases in mixes.yaml: mine" in message
    with pytest.raises(InputError, match=r"unknown source 'alpaca_xx' \(in alias mine\)"):
        sft_data.resolve_mix("mine", aliases, "mixes.yaml", "de")


def test_source_names():
    assert sft_data.is_source("translation_en-zh", "de") and sft_data.is_source("translation_en-pt-BR", "de")
    assert sft_data.is_source("translation_ncwm_en-zh", "de") and not sft_data.is_source("translation_", "de")
    assert sft_data.direction_of("translation_ncwm_en-zh") == ("ncwm", "en-zh")
    assert sft_data.direction_of("translation_en-pt-BR") == (None, "en-pt-BR")
    assert sft_data.direction_of("translation_n-c_en-zh") is None
    assert sft_data.is_source("alpaca_de", "de") and not sft_data.is_source("alpaca_de", "fr")
    with pytest.raises(InputError, match="translation_en-de: is a source name"):
        sft_data.parse_aliases({"translation_en-de": "translation"}, "m", "de")
    with pytest.raises(InputError, match="expected a mix string"):
        sft_data.parse_aliases({"x": 3}, "m", "de")


def test_shipped_aliases_and_default_mix_resolve():
    config = SHIPPED["sft_data"]
    assert config["mix"] == "translation+error_hint+preference+alpaca_en+alpaca_translated+threads"
    aliases = sft_data.read_aliases(str(ROOT / config["aliases"]), "de")
    assert [p.name for p in sft_data.resolve_mix("xllm_en-zh", aliases, "", "de")] == [
        "alpaca_en",
        "alpaca_zh",
        "translation_ncwm_en-zh",
    ]
    assert [p.name for p in sft_data.resolve_mix("parrot_hint", aliases, "", "de")] == [
        "translation",
        "error_hint",
        "preference",
    ]


# --- slicing and counts ------------------------------------------------------------------------------


def test_slices_then_counts():
    records = {"a": [{"instruction": f"i{n}", "input": "", "output": f"o{n}"} for n in range(10)]}
    parts = [Part("a", ((2, 8),)), Part("a", ((None, 3), (1, None)))]

    def build(counts, seed=0):
        return sft_data.build_mix(parts, counts, records.__getitem__, "alpaca", random.Random(seed))

    assert sorted(e["completion"] for e in build({})) == ["o1", "o2", *(f"o{n}" for n in range(2, 8))]
    repeated = build({"a": 15})  # each part: 6 then 2 available -> 15 each, with repeats
    assert len(repeated) == 30 and {e["completion"] for e in repeated} == {f"o{n}" for n in range(1, 8)}
    assert len(build({"a": 4})) == 8 and build({"a": 4}) == build({"a": 4})
    assert build({"a": 0}) == []
    with pytest.raises(InputError, match="sft_data.counts.b: not a source of sft_data.mix"):
        sft_data.check_counts({"b": 1}, parts)
    with pytest.raises(InputError, match=r"sft_data.counts.a: 2 asked for, but a\[20:\] is empty"):
        sft_data.build_mix(
            [Part("a", ((20, None),))], {"a": 2}, records.__getitem__, "alpaca", random.Random(0)
        )


def test_counts_below_minus_one_are_refused(in_tmp):
    from stages.core.params import ParamsError, load_params

    write_params(in_tmp, sft_data={"counts": {"threads": -2}})
    with pytest.raises(ParamsError, match="sft_data.counts: threads: a count is -1"):
        load_params()


# --- the stage ---------------------------------------------------------------------------------------


def _instruction(source: str, n: int) -> str:
    return json.dumps(
        {"id": n, "instruction": "Translate.", "input": f"S{n}", "output": f"T{n}", "source": source}
    )


@pytest.fixture
def workspace(in_tmp):
    """Upstream outputs as the earlier stages write them, small."""
    write_lines(
        in_tmp / "data/instructions/translation.jsonl",
        [_instruction("translation_en-de", n) for n in range(30)]
        + [_instruction("translation_en-zh", n) for n in range(30, 50)],
    )
    write_lines(
        in_tmp / "data/instructions/error_hint.jsonl", [_instruction("mqm_error_hint", n) for n in range(5)]
    )
    write_lines(in_tmp / "data/translated/alpaca.jsonl", [_instruction("alpaca_de", n) for n in range(7)])
    write_lines(in_tmp / "data/threads/threads.jsonl", [json.dumps(THREAD)])
    (in_tmp / "alpaca.json").write_text(
        json.dumps([{"instruction": f"Name cat {n}.", "input": "", "output": "Tom."} for n in range(4)])
    )
    (in_tmp / "mixes.yaml").write_text("ncwm_en-zh: translation_en-zh\nhints: error_hint+ncwm_en-zh[:3]\n")
    return in_tmp


def _run(folder, **config) -> tuple[list[dict], list[dict]]:
    write_params(folder, sft_data=dict(config, aliases="mixes.yaml"), translate={"alpaca": "alpaca.json"})
    sft_data.main()
    return read_jsonl(folder / "data/sft/train.jsonl"), read_jsonl(folder / "data/sft/eval.jsonl")


def test_stage_writes_the_mix_sources_into_train_and_eval(workspace, capsys):
    train, evaluation = _run(
        workspace,
        mix="translation_en-de[:20]+hints+alpaca_en+alpaca_de+threads",
        counts={"translation_en-de": 10, "alpaca_en": 6},
        eval_share=0.2,
    )
    examples = train + evaluation
    sources = [e["source"] for e in examples]
    expected = {"translation_en-de": 10, "error_hint": 5, "translation_en-zh": 3, "alpaca_en": 6}
    assert {s: sources.count(s) for s in expected} == expected
    assert sources.count("alpaca_de") == 7 and sources.count("threads") == 2
    assert len(examples) == 33 and len(evaluation) == round(33 * 0.2)
    assert all(set(e) == {"prompt", "completion", "source"} for e in examples)
    # The slice comes before sampling: only the first 20 en-de records can be chosen.
    assert {int(e["completion"][1:]) for e in examples if e["source"] == "translation_en-de"} <= set(
        range(20)
    )
    # The alias slice keeps the first three en-zh records.
    assert sorted(e["completion"] for e in examples if e["source"] == "translation_en-zh") == [
        "T30",
        "T31",
        "T32",
    ]
    out = capsys.readouterr().out
    assert "sft_data: translation_en-de[:20]: 10 of 20 examples, sliced from 30 records" in out
    assert "sft_data: translation_en-zh[:3] (via hints > ncwm_en-zh): 3 of 3 examples" in out
    assert "sft_data: 26 train, 7 eval" in out


def test_stage_is_seeded_and_chat_format_gives_messages(workspace):
    first = _run(workspace, mix="translation+threads", counts={"translation": 25}, eval_share=0.1)
    assert _run(workspace, mix="translation+threads", counts={"translation": 25}, eval_share=0.1) == first
    write_params(
        workspace, base={"prompt_format": "chat"}, sft_data={"mix": "translation[:2]+threads", "aliases": ""}
    )
    sft_data.main()
    examples = read_jsonl(workspace / "data/sft/train.jsonl") + read_jsonl(workspace / "data/sft/eval.jsonl")
    assert sorted(e["source"] for e in examples) == ["threads", "translation", "translation"]
    assert all(set(e) == {"messages", "source"} for e in examples)


def test_stage_errors_name_the_param(workspace):
    with pytest.raises(InputError, match="sft_data.mix: unknown source 'alpaca_fr'"):
        _run(workspace, mix="translation+alpaca_fr")
    with pytest.raises(InputError, match="sft_data.alpaca_zh: empty"):
        _run(workspace, mix="alpaca_zh")
    with pytest.raises(
        InputError, match=r"no translation_de-fr records \(found: translation_en-de, translation_en-zh"
    ):
        _run(workspace, mix="translation_de-fr")
    with pytest.raises(InputError, match="preference.jsonl: missing: source 'preference'"):
        _run(workspace, mix="preference")


def test_read_alpaca_names_the_record_missing_a_field(in_tmp):
    (in_tmp / "zh.json").write_text(
        json.dumps([{"zh_instruction": "说。", "zh_output": "好。"}, {"zh_input": ""}])
    )
    with pytest.raises(InputError, match="zh.json: record 1: missing field.s. zh_instruction, zh_output"):
        sft_data.read_alpaca(in_tmp / "zh.json", sft_data.ALPACA_ZH_FIELDS)
    (in_tmp / "zh.json").write_text(json.dumps([{"zh_instruction": "说。", "zh_output": "好。"}]))
    assert sft_data.read_alpaca(in_tmp / "zh.json", sft_data.ALPACA_ZH_FIELDS) == [
        {"instruction": "说。", "input": "", "output": "好。"}
    ]


# --- real data ---------------------------------------------------------------------------------------


def test_real_alpaca_5000_loads_as_general_instructions(in_tmp, shared_data):
    write_params(
        in_tmp,
        sft_data={"mix": "alpaca_en", "eval_share": 0.0, "aliases": ""},
        translate={"alpaca": str(shared_data / "alpaca/alpaca_5000.json")},
    )
    sft_data.main()
    examples = read_jsonl(in_tmp / "data/sft/train.jsonl")
    assert len(examples) == 5000 and {e["source"] for e in examples} == {"alpaca_en"}
    assert all(e["prompt"].startswith("Below is an instruction that describes a task") for e in examples)
    assert all(e["prompt"].endswith("### Response:") for e in examples)
    with_input = sum("### Input:" in e["prompt"] for e in examples)
    assert 0 < with_input < 5000  # Alpaca mixes records with and without an input


def test_real_chinese_alpaca_loads_as_alpaca_zh(in_tmp, shared_data):
    path = shared_data / "alpaca/alpaca_chinese_part_0.v3.json"
    write_params(in_tmp, sft_data={"mix": "alpaca_zh[:1000]", "eval_share": 0.0, "alpaca_zh": str(path)})
    (in_tmp / "configs").mkdir()
    (in_tmp / "configs/mixes.yaml").write_text((ROOT / "configs/mixes.yaml").read_text(encoding="utf-8"))
    sft_data.main()
    examples = read_jsonl(in_tmp / "data/sft/train.jsonl")
    assert len(examples) == 1000 and {e["source"] for e in examples} == {"alpaca_zh"}
    han = re.compile(r"[\u4e00-\u9fff]")
    assert all(han.search(e["prompt"]) for e in examples)
    # Some outputs hold no Chinese (numbers, code, one empty output); most do.
    assert sum(bool(han.search(e["completion"])) for e in examples) >= 900
    first = json.loads(path.read_text(encoding="utf-8"))[0]
    assert any(
        e["completion"] == first["zh_output"] and first["zh_instruction"] in e["prompt"] for e in examples
    )


def test_percentage_slices_round_as_datasets_split_strings():
    # datasets reads `train[:1%]` as round(1 * n / 100) records: x-LLM's mixes are such strings.
    parts = sft_data.parse_mix("alpaca_en[:10%]+threads[-5%:]+translation_en-de[:1%]")
    assert [part.slices for part in parts] == [((None, "10%"),), (("-5%", None),), ((None, "1%"),)]
    assert sft_data.apply_slices(list(range(60)), parts[0].slices) == list(range(6))
    assert sft_data.apply_slices(list(range(60)), parts[1].slices) == [57, 58, 59]
    assert len(sft_data.apply_slices(list(range(1875)), parts[2].slices)) == 19  # round(18.75)


def test_xllm_alias_names_resolve_nested(tmp_path):
    aliases = tmp_path / "alias.json"  # x-LLM's layout: {name: mix}; JSON is read as YAML
    layout = {
        "xllm_zh": "alpaca_en[:1000]+alpaca_zh+translation_en-zh",
        "nested": "alias_xllm_zh+alpaca_en[4990:]",
    }
    aliases.write_text(json.dumps(layout), encoding="utf-8")
    table = sft_data.read_aliases(str(aliases), "zh")
    parts = sft_data.resolve_mix("alias_nested", table, str(aliases), "zh")
    assert [part.label for part in parts] == [
        "alpaca_en[:1000]",
        "alpaca_zh",
        "translation_en-zh",
        "alpaca_en[4990:]",
    ]


def test_a_corpus_source_takes_that_corpus_records_and_names_them(workspace):
    records = [_instruction("translation_en-zh", n) for n in range(3)]
    records += [
        json.dumps(json.loads(r) | {"corpus": "ncwm"}) for r in (_instruction("translation_en-zh", 9),)
    ]
    write_lines(workspace / "data/instructions/translation.jsonl", records)
    train, _ = _run(workspace, mix="translation_ncwm_en-zh+translation_en-zh", eval_share=0.0, shuffle=False)
    # the corpus source holds its corpus alone; the direction source every record of the direction
    assert [(e["source"], e["completion"]) for e in train] == [
        ("translation_ncwm_en-zh", "T9"),
        *[("translation_en-zh", f"T{n}") for n in (0, 1, 2, 9)],
    ]
    with pytest.raises(
        InputError,
        match="no translation_wiki_en-zh records \\(found: translation_en-zh, translation_ncwm_en-zh\\)",
    ):
        _run(workspace, mix="translation_wiki_en-zh", eval_share=0.0)


def test_an_unshuffled_mix_keeps_mix_order_and_holds_out_a_seeded_sample(workspace):
    train, evaluation = _run(workspace, mix="alpaca_en+translation_en-de[:10]", eval_share=0.2, shuffle=False)
    assert len(evaluation) == 3 and len(train) == 11
    everything = ["Tom."] * 4 + [f"T{n}" for n in range(10)]
    assert [e["completion"] for e in train] == sorted((e["completion"] for e in train), key=everything.index)
    # the held-out examples are a sample of the whole mix, not its first source alone
    assert len({e["completion"] for e in evaluation} - {"Tom."}) >= 1
    assert sorted(e["completion"] for e in train + evaluation) == sorted(everything)

import pytest

from stages import instructions
from stages.core.io import InputError, read_jsonl
from stages.core.prompts import HINTS

from .helpers import write_lines, write_params

HEADER = "\t".join(instructions.MQM_COLUMNS)


def _mqm_rows() -> list[str]:
    src = "The dog sleeps."
    return [
        HEADER,
        f"good\tdoc1\t1\t1\tr1\t{src}\tDer Hund schläft.\tno-error\tno-error",
        f"good\tdoc1\t1\t1\tr2\t{src}\tDer Hund schläft.\tStyle/Awkward\tNeutral",
        f"bad\tdoc1\t1\t1\tr1\t{src}\tDer <v>Katze</v> schläft.\tAccuracy/Mistranslation\tMajor",
        f"bad\tdoc1\t1\t1\tr1\t{src}\tDer Katze schläft.<v></v>\tFluency/Punctuation\tMinor",
        f"bad\tdoc1\t1\t1\tr2\t{src}\tDer Katze <v>schläft.</v>\tNon-translation!\tMajor",
    ]


def test_mqm_gives_error_hints_scores_and_preferences(in_tmp):
    write_lines(in_tmp / "mqm.tsv", _mqm_rows())
    rows = instructions.read_mqm("mqm.tsv")
    assert instructions.segment_scores(rows) == {("good", "1"): 0.0, ("bad", "1"): -(5.1 + 25) / 2}
    spec = instructions.MqmFile(path="mqm.tsv", src_lang="en", tgt_lang="de")
    hints = instructions.error_hint_records(rows, spec, lambda: "Translate.")
    by_hint = {r["hint"]: r for r in hints}
    assert len(hints) == 5  # 2 error-free ratings + 3 error rows
    assert by_hint["A translation with major accuracy/mistranslation errors could be"]["output"] == (
        "Der <v>Katze</v> schläft."
    )
    assert "A translation with minor fluency/punctuation errors could be" in by_hint
    assert "A translation with major non-translation! errors could be" in by_hint
    clean = [r for r in hints if r["hint"] == HINTS["no_errors"]]
    assert [r["output"] for r in clean] == ["Der Hund schläft.", "Der Hund schläft."]
    assert clean[0]["input"] == "The dog sleeps.\n\n### Hint: A translation with no errors could be"
    [preference] = instructions.preference_records(rows, spec, lambda: "Translate.", min_gap=1.0)
    assert preference["output"] == "<p>Der Hund schläft.</p> rather than <p>Der Katze schläft.</p>"
    assert instructions.preference_records(rows, spec, lambda: "Translate.", min_gap=100) == []


def test_stage_writes_both_directions(in_tmp):
    write_lines(in_tmp / "mqm.tsv", _mqm_rows())
    write_lines(in_tmp / "templates.txt", ["Translate [SRC] into [TGT].", "From [SRC] to [TGT], please."])
    pair = (
        '{"id": "p:1", "src_lang": "en", "tgt_lang": "zh", "src": "The cat.", "tgt": "猫。", "origin": "x:1"}'
    )
    write_lines(in_tmp / "data/pairs/en-zh.jsonl", [pair])
    write_params(
        in_tmp,
        instructions={
            "templates": "templates.txt",
            "directions": "both",
            "mqm": [{"path": "mqm.tsv", "src_lang": "en", "tgt_lang": "de"}],
        },
    )
    instructions.main()
    records = read_jsonl(in_tmp / "data/instructions/translation.jsonl")
    assert [(r["input"], r["output"], r["source"]) for r in records] == [
        ("The cat.", "猫。", "translation_en-zh"),
        ("猫。", "The cat.", "translation_zh-en"),
    ]
    assert records[0]["instruction"] in (
        "Translate English into Chinese.",
        "From English to Chinese, please.",
    )
    assert len(read_jsonl(in_tmp / "data/instructions/error_hint.jsonl")) == 5


def test_malformed_mqm_names_the_line(in_tmp):
    rows = _mqm_rows()
    rows[3] = rows[3].replace("\t", " ", 1)
    write_lines(in_tmp / "mqm.tsv", rows)
    with pytest.raises(InputError, match=r"mqm.tsv:4: 8 TAB-separated fields, expected 9"):
        instructions.read_mqm("mqm.tsv")


def test_templates_need_placeholders(in_tmp):
    write_lines(in_tmp / "t.txt", ["Translate [SRC] to [TGT].", "Translate this."])
    with pytest.raises(InputError, match=r"t.txt:2"):
        instructions.read_templates("t.txt")


def test_published_mqm_scores_are_reproduced(shared_data):
    for tsv, scores in [
        ("mqm_newstest2020_zhen.first32segs.tsv", "mqm_newstest2020_zhen.avg_seg_scores.first32segs.tsv"),
        ("mqm_newstest2020_ende.first70segs.tsv", "mqm_newstest2020_ende.avg_seg_scores.first70segs.tsv"),
    ]:
        rows = instructions.read_mqm(shared_data / "mqm" / tsv)
        ours = instructions.segment_scores(rows)
        published = {}
        for line in (shared_data / "mqm" / scores).read_text().splitlines():
            system, score, seg = line.split()
            if score != "None" and (system, seg) in ours:
                published[(system, seg)] = float(score)
        assert published and len(published) == len(ours)
        for key, value in published.items():
            assert ours[key] == pytest.approx(value, abs=1e-6), key

import json

import pytest
from sacrebleu.metrics import BLEU, CHRF

from stages import score, track
from stages.core.io import InputError
from stages.core.metrics import corpus_scores
from stages.core.params import load_raw
from stages.core.scoring import ScoreSettings, score_hypotheses

from .helpers import write_lines, write_params

REFS = ["Der Hund schläft im Garten.", "Die Katze isst den Fisch."]
SECOND_REFS = ["Im Garten schläft der Hund.", "Den Fisch isst die Katze."]


def _cell(folder, model, hint, hyps, second_refs=None):
    records = [
        {
            "id": f"s:{i}",
            "testset": "s-en-de",
            "model": model,
            "hint": hint,
            "src_lang": "en",
            "tgt_lang": "de",
            "src": "x",
            "ref": ref,
            "prompt": "p",
            "raw": hyp,
            "hyp": hyp,
        }
        | ({"refs": [ref, second_refs[i]]} if second_refs else {})
        for i, (ref, hyp) in enumerate(zip(REFS, hyps, strict=True))
    ]
    return write_lines(
        folder / f"data/hyps/{model}/{hint}/s-en-de.jsonl",
        [json.dumps(r, ensure_ascii=False) for r in records],
    )


def test_chinese_targets_use_the_zh_tokenizer():
    scores = corpus_scores(["狗在睡觉。"], [["狗在睡觉。"]], "zh")
    assert scores["bleu"] == 100.0 and "tok:zh" in scores["signature"]["bleu"]
    assert "tok:13a" in corpus_scores(["a b"], [["a b"]], "de")["signature"]["bleu"]


def test_japanese_targets_use_mecab():
    # MeCab splits the particles: one changed particle costs BLEU, as it would not on one unsplit run.
    scores = corpus_scores(["猫が魚を食べた。"], [["猫は魚を食べた。"]], "ja")
    assert "tok:ja-mecab" in scores["signature"]["bleu"] and 50 < scores["bleu"] < 100


def test_score_writes_reports_and_track_logs_them_as_an_mlflow_run(in_tmp, monkeypatch):
    import mlflow

    _cell(in_tmp, "base", "none", ["Katze.", "Hund."])
    _cell(in_tmp, "sft", "none", ["Der Hund schläft im Garten.", "Die Katze isst den Fisch."])
    write_params(in_tmp, score={"comet_model": ""})
    monkeypatch.setenv("DVC_EXP_NAME", "exp-test")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    score.main()
    metrics = json.loads((in_tmp / "reports/metrics.json").read_text())
    assert metrics["s-en-de"]["sft"]["none"]["bleu"] == 100.0
    assert metrics["s-en-de"]["base"]["none"]["bleu"] < 10
    table = (in_tmp / "reports/scores.md").read_text()
    assert "## s-en-de" in table and "| sft − base | BLEU |" in table
    assert not (in_tmp / "mlflow.db").exists()  # score only scores
    track.main()
    mlflow.set_tracking_uri(f"sqlite:///{in_tmp / 'mlflow.db'}")
    [run] = mlflow.search_runs(experiment_names=["lingtune"], output_format="list")
    assert json.loads((in_tmp / track.RUN).read_text()) == {"run_id": run.info.run_id}
    assert run.data.tags["dvc.exp_name"] == "exp-test" and run.info.status == "FINISHED"
    assert run.data.metrics["bleu.s-en-de.sft.none"] == 100.0
    assert run.data.params["sft.learning_rate"] == str(load_raw()["sft"]["learning_rate"])
    assert (in_tmp / "reports/bleu.csv").read_text().splitlines()[0] == "cell,base,sft"
    assert run.data.metrics["off_target.s-en-de.sft.none"] == 0.0
    signatures = json.loads((in_tmp / "reports/signatures.json").read_text())
    assert set(signatures["s-en-de"]["sft"]["none"]) == {"bleu", "chrf", "off_target"}
    assert "tok:13a" in signatures["s-en-de"]["base"]["none"]["bleu"]


def test_off_target_rate_on_clear_sentences():
    german = [
        "Der Hund schläft heute Nachmittag im großen Garten.",
        "Ich habe heute keine Zeit, weil ich arbeiten muss.",
    ]
    english = [
        "The weather in London was unusually warm this week.",
        "She has been reading the newspaper all morning.",
    ]
    chinese = ["今天下午我们在公园里散步。", "这本书非常有意思，我已经读了两遍。"]

    def rate(hyps: list[str], tgt_lang: str) -> float:
        return score_hypotheses(hyps, hyps, [hyps], tgt_lang, ScoreSettings())[0]["off_target"]

    assert rate(german, "de") == 0.0
    assert rate(german + english, "de") == 0.5
    assert rate(chinese + english, "zh") == 0.5
    assert rate(english + chinese + german, "en") == pytest.approx(0.6667)
    # An empty output is a failed translation, whatever the identifier's prior says.
    hyps = ["", "  ", german[0]]
    _, _, segments = score_hypotheses(["a"] * 3, hyps, [[german[0]] * 3], "de", ScoreSettings())
    assert [segment["off_target"] for segment in segments] == [True, True, False]
    with pytest.raises(ValueError, match="does not know"):
        rate(german, "xx")


def test_multiple_references_score_as_sacrebleu_streams(in_tmp):
    hyps = ["Im Garten schläft der Hund.", "Die Katze isst Fisch."]
    _cell(in_tmp, "sft", "none", hyps, second_refs=SECOND_REFS)
    write_params(in_tmp, score={"comet_model": ""})
    score.main()
    cell = json.loads((in_tmp / "reports/metrics.json").read_text())["s-en-de"]["sft"]["none"]
    streams = [REFS, SECOND_REFS]
    assert cell["bleu"] == round(BLEU(tokenize="13a").corpus_score(hyps, streams).score, 2)
    assert cell["chrf"] == round(CHRF().corpus_score(hyps, streams).score, 2)
    # The second reference matters: against the first alone the first hypothesis scores lower.
    assert cell["bleu"] > corpus_scores(hyps, [REFS], "de")["bleu"]
    signature = json.loads((in_tmp / "reports/signatures.json").read_text())["s-en-de"]["sft"]["none"]
    assert "nrefs:2" in signature["bleu"] and "nrefs:2" in signature["chrf"]


def test_segments_line_up_with_the_hypotheses(in_tmp):
    _cell(in_tmp, "base", "none", ["Katze.", ""])
    _cell(in_tmp, "sft", "none", ["Der Hund schläft im Garten.", "Die Katze isst Fisch."])
    write_params(in_tmp, score={"comet_model": ""})
    score.main()
    rows = [json.loads(line) for line in (in_tmp / "reports/segments.jsonl").read_text().splitlines()]
    files = score.hypothesis_files(["base", "sft"])
    hyps = [json.loads(line) for path in files for line in path.read_text().splitlines()]
    assert [(r["id"], r["model"], r["hyp"], r["ref"]) for r in rows] == [
        (h["id"], h["model"], h["hyp"], h["ref"]) for h in hyps
    ]
    assert {"testset", "hint", "src", "bleu", "chrf", "off_target"} <= set(rows[0]) and "comet" not in rows[0]
    assert rows[1]["off_target"] is True and rows[1]["bleu"] == 0.0  # the empty hypothesis
    assert rows[2]["bleu"] == 100.0 and rows[2]["off_target"] is False
    metrics = json.loads((in_tmp / "reports/metrics.json").read_text())["s-en-de"]
    assert metrics["sft"]["none"]["off_target"] == 0.0 and metrics["base"]["none"]["off_target"] >= 0.5


def test_only_the_listed_models_are_scored(in_tmp):
    _cell(in_tmp, "sft", "none", ["Der Hund schläft im Garten.", "Die Katze isst Fisch."])
    _cell(in_tmp, "old", "none", ["Katze.", "Hund."])  # a model since dropped from infer.models
    write_params(in_tmp, score={"comet_model": ""})
    score.main()
    assert set(json.loads((in_tmp / "reports/metrics.json").read_text())["s-en-de"]) == {"sft"}
    write_params(in_tmp, score={"comet_model": ""}, infer={"models": ["base", "sft", "old"]})
    score.main()
    assert set(json.loads((in_tmp / "reports/metrics.json").read_text())["s-en-de"]) == {"sft", "old"}


def test_a_bad_cell_is_named_by_its_file(in_tmp):
    path = _cell(in_tmp, "sft", "none", ["Der Hund schläft im Garten.", "Die Katze isst Fisch."])
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[1]["refs"] = ["something else", "x"]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    write_params(in_tmp, score={"comet_model": ""})
    with pytest.raises(InputError, match=r"data/hyps/sft/none/s-en-de.jsonl.*`refs` must start with `ref`"):
        score.main()
    assert not (in_tmp / "reports/metrics.json").exists()


def test_chrf_plus_and_ter_only_when_on(in_tmp):
    _cell(in_tmp, "sft", "none", ["Der Hund schläft im Garten.", "Die Katze isst Fisch."])
    write_params(in_tmp, score={"comet_model": ""})
    score.main()
    cell = json.loads((in_tmp / "reports/metrics.json").read_text())["s-en-de"]["sft"]["none"]
    assert "chrfpp" not in cell and "ter" not in cell
    assert "chrF++" not in (in_tmp / "reports/scores.md").read_text()
    write_params(in_tmp, score={"comet_model": "", "chrf_plus": True, "ter": True})
    score.main()
    cell = json.loads((in_tmp / "reports/metrics.json").read_text())["s-en-de"]["sft"]["none"]
    assert 0 < cell["ter"] < 100 and cell["chrf"] < cell["chrfpp"] < 100
    signature = json.loads((in_tmp / "reports/signatures.json").read_text())["s-en-de"]["sft"]["none"]
    assert "nw:2" in signature["chrfpp"] and signature["ter"].startswith("nrefs:1")
    assert "| sft | chrF++ |" in (in_tmp / "reports/scores.md").read_text()


def test_flat_metric_names():
    assert track.flat_metrics({"t": {"m": {"h": {"bleu": 1.0}}}}) == {"bleu.t.m.h": 1.0}


@pytest.mark.parametrize("pair", ["zh-en", "en-de"])
def test_official_wmt22_bleu_and_chrf(shared_data, pair):
    """sacreBLEU as the score stage calls it reproduces the official WMT22 figures (references B, A)."""
    wmt = shared_data / "wmt22"
    tgt = pair.split("-")[1]
    official = {}
    for line in (wmt / "automatic-scores.tsv").read_text().splitlines()[1:]:
        lp, system, _id, _constrained, metric, value = line.split("\t")
        if lp == pair:
            official[(system, metric)] = float(value)
    ref_a = (wmt / f"generaltest2022.{pair}.ref.A.{tgt}").read_text().split("\n")[:-1]
    ref_b = (wmt / f"generaltest2022.{pair}.ref.B.{tgt}").read_text().split("\n")[:-1]
    checked = 0
    for path in sorted(wmt.glob(f"generaltest2022.{pair}.hyp.*.{tgt}")):
        system = path.name.split(".hyp.")[1].rsplit(".", 1)[0]
        hyps = path.read_text().split("\n")[:-1]
        one, both = corpus_scores(hyps, [ref_a], tgt), corpus_scores(hyps, [ref_b, ref_a], tgt)
        for name, value in [
            ("bleu-A", one["bleu"]),
            ("chrf-A", one["chrf"]),
            ("bleu-all", both["bleu"]),
            ("chrf-all", both["chrf"]),
        ]:
            if (system, name) in official:
                assert value == pytest.approx(official[(system, name)], abs=0.01), (system, name)
                checked += 1
    assert checked >= 8


def test_lingtune_score_prints_json(tmp_path, capsys):
    from stages.commands.cli import main

    (tmp_path / "hyp").write_text("Der Hund schläft.\nDie Katze.\n")
    (tmp_path / "ref").write_text("Der Hund schläft.\nDie Katze isst.\n")
    main(["score", "--hyp", str(tmp_path / "hyp"), "--ref", str(tmp_path / "ref"), "--lang-pair", "en-de"])
    printed = json.loads(capsys.readouterr().out)
    assert 0 < printed["bleu"] < 100 and "tok:13a" in printed["signature"]["bleu"]
    assert "off_target" in printed and "chrfpp" not in printed and "ter" not in printed
    ref, hyp = str(tmp_path / "ref"), str(tmp_path / "hyp")
    main(["score", "--hyp", hyp, "--ref", ref, "--lang-pair", "en-de", "--chrf-plus", "--ter"])
    printed = json.loads(capsys.readouterr().out)
    assert {"chrfpp", "ter", "off_target"} <= set(printed) and "nw:2" in printed["signature"]["chrfpp"]
    with pytest.raises(SystemExit, match="--comet and --comet-kiwi need --src"):
        main(["score", "--hyp", hyp, "--ref", ref, "--lang-pair", "en-de", "--comet", "x"])
    (tmp_path / "short").write_text("Der Hund schläft.\n")
    with pytest.raises(SystemExit, match="1 lines, but"):
        hyp, short = str(tmp_path / "hyp"), str(tmp_path / "short")
        main(["score", "--hyp", hyp, "--ref", short, "--lang-pair", "en-de"])


def test_comet_takes_the_first_reference_and_fills_segments(in_tmp, monkeypatch):
    calls = []

    def fake_comet(model, sources, hyps, refs, batch_size, gpus):
        assert gpus == 0  # score.comet_gpus, CPU by default
        calls.append(refs)
        return 0.5, [0.25, 0.75]

    monkeypatch.setattr("stages.core.comet.comet_scores", fake_comet)
    _cell(in_tmp, "sft", "none", ["Der Hund schläft im Garten.", "Die Katze isst."], second_refs=SECOND_REFS)
    write_params(in_tmp, score={"comet_model": "tiny"})
    score.main()
    assert calls == [REFS]
    rows = [json.loads(line) for line in (in_tmp / "reports/segments.jsonl").read_text().splitlines()]
    assert [r["comet"] for r in rows] == [0.25, 0.75] and rows[0]["refs"] == [REFS[0], SECOND_REFS[0]]
    signature = json.loads((in_tmp / "reports/signatures.json").read_text())["s-en-de"]["sft"]["none"]
    assert "model:tiny" in signature["comet"]


def test_comet_kiwi_scores_without_references_when_on(in_tmp, monkeypatch):
    calls = {}

    def fake_comet(model, sources, hyps, refs, batch_size, gpus):
        calls[model] = refs
        return (0.5, [0.25, 0.75]) if refs else (0.4, [0.3, 0.5])

    monkeypatch.setattr("stages.core.comet.comet_scores", fake_comet)
    _cell(in_tmp, "sft", "none", ["Der Hund schläft im Garten.", "Die Katze isst."])
    write_params(in_tmp, score={"comet_model": "da", "comet_kiwi_model": "kiwi"})
    score.main()
    assert calls == {"da": REFS, "kiwi": None}
    cell = json.loads((in_tmp / "reports/metrics.json").read_text())["s-en-de"]["sft"]["none"]
    assert cell["comet"] == 0.5 and cell["cometkiwi"] == 0.4
    rows = [json.loads(line) for line in (in_tmp / "reports/segments.jsonl").read_text().splitlines()]
    assert [r["cometkiwi"] for r in rows] == [0.3, 0.5]
    signature = json.loads((in_tmp / "reports/signatures.json").read_text())["s-en-de"]["sft"]["none"]
    assert "model:kiwi|ref:none" in signature["cometkiwi"] and "ref:first" in signature["comet"]
    assert "COMET-Kiwi" in (in_tmp / "reports/scores.md").read_text()

import json

import pytest

from stages import score
from stages.core.metrics import corpus_scores

from .helpers import write_lines, write_params


def _cell(folder, model, hint, hyps):
    refs = ["Der Hund schläft im Garten.", "Die Katze isst den Fisch."]
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
        for i, (ref, hyp) in enumerate(zip(refs, hyps, strict=True))
    ]
    write_lines(
        folder / f"data/hyps/{model}/{hint}/s-en-de.jsonl",
        [json.dumps(r, ensure_ascii=False) for r in records],
    )


def test_chinese_targets_use_the_zh_tokenizer():
    scores = corpus_scores(["狗在睡觉。"], [["狗在睡觉。"]], "zh")
    assert scores["bleu"] == 100.0 and "tok:zh" in scores["signature"]["bleu"]
    assert "tok:13a" in corpus_scores(["a b"], [["a b"]], "de")["signature"]["bleu"]


def test_score_writes_reports_and_an_mlflow_run(in_tmp, monkeypatch):
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
    mlflow.set_tracking_uri(f"sqlite:///{in_tmp / 'mlflow.db'}")
    [run] = mlflow.search_runs(experiment_names=["lingtune"], output_format="list")
    assert run.data.tags["dvc.exp_name"] == "exp-test"
    assert run.data.metrics["bleu.s-en-de.sft.none"] == 100.0
    assert run.data.params["sft.learning_rate"] == str(score.load_raw()["sft"]["learning_rate"])
    assert (in_tmp / "reports/bleu.csv").read_text().splitlines()[0] == "cell,base,sft"


def test_flat_metric_names():
    assert score.flat_metrics({"t": {"m": {"h": {"bleu": 1.0}}}}) == {"bleu.t.m.h": 1.0}


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
    from stages.core.cli import main

    (tmp_path / "hyp").write_text("Der Hund schläft.\nDie Katze.\n")
    (tmp_path / "ref").write_text("Der Hund schläft.\nDie Katze isst.\n")
    main(["score", "--hyp", str(tmp_path / "hyp"), "--ref", str(tmp_path / "ref"), "--lang-pair", "en-de"])
    printed = json.loads(capsys.readouterr().out)
    assert 0 < printed["bleu"] < 100 and "tok:13a" in printed["signature"]["bleu"]
    (tmp_path / "short").write_text("Der Hund schläft.\n")
    with pytest.raises(SystemExit, match="1 lines, but"):
        hyp, short = str(tmp_path / "hyp"), str(tmp_path / "short")
        main(["score", "--hyp", hyp, "--ref", short, "--lang-pair", "en-de"])

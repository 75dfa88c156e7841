import json
import random

import pytest

from stages import infer
from stages.core.batching import token_batches
from stages.core.generation import PRESETS, generate_all
from stages.core.io import InputError, read_jsonl
from stages.core.params import Infer
from stages.core.params import TestSet as Spec  # not "Test*": pytest would try to collect it

from .helpers import write_lines, write_params


def test_token_batches_longest_first_within_budget():
    # Padded size is the batch's first (longest) prompt x rows: 9x2=18 fits 20, 9x3 would not.
    assert token_batches([3, 9, 1, 7, 5], batch_tokens=20) == [[1, 3], [4, 0, 2]]


def test_token_batches_put_an_over_long_prompt_alone():
    assert token_batches([50, 4, 4], batch_tokens=10) == [[0], [1, 2]]
    assert token_batches([5, 5, 5], batch_tokens=1) == [[0], [1], [2]]


def test_token_batches_cover_every_index_once_and_respect_the_budget():
    rng = random.Random(0)
    for _ in range(200):
        lengths = [rng.randint(1, 60) for _ in range(rng.randint(0, 40))]
        budget = rng.randint(1, 300)
        batches = token_batches(lengths, budget)
        assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
        for batch in batches:
            padded = max(lengths[i] for i in batch) * len(batch)
            assert padded <= budget or len(batch) == 1
            assert [lengths[i] for i in batch] == sorted((lengths[i] for i in batch), reverse=True)


def test_presets_fill_what_params_leave_null():
    assert infer.generation_settings(Infer(testsets={})) == PRESETS["parrot_beam"]  # ParroT's default
    assert infer.generation_settings(Infer(testsets={}, preset="greedy")).num_beams == 1
    beam = infer.generation_settings(Infer(testsets={}, preset="parrot_beam"))
    assert (beam.num_beams, beam.do_sample, beam.max_new_tokens) == (4, False, 256)
    sample = infer.generation_settings(Infer(testsets={}, preset="parrot_sample"))
    assert (sample.do_sample, sample.temperature, sample.top_p, sample.num_beams) == (True, 0.1, 0.9, 1)


def test_keys_written_in_params_win_over_the_preset():
    config = Infer(testsets={}, preset="parrot_beam", max_new_tokens=48, num_beams=2, do_sample=None)
    resolved = infer.generation_settings(config)
    assert (resolved.max_new_tokens, resolved.num_beams, resolved.do_sample) == (48, 2, False)
    # False and other falsy values written explicitly still win: only None means "from the preset".
    explicit_false = Infer(testsets={}, preset="parrot_sample", do_sample=False)
    assert not infer.generation_settings(explicit_false).do_sample


def test_params_reject_an_unknown_preset_and_an_empty_reference_list():
    with pytest.raises(ValueError, match="preset"):
        Infer(testsets={}, preset="nucleus")
    with pytest.raises(ValueError, match="at least one reference"):
        Spec(src="t.en", ref=[], src_lang="en", tgt_lang="de")
    assert Spec(src="t.en", ref="t.de", src_lang="en", tgt_lang="de").refs == ["t.de"]


def test_multi_reference_records_keep_ref_and_add_refs(in_tmp):
    write_lines(in_tmp / "t.en", ["a", "b"])
    write_lines(in_tmp / "t.A.de", ["a1", "b1"])
    write_lines(in_tmp / "t.B.de", ["a2", "b2"])
    spec = Spec(src="t.en", ref=["t.A.de", "t.B.de"], src_lang="en", tgt_lang="de")
    sources, refs = infer.read_test_set("x", spec)
    assert sources == ["a", "b"] and refs == [["a1", "b1"], ["a2", "b2"]]
    record = infer.hypothesis_record(
        "x", 1, spec, "sft", "none", "b", ["b1", "b2"], "P", " B\n\n### Response: C"
    )
    assert record["id"] == "x:2" and record["ref"] == "b1" and record["refs"] == ["b1", "b2"]
    assert record["hyp"] == "B"
    single = infer.hypothesis_record("x", 0, spec, "sft", "none", "a", ["a1"], "P", "A")
    assert single["ref"] == "a1" and "refs" not in single


def test_unequal_line_counts_name_the_files(in_tmp):
    write_lines(in_tmp / "t.en", ["a", "b"])
    write_lines(in_tmp / "t.A.de", ["a1", "b1"])
    write_lines(in_tmp / "t.B.de", ["a2"])
    spec = Spec(src="t.en", ref=["t.A.de", "t.B.de"], src_lang="en", tgt_lang="de")
    with pytest.raises(InputError, match=r"t\.B\.de: 1 lines, but t\.en has 2 \(test set x\)"):
        infer.read_test_set("x", spec)


def test_cell_writes_hypotheses_for_every_test_set(in_tmp, tiny_lm, monkeypatch):
    write_lines(in_tmp / "t.en", ["The dog sleeps.", "The cat eats.", "Hello"])
    write_lines(in_tmp / "t.de", ["Der Hund schläft.", "Die Katze isst.", "Hallo"])
    write_lines(in_tmp / "t.B.de", ["Der Hund ruht.", "Die Katze frisst.", "Servus"])
    testsets = {
        "a-en-de": {"src": "t.en", "ref": ["t.de", "t.B.de"], "src_lang": "en", "tgt_lang": "de"},
        "a-de-en": {"src": "t.de", "ref": "t.en", "src_lang": "de", "tgt_lang": "en"},
    }
    write_params(
        in_tmp,
        base={"model": str(tiny_lm)},
        infer={"testsets": testsets, "batch_tokens": 200, "max_new_tokens": 5},
    )
    monkeypatch.setattr("sys.argv", ["infer", "--model", "base", "--hint", "minor"])
    infer.main()
    cell = in_tmp / "data/hyps/base/minor"
    records = read_jsonl(cell / "a-en-de.jsonl")
    assert [r["src"] for r in records] == ["The dog sleeps.", "The cat eats.", "Hello"]
    assert records[0]["prompt"].endswith(
        "### Instruction:\nTranslate the following sentences from English to German.\n\n### Input:\n"
        "The dog sleeps.\n\n### Hint: A translation with minor errors could be\n\n### Response:"
    )
    assert all(r["model"] == "base" and r["hint"] == "minor" and r["tgt_lang"] == "de" for r in records)
    assert [r["refs"] for r in records][2] == ["Hallo", "Servus"] and records[2]["ref"] == "Hallo"
    assert (cell / "a-en-de.hyp").read_text().splitlines() == [r["hyp"] for r in records]
    assert all("refs" not in r for r in read_jsonl(cell / "a-de-en.jsonl"))
    settings = json.loads((cell / "settings.json").read_text())
    assert settings["max_new_tokens"] == 5 and settings["preset"] == "greedy" and settings["num_beams"] == 1


def test_batched_greedy_equals_one_by_one(tiny_lm):
    from stages.core.models import load_causal_lm, load_tokenizer

    tokenizer, model = load_tokenizer(str(tiny_lm)), load_causal_lm(str(tiny_lm))
    prompts = ["The dog sleeps.", "Hello", "Translate the following sentences from English to German."]
    generation = infer.generation_settings(Infer(testsets={}, max_new_tokens=6))
    batched = generate_all(model, tokenizer, prompts, generation, False, batch_tokens=10_000, seed=0)
    # A budget of one token puts every prompt alone in its batch.
    single = generate_all(model, tokenizer, prompts, generation, False, batch_tokens=1, seed=0)
    assert batched == single


def test_sampling_is_seeded(tiny_lm):
    from stages.core.models import load_causal_lm, load_tokenizer

    tokenizer, model = load_tokenizer(str(tiny_lm)), load_causal_lm(str(tiny_lm))
    prompts = ["The dog sleeps.", "Hello"]
    generation = infer.generation_settings(Infer(testsets={}, preset="parrot_sample", max_new_tokens=6))
    first = generate_all(model, tokenizer, prompts, generation, False, batch_tokens=10_000, seed=3)
    assert generate_all(model, tokenizer, prompts, generation, False, batch_tokens=10_000, seed=3) == first


def test_an_extra_adapter_model_is_a_matrix_row(in_tmp, tiny_lm, monkeypatch):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from stages.core.models import load_causal_lm

    base = AutoModelForCausalLM.from_pretrained(tiny_lm)
    config = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(base, config).save_pretrained(in_tmp / "models/lora")
    write_lines(in_tmp / "t.en", ["The dog sleeps.", "Hello"])
    write_lines(in_tmp / "t.de", ["Der Hund schläft.", "Hallo"])
    testsets = {"a-en-de": {"src": "t.en", "ref": "t.de", "src_lang": "en", "tgt_lang": "de"}}
    write_params(
        in_tmp,
        base={"model": str(tiny_lm)},
        infer={"models": ["base", "lora"], "testsets": testsets, "max_new_tokens": 4},
    )
    monkeypatch.setattr("sys.argv", ["infer", "--model", "lora", "--hint", "none"])
    infer.main()
    records = read_jsonl(in_tmp / "data/hyps/lora/none/a-en-de.jsonl")
    assert [r["model"] for r in records] == ["lora", "lora"]
    assert json.loads((in_tmp / "data/hyps/lora/none/settings.json").read_text())["model"] == "models/lora"
    # The adapter is applied on its base, not ignored: its logits differ from the base model's.
    ids = torch.tensor([[1, 5, 9, 12]])
    with torch.no_grad():
        adapted = load_causal_lm("models/lora")(ids).logits
        plain = load_causal_lm(str(tiny_lm))(ids).logits
    assert not torch.allclose(adapted, plain)


def test_an_unknown_model_name_is_named(in_tmp, tiny_lm, monkeypatch):
    write_params(in_tmp, base={"model": str(tiny_lm)}, infer={"models": ["base", "mine"]})
    monkeypatch.setattr("sys.argv", ["infer", "--model", "mine", "--hint", "none"])
    with pytest.raises(InputError, match="models/mine: no model folder for infer model 'mine'"):
        infer.main()
    assert not (in_tmp / "data/hyps/mine").exists()


def test_model_names_are_checked():
    with pytest.raises(ValueError, match="a/b: a model name is letters"):
        Infer(testsets={}, models=["base", "a/b"])
    with pytest.raises(ValueError, match="listed twice"):
        Infer(testsets={}, models=["sft", "sft"])


def test_a_datasets_test_set_reads_source_and_references(in_tmp):
    from datasets import Dataset

    rows = [
        {"translation": {"en": "The dog sleeps.", "de": "Der Hund schläft."}, "de_b": "Der Hund ruht."},
        {"translation": {"en": "Hello", "de": "Hallo"}, "de_b": "Servus"},
    ]
    Dataset.from_list(rows).save_to_disk(str(in_tmp / "wmt"))
    one = Spec(format="datasets", path="wmt", src_lang="en", tgt_lang="de")
    assert infer.read_test_set("w", one) == (["The dog sleeps.", "Hello"], [["Der Hund schläft.", "Hallo"]])
    flat = [{"en": r["translation"]["en"], "de": r["translation"]["de"], "de_b": r["de_b"]} for r in rows]
    Dataset.from_list(flat).save_to_disk(str(in_tmp / "flat"))
    two = Spec(format="datasets", path="flat", ref_field=["de_b", "de"], src_lang="en", tgt_lang="de")
    sources, refs = infer.read_test_set("w", two)
    assert refs == [["Der Hund ruht.", "Servus"], ["Der Hund schläft.", "Hallo"]]
    missing = Spec(format="datasets", path="flat", ref_field="de_c", src_lang="en", tgt_lang="de")
    with pytest.raises(InputError, match=r"flat:test:0: no text field 'de_c' \(test set w\)"):
        infer.read_test_set("w", missing)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"format": "text", "src": "a.en"}, "format text needs ref"),
        ({"format": "sacrebleu"}, "format sacrebleu needs path"),
        ({"format": "sacrebleu", "path": "wmt22", "src": "a.en"}, "src: not used by format sacrebleu"),
        ({"src": "a.en", "ref": "a.de", "split": "dev"}, "split: not used by format text"),
    ],
)
def test_test_set_keys_must_fit_the_format(spec, message):
    with pytest.raises(ValueError, match=message):
        Spec(src_lang="en", tgt_lang="de", **spec)


def test_a_sacrebleu_test_set_offline_is_a_clear_error(in_tmp, monkeypatch):
    from sacrebleu.dataset import DATASETS

    monkeypatch.setattr(DATASETS["wmt22"], "_rawdir", str(in_tmp / "empty"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = Spec(format="sacrebleu", path="wmt22", src_lang="en", tgt_lang="de")
    with pytest.raises(InputError, match=r"wmt22 \(sacreBLEU test set, en-de\): not in sacreBLEU's cache"):
        infer.read_test_set("wmt22", spec)


@pytest.mark.network
def test_a_sacrebleu_test_set_has_both_wmt22_references():
    spec = Spec(format="sacrebleu", path="wmt22", ref_field=["ref:B", "ref:A"], src_lang="en", tgt_lang="de")
    sources, refs = infer.read_test_set("wmt22", spec)
    assert len(sources) == 2037 and len(refs) == 2 and refs[0] != refs[1]


def _launch(folder, processes: int, model: str = "base", hint: str = "none") -> None:
    """The command dvc.yaml runs for one cell, with `processes` processes."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "stages.infer", "--model", model, "--hint", hint]
    command += ["--processes", str(processes)]
    subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True, timeout=300)


def test_two_processes_write_what_one_writes(in_tmp, tiny_lm):
    sources = [f"The dog {'very ' * (i % 7)}sleeps number {i}." for i in range(23)]
    write_lines(in_tmp / "t.en", sources)
    write_lines(in_tmp / "t.de", [f"Der Hund schläft {i}." for i in range(23)])
    testsets = {"a-en-de": {"src": "t.en", "ref": "t.de", "src_lang": "en", "tgt_lang": "de"}}
    infer_params = {"testsets": testsets, "batch_tokens": 120, "max_new_tokens": 6}
    write_params(in_tmp, base={"model": str(tiny_lm)}, infer=infer_params | {"processes": 1})
    _launch(in_tmp, 1)
    one = {path.name: path.read_bytes() for path in (in_tmp / "data/hyps/base/none").iterdir()}
    write_params(in_tmp, base={"model": str(tiny_lm)}, infer=infer_params | {"processes": 2})
    _launch(in_tmp, 2)
    two = {path.name: path.read_bytes() for path in (in_tmp / "data/hyps/base/none").iterdir()}
    assert sorted(one) == ["a-en-de.hyp", "a-en-de.jsonl", "settings.json"]
    assert two == one  # byte for byte: the merge does not depend on the process count
    assert len(read_jsonl(in_tmp / "data/hyps/base/none/a-en-de.jsonl")) == 23

"""Recipes: every shipped recipe passes the offline check; broken copies fail naming the key; the estimate."""

import json
import os
import stat
from pathlib import Path

import pytest
import yaml

from stages.commands.cli import main
from stages.commands.recipe import dvc_command
from stages.commands.recipe_check import check_recipe, shape_from_config
from stages.commands.recipe_estimate import (
    GIB,
    Shape,
    adapter_parameters,
    memory_per_gpu,
    shape_from_name,
    training_flops_per_token,
)

from .conftest import ROOT

RECIPES = sorted((ROOT / "recipes").glob("*.yaml"))
NO_OFFLOAD = {"optimizer": False, "param": False}
# LLaMA-7B's published shape (config.json of huggyllama/llama-7b)
LLAMA_7B = Shape(
    parameters=6_738_415_616,
    hidden=4096,
    layers=32,
    intermediate=11008,
    vocab=32000,
    kv_hidden=4096,
    source="LLaMA-7B",
    unquantised=2 * 32000 * 4096 + (2 * 32 + 1) * 4096,  # embeddings, lm_head, 65 RMSNorms
)


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    # Recipes name their files relative to the repository root, where DVC runs the stages.
    monkeypatch.chdir(ROOT)


def broken_copy(tmp_path: Path, recipe: str, change) -> Path:
    raw = yaml.safe_load((ROOT / "recipes" / recipe).read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / recipe
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def error_keys(report) -> dict[str, str]:
    return {error["key"]: error["message"] for error in report.errors}


def test_the_four_recipes_are_shipped():
    assert [path.name for path in RECIPES] == [
        "llama2lang.yaml",
        "parrot-hint-lora.yaml",
        "parrot-hint.yaml",
        "x-llm.yaml",
    ]


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda path: path.name)
def test_every_recipe_passes_the_offline_check(recipe):
    report = check_recipe(recipe.relative_to(ROOT))
    assert report.errors == []
    assert report.estimate is not None and report.estimate["fits"]
    # Everything not on this disk is listed as fetched at run time: the base model among it.
    assert {"key": "base.model", "value": yaml.safe_load(recipe.read_text())["base"]["model"]} in (
        report.fetched_at_run_time
    )


def test_the_recipes_say_what_the_issue_asks():
    parrot = yaml.safe_load((ROOT / "recipes/parrot-hint.yaml").read_text())
    sft = parrot["sft"]
    assert sft["batch_size"] * sft["gradient_accumulation_steps"] * sft["processes"] == 128
    assert (sft["epochs"], sft["learning_rate"], sft["lr_scheduler"], sft["warmup_ratio"]) == (
        1.5,
        2e-5,
        "cosine",
        0.03,
    )
    assert sft["max_length"] == 512 and sft["gradient_checkpointing"] and sft["weight_decay"] == 0
    assert json.loads((ROOT / sft["deepspeed"]).read_text())["zero_optimization"]["stage"] == 2
    llama2lang = yaml.safe_load((ROOT / "recipes/llama2lang.yaml").read_text())["sft"]
    assert (llama2lang["mode"], llama2lang["preset"], llama2lang["lr_scheduler"]) == (
        "qlora",
        "llama2lang",
        "constant",
    )
    xllm = yaml.safe_load((ROOT / "recipes/x-llm.yaml").read_text())
    assert xllm["sft_data"]["mix"] == "alpaca_en+alpaca_zh+translation_ncwm_en-zh"
    assert xllm["sft"]["epochs"] == 3


def test_each_kind_of_mistake_is_named_by_its_key_all_at_once(tmp_path):
    not_json = tmp_path / "zero2.json"
    not_json.write_text('{"zero_optimization": {"stage": 2,}', encoding="utf-8")

    def break_everything(raw):
        raw["sft"]["learning_rat"] = raw["sft"].pop("learning_rate")
        raw["instructions"]["templates"] = "configs/templates/no-such-file.txt"
        raw["base"]["model"] = "huggyllama/llama 7b"
        raw["pairs"]["inputs"][0]["path"] = "wmt99"
        raw["infer"]["testsets"]["wmt22-zh-en"]["src_lang"] = "ja"
        raw["infer"]["testsets"]["wmt22-zh-en"]["tgt_lang"] = "de"
        raw["sft"]["deepspeed"] = str(not_json)

    report = check_recipe(broken_copy(tmp_path, "parrot-hint.yaml", break_everything))
    errors = error_keys(report)
    assert not report.ok and report.estimate is None
    assert "unknown key" in errors["sft.learning_rat"]
    assert "field required" in errors["sft.learning_rate"].lower()
    assert "no such file" in errors["instructions.templates"]
    assert "hub id" in errors["base.model"]
    assert "not a sacreBLEU test set" in errors["pairs.inputs[0].path"]
    assert "has no ja-de" in errors["infer.testsets.wmt22-zh-en.path"]
    assert "not valid JSON" in errors["sft.deepspeed"]


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (
            lambda raw: raw["translate"].update(alpaca="data/sample/alpaca/missing.json"),
            "translate.alpaca",
            "no such file",
        ),
        (
            lambda raw: raw["translate"].update(oasst="https://example.org/oasst.jsonl"),
            "translate.oasst",
            "not a URL",
        ),
        (lambda raw: raw["score"].update(comet_model="Unbabel//wmt22"), "score.comet_model", "hub id"),
        (lambda raw: raw["base"].update(model="models/llama-7b"), "base.model", "no such folder"),
        (
            lambda raw: raw["instructions"]["mqm"][0].update(path="http://x/mqm.tsv"),
            "instructions.mqm[0].path",
            "https",
        ),
        (lambda raw: raw["sft"].update(launcher="python"), "sft.launcher", "DeepSpeed runs under a launcher"),
        (lambda raw: raw["sft"].update(mode="lora"), "sft.preset", "needs sft.lora_r"),
        (lambda raw: raw["infer"].update(models=["base", "nowhere"]), "infer.models[1]", "models/nowhere"),
    ],
    ids=[
        "missing-local-file",
        "oasst-url",
        "bad-comet-id",
        "missing-model-folder",
        "http-not-https",
        "ds-without-launcher",
        "lora-no-r",
        "no-model",
    ],
)
def test_a_broken_copy_fails_naming_the_key(tmp_path, change, key, words):
    report = check_recipe(broken_copy(tmp_path, "parrot-hint.yaml", change))
    assert words in error_keys(report)[key]


def test_deepspeed_batch_numbers_and_the_accelerate_config_must_agree(tmp_path):
    deepspeed = tmp_path / "ds.json"
    deepspeed.write_text(
        json.dumps(
            {"zero_optimization": {"stage": 2}, "train_batch_size": 64, "gradient_accumulation_steps": "auto"}
        )
    )
    accelerate = tmp_path / "accelerate.yaml"
    accelerate.write_text("distributed_type: DEEPSPEED\nnum_processes: 4\n")

    def launch(raw):
        raw["sft"].update(
            deepspeed=str(deepspeed), launcher="accelerate", launcher_args=["--config_file", str(accelerate)]
        )

    errors = error_keys(check_recipe(broken_copy(tmp_path, "parrot-hint.yaml", launch)))
    assert "train_batch_size is 64, but sft.* give 128" in errors["sft.deepspeed"]
    assert "num_processes is 4, but sft.processes x nodes is 8" in errors["sft.launcher_args"]


def test_a_stage_outside_zero_is_an_error(tmp_path):
    deepspeed = tmp_path / "ds.json"
    deepspeed.write_text(json.dumps({"zero_optimization": {"stage": 4}}))
    report = check_recipe(
        broken_copy(tmp_path, "x-llm.yaml", lambda raw: raw["sft"].update(deepspeed=str(deepspeed)))
    )
    assert "zero_optimization.stage must be 0, 1, 2 or 3" in error_keys(report)["sft.deepspeed"]


# --- the estimate, on worked examples ----------------------------------------------------------------


def test_full_fine_tuning_memory_under_zero2_on_a_worked_example():
    # 7B params, 8 GPUs, ZeRO-2: bf16 weights whole (2 B), gradients + optimizer sharded ((2 + 12) B / 8).
    shape = Shape(7e9, 4096, 32, 11008, 32000, 4096, "worked example")
    memory = memory_per_gpu(shape, "full", 8, 2, NO_OFFLOAD, 0.0, batch=4, length=512, checkpointing=True)
    assert memory["weights_and_training_state"] == round((2 * 7e9 + 14 * 7e9 / 8) / GIB, 2) == 24.45
    tokens = 4 * 512
    kept = tokens * 4096 * 2 * 32 + tokens * 4096 * 34  # layer inputs, plus the layer being recomputed
    assert memory["activations"] == round(kept / GIB, 2)
    assert memory["logits"] == round(tokens * 32000 * 8 / GIB, 2)
    # Without ZeRO each GPU holds all 16 bytes per parameter: more than an 80 GB GPU.
    assert memory_per_gpu(shape, "full", 8, None, NO_OFFLOAD, 0.0, 4, 512, True)["total"] > 100
    # ZeRO-3 shards the weights too; offloading the optimizer takes its 12 bytes off the GPU.
    assert memory_per_gpu(shape, "full", 8, 3, NO_OFFLOAD, 0.0, 4, 512, True)[
        "weights_and_training_state"
    ] == (round(16 * 7e9 / 8 / GIB, 2))
    offloaded = memory_per_gpu(shape, "full", 8, 2, {"optimizer": True, "param": False}, 0.0, 4, 512, True)
    assert offloaded["weights_and_training_state"] == round((2 * 7e9 + 2 * 7e9 / 8) / GIB, 2)


def test_lora_and_qlora_memory_and_adapter_size():
    # ParroT's LoRA on LLaMA-7B (r 8 on q_proj and v_proj): PEFT reports 4,194,304 trainable parameters.
    adapter = adapter_parameters(LLAMA_7B, 8, ["q_proj", "v_proj"])
    assert adapter == 4_194_304
    lora = memory_per_gpu(LLAMA_7B, "lora", 1, None, NO_OFFLOAD, adapter, 4, 512, True)
    assert lora["weights_and_training_state"] == round((2 * LLAMA_7B.parameters + 16 * adapter) / GIB, 2)
    qlora = memory_per_gpu(LLAMA_7B, "qlora", 1, None, NO_OFFLOAD, adapter, 4, 512, True)
    # NF4 blocks; embeddings, lm_head and norms in fp32 (peft's prepare_model_for_kbit_training casts them).
    blocks, kept = LLAMA_7B.parameters - LLAMA_7B.unquantised, LLAMA_7B.unquantised
    assert qlora["weights_and_training_state"] == round((0.55 * blocks + 4 * kept + 16 * adapter) / GIB, 2)
    # Counting 0.55 bytes for every parameter was 0.84 GiB low on a 32k vocabulary.
    assert (4 - 0.55) * kept / GIB == pytest.approx(0.84, abs=0.01)
    assert adapter_parameters(LLAMA_7B, 64, "all-linear") == 32 * 64 * (4 * 8192 + 3 * (4096 + 11008))


def test_training_flops_and_time():
    assert training_flops_per_token(LLAMA_7B, "full", False) == 6 * LLAMA_7B.parameters
    assert training_flops_per_token(LLAMA_7B, "qlora", False) == 4 * LLAMA_7B.parameters
    assert training_flops_per_token(LLAMA_7B, "full", True) == 8 * LLAMA_7B.parameters
    estimate = check_recipe("recipes/parrot-hint.yaml", gpu="h100", mfu=0.5, examples=200_000).estimate
    # 200k examples x 1.5 epochs x 512 tokens x 8 x 7e9 FLOPs / (8 GPUs x 989 TFLOP/s x 0.5)
    expected = 200_000 * 1.5 * 512 * 8 * 7e9 / (8 * 989e12 * 0.5) / 3600
    assert estimate["hours"] == pytest.approx(expected, rel=1e-2)
    assert estimate["steps"] == 2344  # ceil(200k x 1.5 / global batch 128)


def test_parameters_from_a_name_or_a_local_config(tmp_path):
    assert shape_from_name("huggyllama/llama-7b").parameters == 7e9
    assert shape_from_name("meta-llama/Llama-2-13b-chat-hf").parameters == 13e9
    assert shape_from_name("org/model-without-size") is None
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=300,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
    )
    config.save_pretrained(tmp_path)
    shape = shape_from_config(tmp_path)
    model = LlamaForCausalLM(config)
    assert shape.parameters == model.num_parameters()
    assert (shape.hidden, shape.layers, shape.kv_hidden) == (64, 2, 32)
    # What QLoRA keeps out of 4-bit: input and output embeddings and every norm (5 of 64 here).
    assert shape.unquantised == 2 * 300 * 64 + 5 * 64
    guess = shape_from_name("huggyllama/llama-7b")  # hidden 4224, 33 layers: the guess of the shape
    assert guess.unquantised == 2 * 32000 * guess.hidden + (2 * guess.layers + 1) * guess.hidden


def test_the_preference_group_gets_the_launch_checks_of_sft(tmp_path):
    def two_processes_without_a_launcher(raw):
        raw["preference"].update(method="dpo", launcher="python", processes=2)

    report = check_recipe(broken_copy(tmp_path, "llama2lang.yaml", two_processes_without_a_launcher))
    assert "need preference.launcher torchrun or accelerate" in error_keys(report)["preference.processes"]


def test_schema_errors_carry_their_keys(tmp_path):
    from stages.core.params import ParamsError, load_params

    path = broken_copy(tmp_path, "x-llm.yaml", lambda raw: raw["sft"].update(epochs=-1, colour="red"))
    with pytest.raises(ParamsError) as error:
        load_params(path)
    assert dict(error.value.problems)["sft.colour"] == "unknown key (misspelled?)"
    assert "greater than 0" in dict(error.value.problems)["sft.epochs"]


# --- the commands ------------------------------------------------------------------------------------


def test_check_command_exit_codes_and_json(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["recipe", "check", "--json", *[str(p.relative_to(ROOT)) for p in RECIPES]])
    assert done.value.code == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["ok"] for r in reports] == [True] * len(RECIPES)
    broken = broken_copy(tmp_path, "x-llm.yaml", lambda raw: raw["base"].update(model="not a model"))
    with pytest.raises(SystemExit) as done:
        main(["recipe", "check", str(broken)])
    assert done.value.code == 1
    assert "error  base.model:" in capsys.readouterr().out


def fake_dvc(folder: Path) -> Path:
    """A `dvc` that records its arguments, first on PATH."""
    record = folder / "dvc-args.json"
    script = folder / "bin" / "dvc"
    script.parent.mkdir()
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {record}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return record


def workspace(tmp_path: Path, monkeypatch) -> Path:
    """A folder with the repository's configs and sample data, and a params.yaml of its own."""
    work = tmp_path / "work"
    work.mkdir()
    for name in ("configs", "data", "recipes"):
        (work / name).symlink_to(ROOT / name)
    (work / "params.yaml").write_text((ROOT / "params.yaml").read_text())
    monkeypatch.chdir(work)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return work


def test_run_copies_the_recipe_over_params_and_starts_the_experiment(tmp_path, monkeypatch):
    record = fake_dvc(tmp_path)
    work = workspace(tmp_path, monkeypatch)
    with pytest.raises(SystemExit) as done:
        main(["recipe", "run", "recipes/llama2lang.yaml", "--queue", "--name", "l2l-de"])
    assert done.value.code == 0
    assert (work / "params.yaml").read_text() == (ROOT / "recipes/llama2lang.yaml").read_text()
    assert record.read_text().split() == ["exp", "run", "--queue", "-n", "l2l-de"]
    assert dvc_command("x-llm", queue=False) == ["dvc", "exp", "run", "-n", "x-llm"]


def test_run_stops_at_a_failed_check_and_leaves_params_alone(tmp_path, monkeypatch):
    record = fake_dvc(tmp_path)
    work = workspace(tmp_path, monkeypatch)
    broken = broken_copy(tmp_path, "x-llm.yaml", lambda raw: raw["sft"].update(epochs=0))
    with pytest.raises(SystemExit) as done:
        main(["recipe", "run", str(broken)])
    assert done.value.code == 1
    assert (work / "params.yaml").read_text() == (ROOT / "params.yaml").read_text()
    assert not record.exists()


def test_a_key_a_stage_reads_must_be_in_the_recipe(tmp_path, monkeypatch):
    """DVC stops a stage whose params key is absent from params.yaml (even one with a default in the
    schema): the check names each such key."""
    monkeypatch.chdir(ROOT)

    def drop(raw):
        del raw["infer"]["backend"], raw["judge"]

    report = check_recipe(broken_copy(tmp_path, "x-llm.yaml", drop))
    errors = error_keys(report)
    assert set(errors) == {"infer.backend", "judge"} and "DVC stops a stage" in errors["judge"]
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    assert "infer.backend" in stages["convert"]["params"] and "judge" in stages["judge"]["params"]

"""`lingtune recipe rehearse` on the shipped recipes, with the real tokenizers of ../shared/models.

The rehearsals run side by side, one core each: LLaMa2lang (Llama-2-chat's own template, QLoRA) and
ParroT's LoRA recipe (Llama-1, Alpaca format, beam search) to the end; broken recipes up to the stage
that must stop them, which must name that stage and the params key to change. A recipe that fails its
offline check never starts DVC.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT
from .helpers import SHARED_MODELS

pytestmark = pytest.mark.slow

LLAMA2_CHAT = "meta-llama/Llama-2-7b-chat-hf"
# A template whose conversation prefixes do not extend each other: no way to find the assistant turns.
UNMASKABLE = "{% for m in messages[-1:] %}{{ m['content'] }}{% endfor %}"


def command(recipe: Path | str, workdir: Path, *extra: str) -> list[str]:
    rehearse = ["recipe", "rehearse", str(recipe), "--workdir", str(workdir), "--json", "--examples", "8"]
    return [sys.executable, "-m", "stages.commands.cli", *rehearse, *extra]


def shared(name: str) -> str:
    return str(SHARED_MODELS / name)


def broken_recipe(folder: Path, name: str, **changes: dict) -> Path:
    recipe = yaml.safe_load((ROOT / "recipes/llama2lang.yaml").read_text(encoding="utf-8"))
    for group, values in changes.items():
        recipe[group].update(values)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(recipe, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rehearsals(tmp_path_factory) -> dict[str, tuple[int, dict, Path]]:
    for name in ("llama2-chat", "llama1", "opus-mt-en-mg", "opus-mt-tc-big-en-pt"):
        if not (SHARED_MODELS / name).is_dir():
            pytest.skip(f"../shared/models/{name} is absent")
    tmp = tmp_path_factory.mktemp("rehearsals")
    template = tmp / "unmaskable.jinja"
    template.write_text(UNMASKABLE, encoding="utf-8")
    llama2 = [
        "--model-map",
        f"{LLAMA2_CHAT}={shared('llama2-chat')}",
        "--model-map",
        f"Helsinki-NLP/opus-mt-en-de={shared('opus-mt-en-mg')}",
    ]
    runs = {
        "llama2lang": command("recipes/llama2lang.yaml", tmp / "llama2lang", *llama2),
        "parrot": command(
            "recipes/parrot-hint-lora.yaml",
            tmp / "parrot",
            "--model-map",
            f"huggyllama/llama-7b={shared('llama1')}",
        ),
        "unmaskable": command(
            broken_recipe(tmp, "unmaskable", sft={"chat_template": str(template)}),
            tmp / "unmaskable",
            *llama2,
            "--stage",
            "sft",
        ),
        # The en-de model resolves to a multi-target OPUS-MT tokenizer with only Portuguese targets.
        "multi_target": command(
            "recipes/llama2lang.yaml",
            tmp / "multi_target",
            "--model-map",
            f"{LLAMA2_CHAT}={shared('llama2-chat')}",
            "--model-map",
            f"Helsinki-NLP/opus-mt-en-de={shared('opus-mt-tc-big-en-pt')}",
            "--stage",
            "translate",
        ),
        "m2m_basque": command(
            broken_recipe(
                tmp,
                "m2m_basque",
                base={"target_lang": "eu"},
                translate={"engine": "m2m100", "model": "facebook/m2m100_418M"},
            ),
            tmp / "m2m_basque",
        ),
    }
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    started = {
        name: subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name, argv in runs.items()
    }
    results = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=1200)
        assert out.strip(), f"{name}: no report (status {process.returncode}):\n{err[-3000:]}"
        results[name] = (process.returncode, json.loads(out), tmp / name)
    return results


def outcomes(report: dict) -> dict[str, str]:
    return {stage["stage"]: stage["outcome"] for stage in report["stages"]}


def test_llama2lang_rehearses_to_the_end_on_llama2_chat_with_its_own_template(rehearsals):
    status, report, workspace = rehearsals["llama2lang"]
    assert status == 0 and report["ok"], report["stages"]
    ran = outcomes(report)
    assert {"translate", "threads", "sft", "score", "infer@sft-none"} <= set(ran)
    assert set(ran.values()) == {"ran"}
    changes = {change["key"]: change for change in report["changes"]}
    assert (
        "LlamaForCausalLM" in changes["base.model"]["why"] and "llama2-chat" in changes["base.model"]["why"]
    )
    assert changes["sft.max_steps"]["now"] == 2

    train = json.loads((workspace / "reports/train.json").read_text())
    assert train["mode"] == "qlora" and train["steps"] == 2 and train["dropped_examples"] == 0
    # Trained with Llama-2-chat's own template (no generation markers: masked by prefixes).
    template = (SHARED_MODELS / "llama2-chat/chat_template.jinja").read_text(encoding="utf-8")
    saved = json.loads((workspace / "models/sft/tokenizer_config.json").read_text())
    saved_template = saved.get("chat_template") or (workspace / "models/sft/chat_template.jinja").read_text()
    assert saved_template.strip() == template.strip()
    threads = [
        json.loads(line) for line in (workspace / "data/threads/threads.jsonl").read_text().splitlines()
    ]
    assert threads and all(t["messages"][0]["role"] == "system" for t in threads)
    for testset in ("wmt22-en-de", "flores-rand50-en-de"):
        hyps = (workspace / f"data/hyps/sft/none/{testset}.hyp").read_text(encoding="utf-8").splitlines()
        assert len(hyps) == 8
    metrics = json.loads((workspace / "reports/metrics.json").read_text())
    assert set(metrics) == {"wmt22-en-de", "flores-rand50-en-de", "tasks"}
    # LLaMa2lang's own measure: German answers to held-out prompts (the sample's, offline), both models
    assert set(metrics["tasks"]["chat-de"]) == {"base", "sft"}
    assert {"evaluate@base", "evaluate@sft", "judge"} <= set(ran)
    assert changes["evaluate.tasks.chat-de.prompts"]["why"].startswith("STAND-IN")


def test_parrot_rehearses_to_the_end_on_llama1(rehearsals):
    status, report, workspace = rehearsals["parrot"]
    assert status == 0 and report["ok"], report["stages"]
    changes = {change["key"]: change for change in report["changes"]}
    assert "llama1" in changes["base.model"]["why"]
    assert changes["sft.launcher"]["was"] == "torchrun" and changes["sft.deepspeed"]["now"] == ""
    records = [json.loads(line) for line in (workspace / "data/sft/train.jsonl").read_text().splitlines()]
    assert records and all(r["prompt"].startswith("Below is an instruction") for r in records)
    assert {r["source"] for r in records} >= {"translation", "error_hint"}
    metrics = json.loads((workspace / "reports/metrics.json").read_text())
    assert len(metrics) == 8 and all(set(cells) == {"base", "sft"} for cells in metrics.values())


def test_a_template_that_cannot_be_masked_fails_at_sft_naming_the_key(rehearsals):
    status, report, _ = rehearsals["unmaskable"]
    assert status == 1 and not report["ok"]
    ran = outcomes(report)
    assert ran["sft"] == "failed" and ran["sft_data"] == "ran" and "score" not in ran
    error = next(stage["error"] for stage in report["stages"] if stage["stage"] == "sft")
    assert "sft.chat_template" in error and "cannot be masked" in error


def test_a_multi_target_opus_model_without_the_target_token_fails_at_translate(rehearsals):
    status, report, _ = rehearsals["multi_target"]
    assert status == 1
    ran = outcomes(report)
    assert ran["translate"] == "failed" and set(ran) == {"validate", "embedded", "translate"}
    error = next(stage["error"] for stage in report["stages"] if stage["stage"] == "translate")
    assert "translate.model_root" in error and "multi-target" in error and "'de'" in error


def test_a_language_the_engine_cannot_write_fails_the_check_before_dvc_starts(rehearsals):
    status, report, workspace = rehearsals["m2m_basque"]
    assert status == 1 and not report["check"]["ok"]
    assert [stage["stage"] for stage in report["stages"]] == ["recipe check"]
    assert report["stages"][0]["error"].startswith("base.target_lang: M2M-100 does not know language 'eu'")
    assert not (workspace / "dvc.yaml").exists()


def test_inputs_are_sliced_mapped_or_stood_in_with_the_reason(tmp_path, monkeypatch):
    """The data side alone (no DVC): a mapped URL is the user's file, sliced; an unreachable sacreBLEU
    set and hub data set are the sample's, each change reported with why."""
    from stages.commands.recipe_rehearse import DataSlicer, Rehearsal

    for folder in ("data/sample", "configs"):
        (tmp_path / folder).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / folder).symlink_to(ROOT / folder)
    monkeypatch.chdir(tmp_path)
    recipe = yaml.safe_load((ROOT / "recipes/llama2lang.yaml").read_text(encoding="utf-8"))
    flores = recipe["infer"]["testsets"]["flores-rand50-en-de"]
    mine = tmp_path / "mine.en"
    mine.write_text("".join(f"line {i}\n" for i in range(10)), encoding="utf-8")
    rehearsal = Rehearsal("llama2lang", str(tmp_path))
    DataSlicer(rehearsal, {flores["src"]: str(mine)}, 4).apply(recipe)

    testsets = recipe["infer"]["testsets"]
    assert Path(testsets["flores-rand50-en-de"]["src"]).read_text() == "line 0\nline 1\nline 2\nline 3\n"
    for spec in testsets.values():
        assert len(Path(spec["ref"]).read_text().splitlines()) == 4
    changes = {change["key"]: change["why"] for change in rehearsal.changes}
    assert "flores-rand50-en-de.src" not in str(changes)  # mapped: the user's file, not a stand-in
    assert changes["infer.testsets.flores-rand50-en-de.ref"].startswith("STAND-IN")
    wmt22 = changes["infer.testsets.wmt22-en-de"]  # sliced from sacreBLEU's cache where it has the set
    assert wmt22 == "the real input, sliced" or wmt22.startswith("STAND-IN") and "sacreBLEU" in wmt22
    assert changes["translate.oasst"].startswith("STAND-IN")
    assert changes["evaluate.tasks.chat-de.prompts"].startswith("STAND-IN")
    assert recipe["evaluate"]["tasks"]["chat-de"]["limit"] == 4
    trees = {json.loads(line)["message_tree_id"] for line in Path(recipe["translate"]["oasst"]).open()}
    assert len(trees) == 4

"""What a careless or hostile input cannot do: write outside the repository, leave temp folders behind,
or end in a traceback (issue: the holes a fault and bad-input probe found)."""

import os
import subprocess
import sys

import pytest
import yaml

from stages.core.io import EXTERNAL, atomic_path, download_target, local_file
from stages.core.params import ParamsError, load_params

from .conftest import ROOT
from .helpers import SHIPPED, write_lines


def params_with(folder, change) -> str:
    raw = yaml.safe_load(yaml.safe_dump(SHIPPED))
    change(raw)
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://example.org/../../../../x", "'..'"),
        ("https://example.org/a/%2e%2e/%2e%2e/%2e%2e/x", "'..'"),
        ("http://example.org/data.tsv", "only https"),
        ("ftp://example.org/data.tsv", "only https"),
        ("https://user@example.org/data.tsv", "well-formed"),
        ("https://example.org/", "well-formed"),
    ],
)
def test_a_url_that_would_escape_data_external_or_is_not_https_is_refused(url, reason, in_tmp):
    with pytest.raises(ValueError, match=reason):
        download_target(url)
    # At params validation, under any key, before any stage runs (a hand edit or `dvc exp run -S`).
    path = params_with(in_tmp, lambda raw: raw["translate"].update(alpaca=url))
    with pytest.raises(ParamsError) as error:
        load_params(path)
    assert reason.strip("'") in dict(error.value.problems)["translate.alpaca"]
    # And the downloader itself writes nothing anywhere.
    with pytest.raises(ValueError):
        local_file(url)
    assert not any(in_tmp.parent.glob("x")) and not (in_tmp / EXTERNAL).exists()


def test_a_well_formed_url_lands_inside_data_external():
    target = download_target("https://example.org/wmt/newstest2020.tsv")
    assert target == EXTERNAL / "example.org" / "wmt" / "newstest2020.tsv"


@pytest.mark.parametrize("name", ["../../../../escaped", ".hidden", "a/b", "..", "x..y"])
def test_test_set_names_that_become_paths_are_validated(name, in_tmp):
    spec = {"src": "t.en", "ref": "t.de", "src_lang": "en", "tgt_lang": "de"}
    path = params_with(in_tmp, lambda raw: raw["infer"].update(testsets={name: spec}))
    with pytest.raises(ParamsError) as error:
        load_params(path)
    assert "a test-set name is letters" in dict(error.value.problems)["infer.testsets"]


def test_model_names_may_not_climb_out_of_models(in_tmp):
    path = params_with(in_tmp, lambda raw: raw["infer"].update(models=["base", ".."]))
    with pytest.raises(ParamsError, match="a model name is letters"):
        load_params(path)


def test_a_killed_writers_temp_folders_are_removed_at_the_next_start(in_tmp):
    target = in_tmp / "models" / "embedded"
    target.parent.mkdir()
    stale = target.parent / ".embedded.k3x9_q2z"  # what mkdtemp left when the writer was killed
    (stale / "embedded").mkdir(parents=True)
    (stale / "embedded" / "weights.bin").write_bytes(b"0" * 1024)
    other = target.parent / ".embedded.json.abcdefgh"  # another output's: not this writer's to remove
    other.mkdir()
    with atomic_path(target) as tmp:
        tmp.mkdir()
    assert target.is_dir() and not stale.exists() and other.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == [".embedded.json.abcdefgh", "embedded"]


def test_the_tracking_stores_journal_is_ignored_by_git():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "mlflow.db-journal"], cwd=ROOT, capture_output=True
    ).returncode
    assert ignored == 0


def lingtune(*args: str, cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    command = [sys.executable, "-m", "stages.commands.cli", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_score_errors_are_one_line_naming_the_flag_or_file(in_tmp):
    write_lines(in_tmp / "hyp", ["Der Hund schläft."])
    write_lines(in_tmp / "ref", ["Der Hund schläft."])
    (in_tmp / "empty.hyp").write_text("")
    (in_tmp / "empty.ref").write_text("")
    bad_pair = lingtune("score", "--hyp", "hyp", "--ref", "ref", "--lang-pair", "ende", cwd=in_tmp)
    assert bad_pair.returncode == 2 and "--lang-pair: 'ende'" in bad_pair.stderr
    empty = lingtune("score", "--hyp", "empty.hyp", "--ref", "empty.ref", "--lang-pair", "en-de", cwd=in_tmp)
    assert empty.returncode == 1 and "empty.hyp: no hypotheses to score" in empty.stderr
    missing = lingtune("score", "--hyp", "nope.hyp", "--ref", "ref", "--lang-pair", "en-de", cwd=in_tmp)
    assert missing.returncode == 1 and "nope.hyp" in missing.stderr
    unknown = lingtune("score", "--hyp", "hyp", "--ref", "ref", "--lang-pair", "en-xx", cwd=in_tmp)
    assert unknown.returncode == 2 and "'en-xx'" in unknown.stderr
    for result in (bad_pair, empty, missing, unknown):
        assert "Traceback" not in result.stderr
    assert (
        lingtune("score", "--hyp", "hyp", "--ref", "ref", "--lang-pair", "en-de", cwd=in_tmp).returncode == 0
    )


def test_a_launcher_dies_with_the_stage_that_started_it(tmp_path):
    """A killed stage (SIGKILL: no clean-up of its own) must not leave its launcher running."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "child.pid"
    stage = (
        "import subprocess, sys, time\n"
        "from stages.core.team import die_with_parent\n"
        "sleeper = [sys.executable, '-c', 'import time; time.sleep(60)']\n"
        "child = subprocess.Popen(sleeper, preexec_fn=die_with_parent)\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", stage])
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.1)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        raise AssertionError("the launcher outlived the stage that started it")


def test_bad_inputs_name_the_file_and_what_is_wrong(in_tmp):
    import json

    import pytest

    from stages import infer, pairs
    from stages.core.io import InputError, read_alpaca
    from stages.core.params import TestSet

    from .helpers import write_params

    (in_tmp / "alpaca.json").write_text(json.dumps([{"instruction": "Add.", "output": 5}]), encoding="utf-8")
    with pytest.raises(InputError, match=r"alpaca.json: record 0: a field must be text \('output' is int\)"):
        read_alpaca("alpaca.json")
    (in_tmp / "t.en").write_text("", encoding="utf-8")
    (in_tmp / "t.de").write_text("", encoding="utf-8")
    spec = TestSet(src="t.en", ref="t.de", src_lang="en", tgt_lang="de")
    with pytest.raises(InputError, match=r"t.en: test set x is empty \(infer.testsets.x\)"):
        infer.read_test_set("x", spec)
    write_params(in_tmp, pairs={"inputs": [{"path": "t", "src_lang": "en", "tgt_lang": "de"}], "exclude": []})
    with pytest.raises(InputError, match=r"^t: no pairs in this input"):
        pairs.main()
    assert not (in_tmp / "data/pairs").exists()


def test_pickle_weights_load_only_when_allowed(tmp_path, tiny_lm):
    """A `.bin` checkpoint is a pickle: unpickling can run code, so only safetensors load by default."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from stages.core.io import InputError
    from stages.core.models import load_causal_lm

    model = AutoModelForCausalLM.from_pretrained(tiny_lm)
    count = model.num_parameters()
    model.save_pretrained(tmp_path / "pickled", safe_serialization=False)
    assert [p.name for p in (tmp_path / "pickled").glob("*.bin")] == ["pytorch_model.bin"]
    with pytest.raises(
        InputError, match=r"pytorch_model.bin: pickle weights .* base.allow_pickle_weights: true"
    ):
        load_causal_lm(str(tmp_path / "pickled"))
    loaded = load_causal_lm(str(tmp_path / "pickled"), allow_pickle=True)
    assert loaded.num_parameters() == count

    adapter = get_peft_model(model, LoraConfig(r=2, target_modules="all-linear"))
    adapter.save_pretrained(tmp_path / "adapter", safe_serialization=False)
    with pytest.raises(InputError, match="adapter_model.bin: pickle weights"):
        load_causal_lm(str(tmp_path / "adapter"))
    assert load_causal_lm(str(tmp_path / "adapter"), allow_pickle=True) is not None
    # safetensors load as before
    assert load_causal_lm(str(tiny_lm)).num_parameters() == count


def test_a_stage_warns_when_it_reads_a_file_its_deps_do_not_list(tmp_path):
    """Under `dvc repro`: an edit to an input DVC does not track would be ignored (and the run cache would
    restore old results), so the stage names the file and what to add to dvc.yaml."""
    import shutil

    (tmp_path / "data").mkdir()
    (tmp_path / "inputs").mkdir()
    (tmp_path / "data/tracked.txt").write_text("a\n")
    (tmp_path / "inputs/untracked.txt").write_text("b\n")
    reads = "from stages.core.io import read_lines as r; r('data/tracked.txt'); r('inputs/untracked.txt')"
    dvc_yaml = {"stages": {"reader": {"cmd": f'python -c "{reads}"', "deps": ["data"], "outs": []}}}
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump(dvc_yaml))
    dvc = shutil.which("dvc", path=os.path.dirname(sys.executable))
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"
    )
    subprocess.run([dvc, "init", "-q", "--no-scm"], cwd=tmp_path, check=True)
    done = subprocess.run([dvc, "repro"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = [line for line in done.stdout.splitlines() if "warning:" in line]
    assert len(warnings) == 1, done.stdout
    assert "inputs/untracked.txt is read but is not among the stage's deps" in warnings[0]
    assert "under stages.reader.deps" in warnings[0]

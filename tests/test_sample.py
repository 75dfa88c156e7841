"""The embedded sample is what make_sample.py writes, and has the shape the default relies on."""

import filecmp
import shutil
import subprocess
import sys

from stages.core.io import read_jsonl, read_lines

from .conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


def test_sample_files_are_regenerated_byte_for_byte(tmp_path):
    shutil.copy(SAMPLE / "make_sample.py", tmp_path / "make_sample.py")
    subprocess.run([sys.executable, "make_sample.py"], cwd=tmp_path, check=True, capture_output=True)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".py"]
    written = sorted(p.relative_to(tmp_path) for p in files)
    assert written, "make_sample.py wrote nothing"
    for relative in written:
        assert filecmp.cmp(tmp_path / relative, SAMPLE / relative, shallow=False), relative


def test_test_sets_are_held_out():
    for pair in ("en-de", "en-zh"):
        test = set(read_lines(SAMPLE / f"test/test.{pair}.en"))
        train = read_lines(SAMPLE / f"pairs/train.{pair}.en")
        leaked = [line for line in train if line.strip() in test]
        assert len(leaked) == 3  # the deliberate contamination the pairs stage removes


def test_oasst_sample_needs_a_pivot_and_keeps_the_real_schema():
    messages = read_jsonl(SAMPLE / "oasst/messages.jsonl")
    assert {m["lang"] for m in messages} == {"en", "de", "es"}
    real_keys = [
        "message_id",
        "parent_id",
        "user_id",
        "created_date",
        "text",
        "role",
        "lang",
        "review_count",
        "review_result",
        "deleted",
        "rank",
        "synthetic",
        "model_name",
        "detoxify",
        "message_tree_id",
        "tree_state",
        "emojis",
        "labels",
    ]
    assert all(list(m) == real_keys for m in messages)

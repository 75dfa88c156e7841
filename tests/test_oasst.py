import gzip
import json
import os

import pytest

from stages.core.io import InputError, read_jsonl
from stages.core.oasst import read_oasst

from .helpers import write_lines


def msg(mid, parent, role, tree="r", **extra):
    return {
        "message_id": mid,
        "parent_id": parent,
        "text": f"text {mid}",
        "role": role,
        "lang": "en",
        "rank": extra.pop("rank", None),
        "deleted": False,
        "model_name": None,
        "message_tree_id": tree,
        "tree_state": "ready_for_export",
        "emojis": {"name": ["+1"], "count": [2]},
        "labels": {"name": ["quality"], "value": [0.5], "count": [3]},
        **extra,
    }


FLAT = [
    msg("r", None, "prompter"),
    msg("a", "r", "assistant", rank=0),
    msg("b", "r", "assistant", rank=1),
    msg("p", "a", "prompter"),
]


def as_tree(rows: list[dict], root_id: str) -> dict:
    """The flat rows of one tree nested the way OpenAssistant's tree export writes them."""

    def node(row: dict) -> dict:
        exported = {k: v for k, v in row.items() if k not in ("message_tree_id", "tree_state")}
        if row["emojis"] is not None:
            exported["emojis"] = dict(zip(row["emojis"]["name"], row["emojis"]["count"], strict=True))
        if row["labels"] is not None:
            exported["labels"] = {
                name: {"value": value, "count": count}
                for name, value, count in zip(*row["labels"].values(), strict=True)
            }
        exported["replies"] = [node(r) for r in rows if r["parent_id"] == row["message_id"]]
        return exported

    root = next(r for r in rows if r["message_id"] == root_id)
    return {
        "message_tree_id": root["message_tree_id"],
        "tree_state": root["tree_state"],
        "prompt": node(root),
    }


def by_id(records: list[dict]) -> dict[str, dict]:
    return {r["message_id"]: r for r in records}


def test_flat_jsonl_keeps_every_field(tmp_path):
    path = write_lines(tmp_path / "oasst.jsonl", [json.dumps(m) for m in FLAT])
    assert read_oasst(str(path)) == FLAT


def test_gzipped_jsonl(tmp_path):
    path = tmp_path / "oasst.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(m) + "\n" for m in FLAT).encode()))
    assert read_oasst(str(path)) == FLAT


def test_parquet(tmp_path):
    import pyarrow
    import pyarrow.parquet

    path = tmp_path / "oasst.parquet"
    pyarrow.parquet.write_table(pyarrow.Table.from_pylist(FLAT), path)
    assert read_oasst(str(path)) == FLAT


def test_saved_dataset_folder_and_split(tmp_path):
    import datasets

    folder = tmp_path / "saved"
    datasets.DatasetDict({"validation": datasets.Dataset.from_list(FLAT)}).save_to_disk(str(folder))
    assert read_oasst(str(folder), split="validation") == FLAT
    with pytest.raises(InputError, match="no split .train. \\(it has validation\\)"):
        read_oasst(str(folder))


def test_tree_export_is_flattened(tmp_path):
    path = write_lines(tmp_path / "trees.jsonl", [json.dumps(as_tree(FLAT, "r"))])
    assert by_id(read_oasst(str(path))) == by_id(FLAT)


def test_tree_export_fills_parent_ids_it_lacks(tmp_path):
    tree = as_tree(FLAT, "r")
    tree["prompt"]["replies"][0].pop("parent_id")
    path = write_lines(tmp_path / "trees.jsonl", [json.dumps(tree)])
    assert by_id(read_oasst(str(path)))["a"]["parent_id"] == "r"


@pytest.mark.parametrize(
    "lines, error",
    [
        (['{"message_id": "r",'], r"oasst.jsonl:1: invalid JSON"),
        (
            [json.dumps(msg("r", None, "prompter")), json.dumps({"message_id": "x"})],
            r":2: message x: missing",
        ),
        ([json.dumps(msg("r", None, "system"))], r":1: message r: unknown role 'system'"),
        ([json.dumps(msg("r", None, "prompter"))] * 2, r":2: duplicate message id r \(first at line 1\)"),
        (
            [
                json.dumps(msg("r", None, "prompter")),
                json.dumps(msg("a", "b", "assistant")),
                json.dumps(msg("b", "a", "prompter")),
            ],
            r":[23]: parent cycle through message [ab]",
        ),
    ],
)
def test_bad_input_names_the_line(tmp_path, lines, error):
    path = write_lines(tmp_path / "oasst.jsonl", lines)
    with pytest.raises(InputError, match=error):
        read_oasst(str(path))


def test_bad_tree_export_names_the_tree_line(tmp_path):
    tree = as_tree(FLAT, "r")
    del tree["prompt"]["replies"][1]["role"]
    path = write_lines(tmp_path / "trees.jsonl", [json.dumps(as_tree(FLAT, "r")), json.dumps(tree)])
    with pytest.raises(InputError, match=r"trees.jsonl:2: message b: missing field\(s\) role"):
        read_oasst(str(path))


def test_bad_parquet_row_is_named(tmp_path):
    import pyarrow
    import pyarrow.parquet

    path = tmp_path / "oasst.parquet"
    pyarrow.parquet.write_table(pyarrow.Table.from_pylist([*FLAT, dict(FLAT[1], role="bot")]), path)
    with pytest.raises(InputError, match=r"oasst.parquet: row 5: message a: unknown role 'bot'"):
        read_oasst(str(path))


def test_unknown_file_format_and_missing_file(tmp_path):
    (tmp_path / "oasst.csv").write_text("message_id\n")
    with pytest.raises(InputError, match="unknown OASST format"):
        read_oasst(str(tmp_path / "oasst.csv"))
    with pytest.raises(InputError, match="no such file"):
        read_oasst(str(tmp_path / "absent.jsonl"))


def test_hub_id_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputError, match=r"OpenAssistant/oasst1: cannot load the data set \(OASST"):
        read_oasst("OpenAssistant/oasst1", split="validation")


@pytest.mark.network
@pytest.mark.skipif(os.environ.get("HF_HUB_OFFLINE") == "1", reason="needs the model hub")
def test_hub_id_loads_oasst1():
    records = read_oasst("OpenAssistant/oasst1", split="validation")
    assert len(records) > 4000 and {"message_id", "parent_id", "message_tree_id"} <= set(records[0])


def test_real_rows_in_every_form(shared_data, tmp_path):
    import pyarrow
    import pyarrow.parquet

    source = shared_data / "oasst" / "oasst1-validation.en.jsonl"
    rows = read_jsonl(source)
    assert read_oasst(str(source)) == rows and len(rows) == 2022

    parquet = tmp_path / "oasst.parquet"
    pyarrow.parquet.write_table(pyarrow.Table.from_pylist(rows), parquet)
    assert read_oasst(str(parquet)) == rows

    # The tree export holds whole trees only: the orphaned subtrees (root absent) cannot be written in it.
    ids = {r["message_id"] for r in rows}
    roots = [r["message_id"] for r in rows if r["parent_id"] is None]
    whole = [r for r in rows if r["message_tree_id"] in ids]
    trees = write_lines(tmp_path / "trees.jsonl", [json.dumps(as_tree(whole, root)) for root in roots])
    assert by_id(read_oasst(str(trees))) == by_id(whole) and len(whole) < len(rows)

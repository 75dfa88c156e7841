import json

import pytest

from stages import threads
from stages.core.io import InputError, read_jsonl

from .helpers import write_lines, write_params


def msg(mid, parent, role, rank=None, deleted=False, tree="t1", state="ready_for_export", text=None):
    return {
        "message_id": mid,
        "parent_id": parent,
        "text": text or f"text {mid}",
        "role": role,
        "lang": "de",
        "rank": rank,
        "deleted": deleted,
        "message_tree_id": tree,
        "tree_state": state,
    }


TREE = [
    msg("r", None, "prompter"),
    msg("a2", "r", "assistant", rank=2),
    msg("a0", "r", "assistant", rank=0),
    msg("anull", "r", "assistant", rank=None),
    msg("a1", "r", "assistant", rank=1),
    msg("p", "a0", "prompter", rank=0),
    msg("b1", "p", "assistant", rank=1),
    msg("b0", "p", "assistant", rank=0, deleted=True),
    msg("c", "b0", "prompter"),  # under a deleted message: dropped with it
    msg("q", "b1", "prompter"),  # a trailing prompt: the thread is cut back to end on an assistant turn
    msg("orphan", "missing", "prompter", tree="t2"),
    msg("s", None, "prompter", tree="t3", state="backlog_ranking"),
    msg("s1", "s", "assistant", rank=0, tree="t3", state="backlog_ranking"),
]


def test_best_ranked_thread_and_preferences():
    found, prefs, counts = threads.build(TREE, ["ready_for_export"], system_prompt="Sei hilfsbereit.")
    [thread] = found
    assert [m["content"] for m in thread["messages"]] == [
        "Sei hilfsbereit.",
        "text r",
        "text a0",
        "text p",
        "text b1",
    ]
    assert [m["role"] for m in thread["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    # Level one: a0 is chosen over a1 and a2 (unranked anull is not a rejected candidate).
    assert [(p["chosen"][0]["content"], p["rejected"][0]["content"]) for p in prefs] == [
        ("text a0", "text a1"),
        ("text a0", "text a2"),
    ]
    assert prefs[0]["prompt"] == [{"role": "user", "content": "text r"}]
    assert counts["deleted"] == 1 and counts["orphans"] == 1 and counts["skipped_state"] == 1
    assert counts["threads"] == 1 and counts["preferences"] == 2


def test_unranked_replies_come_after_ranked_ones():
    found, _, _ = threads.build(
        [
            msg("r", None, "prompter"),
            msg("x", "r", "assistant", rank=None),
            msg("y", "r", "assistant", rank=3),
        ],
        ["ready_for_export"],
        "",
    )
    assert found[0]["messages"][-1]["content"] == "text y"


def test_stage_writes_outputs(in_tmp):
    write_lines(in_tmp / "data/translated/oasst.jsonl", [json.dumps(m) for m in TREE])
    write_params(in_tmp)
    threads.main()
    assert len(read_jsonl(in_tmp / "data/threads/threads.jsonl")) == 1
    assert len(read_jsonl(in_tmp / "data/preferences/preferences.jsonl")) == 2
    assert json.loads((in_tmp / "reports/threads.json").read_text())["orphans"] == 1


def test_parent_cycle_fails(in_tmp):
    cycle = [msg("a", "b", "prompter"), msg("b", "a", "assistant")]
    write_lines(in_tmp / "data/translated/oasst.jsonl", [json.dumps(m) for m in cycle])
    write_params(in_tmp)
    with pytest.raises(InputError, match="parent cycle"):
        threads.main()
    assert not (in_tmp / "data/threads").exists()


def _independent_best_threads(rows: list[dict]) -> dict[str, list[str]]:
    """Written apart from the stage: walk down from each live root, taking the lowest rank each time."""
    live = [r for r in rows if not r["deleted"]]
    result = {}
    for root in [r for r in live if r["parent_id"] is None and r["tree_state"] == "ready_for_export"]:
        path, node = [root], root
        while True:
            kids = [r for r in live if r["parent_id"] == node["message_id"]]
            if not kids:
                break
            ranked = sorted(
                (r for r in kids if r["rank"] is not None), key=lambda r: (r["rank"], r["message_id"])
            )
            unranked = sorted((r for r in kids if r["rank"] is None), key=lambda r: r["message_id"])
            node = (ranked + unranked)[0]
            path.append(node)
        while path and path[-1]["role"] != "assistant":
            path.pop()
        if path:
            result[root["message_id"]] = [r["message_id"] for r in path]
    return result


def test_real_oasst_threads_match_an_independent_walk(shared_data):
    rows = read_jsonl(shared_data / "oasst" / "oasst1-validation.en.jsonl")
    found, _, counts = threads.build(rows, ["ready_for_export"], "")
    expected = _independent_best_threads(rows)
    by_id = {r["message_id"]: r for r in rows}
    assert len(found) == len(expected) > 100
    for thread in found:
        assert [m["content"] for m in thread["messages"]] == [
            by_id[i]["text"] for i in expected[thread["id"]]
        ]
    assert counts["orphans"] >= 3 and counts["deleted"] == 40

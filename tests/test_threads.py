import json
import random

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
    msg("r", None, "prompter", tree="r"),
    msg("a2", "r", "assistant", rank=2, tree="r"),
    msg("a0", "r", "assistant", rank=0, tree="r"),
    msg("anull", "r", "assistant", rank=None, tree="r"),
    msg("a1", "r", "assistant", rank=1, tree="r"),
    msg("p", "a0", "prompter", rank=0, tree="r"),
    msg("b1", "p", "assistant", rank=1, tree="r"),
    msg("b0", "p", "assistant", rank=0, deleted=True, tree="r"),
    msg("c", "b0", "prompter", tree="r"),  # under a deleted message: dropped with it
    msg(
        "q", "b1", "prompter", tree="r"
    ),  # a trailing prompt: the thread is cut back to end on an assistant turn
    msg("orphan", "missing", "prompter", tree="t2"),
    msg("orphan-reply", "orphan", "assistant", tree="t2"),
    msg("s", None, "prompter", tree="s", state="backlog_ranking"),
    msg("s1", "s", "assistant", rank=0, tree="s", state="backlog_ranking"),
]


def contents(messages: list[dict]) -> list[str]:
    return [m["content"] for m in messages]


def test_best_ranked_thread_and_preferences():
    found, prefs, counts = threads.build(TREE, ["ready_for_export"], system_prompt="Sei hilfsbereit.")
    [thread] = found
    assert thread["id"] == "b1" and thread["tree_id"] == "r" and thread["lang"] == "de"
    assert contents(thread["messages"]) == ["Sei hilfsbereit.", "text r", "text a0", "text p", "text b1"]
    assert [m["role"] for m in thread["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    # Level one: a0 is chosen over a1 and a2 (unranked anull is not a rejected candidate); under p the
    # best (b0) is deleted and b1 has no ranked sibling left.
    assert [(p["chosen"][0]["content"], p["rejected"][0]["content"]) for p in prefs] == [
        ("text a0", "text a1"),
        ("text a0", "text a2"),
    ]
    assert prefs[0]["prompt"] == [
        {"role": "system", "content": "Sei hilfsbereit."},
        {"role": "user", "content": "text r"},
    ]
    assert prefs[0]["chosen"] == [{"role": "assistant", "content": "text a0"}]
    assert counts["threads"] == 1 and counts["preferences"] == 2


def test_every_dropped_message_is_counted():
    _, _, counts = threads.build(TREE, ["ready_for_export"], "")
    assert counts["dropped_messages"] == {"orphaned": 2, "tree_state": 2, "deleted": 1, "under_deleted": 1}
    assert counts["orphaned_subtrees"] == 1 and counts["trees_skipped_state"] == 1
    assert counts["kept_messages"] == 8
    assert (
        counts["kept_messages"] + sum(counts["dropped_messages"].values()) == counts["messages"] == len(TREE)
    )
    assert counts["messages_in_threads"] == 4


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


def test_ties_are_broken_by_message_id_whatever_the_input_order():
    tied = [
        msg("r", None, "prompter"),
        msg("m2", "r", "assistant", rank=0),
        msg("m1", "r", "assistant", rank=0),
    ]
    results = []
    for seed in range(4):
        shuffled = tied[:]
        random.Random(seed).shuffle(shuffled)
        results.append(threads.build(shuffled, ["ready_for_export"], "")[:2])
    assert all(result == results[0] for result in results)
    assert results[0][0][0]["id"] == "m1" and results[0][1][0]["id"] == "m1>m2"


def test_preferences_cover_ranked_groups_off_the_chosen_thread():
    tree = [
        msg("r", None, "prompter"),
        msg("a0", "r", "assistant", rank=0),
        msg("a1", "r", "assistant", rank=1),
        msg("p", "a1", "prompter"),
        msg("c0", "p", "assistant", rank=0),
        msg("c1", "p", "assistant", rank=1),
    ]
    _, prefs, _ = threads.build(tree, ["ready_for_export"], "")
    assert [p["id"] for p in prefs] == ["a0>a1", "c0>c1"]
    assert contents(prefs[1]["prompt"]) == ["text r", "text a1", "text p"]


def test_all_paths_end_on_assistant_turns_without_repeats():
    tree = [
        msg("r", None, "prompter"),
        msg("a0", "r", "assistant", rank=0),
        msg("a1", "r", "assistant", rank=1),
        msg("p0", "a0", "prompter", rank=0),  # a leaf prompt: its path is cut back to a0 ...
        msg("p1", "a0", "prompter", rank=1),
        msg("b", "p1", "assistant"),  # ... which is already inside r a0 p1 b, so it is not repeated
        msg("x", "a1", "prompter", deleted=True),
        msg("lonely", None, "prompter", tree="t2"),  # no reply: no thread
    ]
    found, _, counts = threads.build(tree, ["ready_for_export"], "", all_paths=True)
    assert [contents(t["messages"]) for t in found] == [
        ["text r", "text a0", "text p1", "text b"],
        ["text r", "text a1"],
    ]
    assert [t["id"] for t in found] == ["b", "a1"] and counts["trees_without_thread"] == 1
    [best], _, _ = threads.build(tree, ["ready_for_export"], "")
    assert contents(best["messages"]) == ["text r", "text a0"]


def test_llama2_text_is_llama2langs_original_format():
    tree = [
        msg("r", None, "prompter", text="Hallo?"),
        msg("a", "r", "assistant", rank=0, text="Hallo!"),
        msg("p", "a", "prompter", text="Wie geht's?"),
        msg("b", "p", "assistant", text="Gut."),
    ]
    [thread], _, _ = threads.build(
        tree, ["ready_for_export"], "Antworte auf Deutsch.", text_template="llama2_v0.2"
    )
    assert thread["text"] == (
        "<s>[INST] <<SYS>>\nAntworte auf Deutsch.\n<</SYS>>\n\n"
        "Hallo? [/INST] Hallo! </s><s>[INST] Wie geht's? [/INST] Gut. </s>"
    )
    # LLaMa2lang always wrote the system block, even for an empty instruction prompt.
    [plain], _, _ = threads.build(tree[:2], ["ready_for_export"], "", text_template="llama2_v0.2")
    assert plain["text"] == "<s>[INST] <<SYS>>\n\n<</SYS>>\n\nHallo? [/INST] Hallo! </s>"
    assert "text" not in threads.build(tree, ["ready_for_export"], "")[0][0]


def test_stage_writes_outputs(in_tmp):
    write_lines(in_tmp / "data/translated/oasst.jsonl", [json.dumps(m) for m in TREE])
    write_params(in_tmp, threads={"text_template": "llama2_v0.2"})
    threads.main()
    [thread] = read_jsonl(in_tmp / "data/threads/threads.jsonl")
    assert thread["text"].startswith("<s>[INST] <<SYS>>")
    assert len(read_jsonl(in_tmp / "data/preferences/preferences.jsonl")) == 2
    report = json.loads((in_tmp / "reports/threads.json").read_text())
    assert report["orphaned_subtrees"] == 1 and report["dropped_messages"]["orphaned"] == 2


def test_stage_writes_llama2lang_heads_formats(in_tmp):
    """text_template chat and preference_format text render with base.model's chat template (Llama-2-chat's
    here); end_on_assistant false keeps a trailing user turn."""
    from .helpers import shared_model

    write_lines(in_tmp / "data/translated/oasst.jsonl", [json.dumps(m) for m in TREE])
    write_params(
        in_tmp,
        base={"model": str(shared_model("llama2-chat"))},
        threads={
            "text_template": "chat",
            "preference_format": "text",
            "end_on_assistant": False,
            "system_prompt": "Sei nett.",
        },
    )
    threads.main()
    [thread] = read_jsonl(in_tmp / "data/threads/threads.jsonl")
    assert [m["role"] for m in thread["messages"]][-1] == "user"
    assert thread["text"].startswith("<s>[INST] <<SYS>>\nSei nett.\n<</SYS>>\n\n") and thread[
        "text"
    ].endswith(" [/INST]")
    pairs = read_jsonl(in_tmp / "data/preferences/preferences.jsonl")
    assert len(pairs) == 2 and all(isinstance(pair[key], str) for pair in pairs for key in pair)
    assert pairs[0]["prompt"].startswith("[INST] <<SYS>>\nSei nett.")  # its BOS cut off, as HEAD writes


@pytest.mark.parametrize(
    "lines, error",
    [
        ([json.dumps(TREE[0]), "{not json"], r"oasst.jsonl:2: invalid JSON"),
        (
            [json.dumps(TREE[0]), json.dumps({k: v for k, v in TREE[1].items() if k != "text"})],
            r"oasst.jsonl:2: message a2: missing field\(s\) text",
        ),
        (
            [
                json.dumps(TREE[0]),
                json.dumps(msg("a", "b", "prompter")),
                json.dumps(msg("b", "a", "assistant")),
            ],
            r"oasst.jsonl:[23]: parent cycle through message [ab]",
        ),
    ],
)
def test_malformed_input_names_the_line_and_writes_nothing(in_tmp, lines, error):
    write_lines(in_tmp / "data/translated/oasst.jsonl", lines)
    write_params(in_tmp)
    with pytest.raises(InputError, match=error):
        threads.main()
    assert not any((in_tmp / out).exists() for out in ("data/threads", "data/preferences", "reports"))


# An independent reading of the real rows, written apart from the stage: it looks up from each message
# (its ancestry) where the stage walks down from each root.


def _ancestry(row: dict, by_id: dict) -> list[dict]:
    """The row, its parent, ... up to the top message present (a root, or an orphan's head)."""
    chain = [row]
    while chain[-1]["parent_id"] in by_id:
        chain.append(by_id[chain[-1]["parent_id"]])
    return chain


def _fate(row: dict, by_id: dict) -> str:
    chain = _ancestry(row, by_id)
    if chain[-1]["parent_id"] is not None:
        return "orphaned"
    if chain[-1]["tree_state"] != "ready_for_export":
        return "tree_state"
    if row["deleted"]:
        return "deleted"
    return "under_deleted" if any(r["deleted"] for r in chain[1:]) else "kept"


def _order(row: dict) -> tuple:
    return (row["rank"] is None, row["rank"] or 0, row["message_id"])


def _independent(rows: list[dict]) -> dict:
    by_id = {r["message_id"]: r for r in rows}
    fates = {r["message_id"]: _fate(r, by_id) for r in rows}
    kept = [r for r in rows if fates[r["message_id"]] == "kept"]
    siblings: dict = {}
    for r in kept:
        siblings.setdefault(r["parent_id"], []).append(r)

    def cut_to_assistant(chain_up: list[dict]) -> tuple[str, ...]:
        while chain_up and chain_up[0]["role"] != "assistant":
            chain_up = chain_up[1:]
        return tuple(r["message_id"] for r in reversed(chain_up))

    # Best threads: a message is on its root's best thread when it and every ancestor below the root is
    # the first of its siblings; the deepest such message per root ends the thread (after cutting back).
    preferred = {min(group, key=_order)["message_id"] for group in siblings.values()}
    deepest: dict = {}
    for r in kept:
        chain = _ancestry(r, by_id)
        if all(c["message_id"] in preferred for c in chain[:-1]):
            root = chain[-1]["message_id"]
            if len(chain) > len(deepest.get(root, [])):
                deepest[root] = chain
    best = {path[0]: path for path in (cut_to_assistant(c) for c in deepest.values()) if path}

    # All paths: from every leaf up, cut back; drop paths that are a proper prefix of another.
    parents = {r["parent_id"] for r in kept}
    cut = {cut_to_assistant(_ancestry(r, by_id)) for r in kept if r["message_id"] not in parents}
    cut.discard(())
    every = {p for p in cut if not any(len(q) > len(p) and q[: len(p)] == p for q in cut)}

    # Preferences: each group of ranked assistant siblings gives (size - 1) pairs against its first.
    pairs = {}
    for parent, group in siblings.items():
        ranked = sorted((r for r in group if r["role"] == "assistant" and r["rank"] is not None), key=_order)
        for other in ranked[1:]:
            prompt = [r["message_id"] for r in reversed(_ancestry(by_id[parent], by_id))]
            pairs[f"{ranked[0]['message_id']}>{other['message_id']}"] = prompt
    return {"fates": fates, "best": best, "every": every, "pairs": pairs}


def test_real_oasst_threads_match_an_independent_walk(shared_data):
    rows = read_jsonl(shared_data / "oasst" / "oasst1-validation.en.jsonl")
    by_id = {r["message_id"]: r for r in rows}
    found, prefs, counts = threads.build(rows, ["ready_for_export"], "")
    expected = _independent(rows)

    # Best threads: the same count, and for a sample of trees the same messages in the same order.
    assert len(found) == len(expected["best"]) > 100
    by_tree = {t["tree_id"]: t for t in found}
    for root in random.Random(0).sample(sorted(expected["best"]), 40):
        path = expected["best"][root]
        assert by_tree[by_id[root]["message_tree_id"]]["id"] == path[-1]
        assert contents(by_tree[by_id[root]["message_tree_id"]]["messages"]) == [
            by_id[i]["text"] for i in path
        ]

    # Preference pairs: the same set, each with the conversation down to the siblings' parent as prompt.
    assert counts["preferences"] == len(prefs) == len(expected["pairs"]) > 100
    assert {p["id"] for p in prefs} == set(expected["pairs"])
    for pair in prefs:
        chosen, rejected = pair["id"].split(">")
        assert contents(pair["prompt"]) == [by_id[i]["text"] for i in expected["pairs"][pair["id"]]]
        assert (pair["chosen"][0]["content"], pair["rejected"][0]["content"]) == (
            by_id[chosen]["text"],
            by_id[rejected]["text"],
        )

    # Nothing silently lost: every message is kept or counted under the reason it was dropped.
    fates = list(expected["fates"].values())
    assert counts["dropped_messages"] == {
        reason: fates.count(reason) for reason in ("orphaned", "tree_state", "deleted", "under_deleted")
    }
    assert counts["kept_messages"] == fates.count("kept")
    assert counts["orphaned_subtrees"] == counts["dropped_messages"]["orphaned"] == 3
    assert counts["dropped_messages"]["deleted"] == 40  # the README of the data counts 40 deleted messages


def test_real_oasst_all_paths_match_an_independent_walk(shared_data):
    rows = read_jsonl(shared_data / "oasst" / "oasst1-validation.en.jsonl")
    by_id = {r["message_id"]: r for r in rows}
    found, _, counts = threads.build(rows, ["ready_for_export"], "", all_paths=True)
    expected = {path[-1]: path for path in _independent(rows)["every"]}
    assert counts["threads"] == len(found) == len(expected) > counts["trees_kept"]
    for thread in found:
        assert contents(thread["messages"]) == [by_id[i]["text"] for i in expected[thread["id"]]]


def test_a_very_deep_thread_needs_no_recursion(in_tmp):
    depth = 3000  # past Python's recursion limit
    chain = [msg("m0", None, "prompter")] + [
        msg(f"m{i}", f"m{i - 1}", "assistant" if i % 2 else "prompter") for i in range(1, depth)
    ]
    write_lines(in_tmp / "data/translated/oasst.jsonl", [json.dumps(m) for m in chain])
    write_params(in_tmp, threads={"all_paths": True})
    threads.main()
    [thread] = read_jsonl(in_tmp / "data/threads/threads.jsonl")
    assert thread["id"] == f"m{depth - 1}" and len(thread["messages"]) == depth

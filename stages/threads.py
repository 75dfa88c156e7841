"""threads: translated OASST messages -> best-ranked chat threads and DPO/ORPO preference pairs.

From each root prompt the thread follows the best-ranked reply at every level (rank 0 is best; unranked
replies come after ranked ones; ties go to the earlier message id), and ends on an assistant turn.
Deleted messages drop with their subtrees; trees outside `tree_states` and orphans are skipped and counted.
"""

from collections import defaultdict
from pathlib import Path

from stages.core.io import InputError, read_jsonl, write_json, write_jsonl
from stages.core.params import load_params

MESSAGES = Path("data/translated/oasst.jsonl")
THREADS = Path("data/threads/threads.jsonl")
PREFERENCES = Path("data/preferences/preferences.jsonl")
REPORT = Path("reports/threads.json")
ROLES = {"prompter": "user", "assistant": "assistant"}


def rank_key(message: dict) -> tuple:
    rank = message.get("rank")
    return (rank is None, rank if rank is not None else 0, message["message_id"])


def children_index(messages: list[dict]) -> dict[str | None, list[dict]]:
    """parent id -> live children, best first."""
    children: dict[str | None, list[dict]] = defaultdict(list)
    for message in messages:
        if not message.get("deleted"):
            children[message["parent_id"]].append(message)
    for replies in children.values():
        replies.sort(key=rank_key)
    return children


def check_acyclic(messages: list[dict], path: Path) -> None:
    parent = {m["message_id"]: m["parent_id"] for m in messages}
    for start in parent:
        seen, node = set(), start
        while node is not None and node in parent:
            if node in seen:
                raise InputError(path, f"parent cycle through message {start}")
            seen.add(node)
            node = parent[node]


def best_path(root: dict, children: dict) -> list[dict]:
    """Root prompt, then the best reply at each level, cut back to end on an assistant turn."""
    path = [root]
    while children.get(path[-1]["message_id"]):
        path.append(children[path[-1]["message_id"]][0])
    while path and path[-1]["role"] != "assistant":
        path.pop()
    return path


def as_chat(messages: list[dict]) -> list[dict]:
    return [{"role": ROLES[m["role"]], "content": m["text"]} for m in messages]


def preference_pairs(path: list[dict], children: dict) -> list[dict]:
    """At each assistant level of the thread with ranked siblings: best is chosen, each other rejected."""
    pairs = []
    for depth, message in enumerate(path):
        if message["role"] != "assistant":
            continue
        siblings = [m for m in children[message["parent_id"]] if m.get("rank") is not None]
        prompt = as_chat(path[:depth])
        for other in siblings[1:]:
            pairs.append(
                {
                    "id": f"{message['message_id']}>{other['message_id']}",
                    "prompt": prompt,
                    "chosen": as_chat([siblings[0]]),
                    "rejected": as_chat([other]),
                }
            )
    return pairs


def build(messages: list[dict], tree_states: list[str], system_prompt: str) -> tuple[list, list, dict]:
    children = children_index(messages)
    ids = {m["message_id"] for m in messages}
    deleted = sum(1 for m in messages if m.get("deleted"))
    counts = {
        "messages": len(messages),
        "deleted": deleted,
        "trees": 0,
        "skipped_state": 0,
        "orphans": sum(1 for m in messages if m["parent_id"] is not None and m["parent_id"] not in ids),
        "threads": 0,
        "no_assistant_reply": 0,
        "preferences": 0,
    }
    threads, preferences = [], []
    for root in children.get(None, []):
        counts["trees"] += 1
        if root.get("tree_state", "ready_for_export") not in tree_states:
            counts["skipped_state"] += 1
            continue
        path = best_path(root, children)
        if not path:
            counts["no_assistant_reply"] += 1
            continue
        chat = as_chat(path)
        if system_prompt:
            chat = [{"role": "system", "content": system_prompt}, *chat]
        threads.append(
            {
                "id": root["message_id"],
                "tree_id": root["message_tree_id"],
                "lang": root["lang"],
                "messages": chat,
            }
        )
        preferences += preference_pairs(path, children)
    counts["threads"], counts["preferences"] = len(threads), len(preferences)
    return threads, preferences, counts


def main() -> None:
    params = load_params().threads
    messages = read_jsonl(MESSAGES, required=("message_id", "parent_id", "text", "role", "lang"))
    check_acyclic(messages, MESSAGES)
    threads, preferences, counts = build(messages, params.tree_states, params.system_prompt)
    write_jsonl(THREADS, threads)
    write_jsonl(PREFERENCES, preferences)
    write_json(REPORT, counts)
    print(f"threads: {counts}")


if __name__ == "__main__":
    main()

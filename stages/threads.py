"""threads: translated OASST messages -> best-ranked chat threads and DPO/ORPO preference pairs.

From each root prompt (in input order) the thread follows the best-ranked reply at every level (rank 0 is
best; unranked replies come after ranked ones; ties go to the earlier message id), and ends on an
assistant turn (`end_on_assistant: false` keeps trailing user turns, as LLaMa2lang HEAD does); with
`all_paths` every root-to-leaf path becomes a thread instead. Deleted messages drop with their subtrees;
trees outside `tree_states` and orphaned subtrees (whose parent is absent) are skipped. Every message
that is dropped is counted in the report, by reason.

Preference pairs come from every group of ranked assistant siblings in the kept trees, not only from the
levels on the chosen thread: each group is a human ranking in its own context, and DPO conditions on the
prompt alone, so the conversation leading to any group is a valid prompt. They are TRL's conversational
records, or with `preference_format: text` LLaMa2lang HEAD's: the prompt as the chat template's text.
"""

from collections import defaultdict, deque
from pathlib import Path

from stages.core.io import write_json, write_jsonl
from stages.core.oasst import read_oasst
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
    """parent id -> all children (deleted ones included), best first."""
    children: dict[str | None, list[dict]] = defaultdict(list)
    for message in messages:
        children[message["parent_id"]].append(message)
    for replies in children.values():
        replies.sort(key=rank_key)
    return children


def live_replies(message: dict, children: dict) -> list[dict]:
    return [reply for reply in children.get(message["message_id"], []) if not reply.get("deleted")]


def subtree(head: dict, children: dict) -> list[dict]:
    """`head` and everything below it, deleted messages included."""
    found, pending = [], [head]
    while pending:
        message = pending.pop()
        found.append(message)
        pending += children.get(message["message_id"], [])
    return found


def best_path(root: dict, children: dict, end_on_assistant: bool = True) -> list[dict]:
    """Root prompt, then the best live reply at each level, cut back to end on an assistant turn."""
    path = [root]
    while replies := live_replies(path[-1], children):
        path.append(replies[0])
    while end_on_assistant and path and path[-1]["role"] != "assistant":
        path.pop()
    return path


def every_path(root: dict, children: dict, end_on_assistant: bool = True) -> list[list[dict]]:
    """Each root-to-leaf path through live messages, cut back to its last assistant turn.

    A path that ends inside a longer one (its assistant has assistant turns below it) is not repeated,
    so the threads end on the assistant turns with no assistant turn below them. Without the cut, each
    root-to-leaf path whole.
    """
    visits, pending = [], [[root]]
    while pending:  # depth first, best reply first; no recursion, so any depth works
        path = pending.pop()
        visits.append(path)
        pending += [[*path, reply] for reply in reversed(live_replies(path[-1], children))]
    if not end_on_assistant:
        return [path for path in visits if not live_replies(path[-1], children)]
    holds_assistant: dict[str, bool] = {}
    for path in reversed(visits):  # children before their parents
        below = any(holds_assistant[r["message_id"]] for r in live_replies(path[-1], children))
        holds_assistant[path[-1]["message_id"]] = below or path[-1]["role"] == "assistant"
    return [
        path
        for path in visits
        if path[-1]["role"] == "assistant"
        and not any(holds_assistant[r["message_id"]] for r in live_replies(path[-1], children))
    ]


def as_chat(messages: list[dict]) -> list[dict]:
    return [{"role": ROLES[m["role"]], "content": m["text"]} for m in messages]


def with_system(chat: list[dict], system_prompt: str) -> list[dict]:
    return [{"role": "system", "content": system_prompt}, *chat] if system_prompt else chat


TEXT_TEMPLATES = ("llama2_v0.2", "llama2_v0.3")  # LLaMa2lang's create_thread_prompts.py, by tag


def head_text(tokenizer, chat: list[dict], system_prompt: str) -> str:
    """LLaMa2lang HEAD's thread text (threads/finetune_prompts.py): the thread rendered by the chat template,
    after a system turn that is always there (empty when there is no system prompt)."""
    from stages.core.prompts import chat_text

    turns = [m for m in chat if m["role"] != "system"]
    return chat_text(tokenizer, [{"role": "system", "content": system_prompt}, *turns])


def text_preference(tokenizer, pair: dict, system_prompt: str) -> dict:
    """A pair as LLaMa2lang HEAD's threads/finetune_prompts_dpo.py writes it: the prompt rendered by the chat
    template after a system turn that is always there, its BOS cut off (the trainer's tokenizer adds it
    again); chosen and rejected as plain text. HEAD renders without the generation prompt, which only
    templates with an assistant header (Llama 3) write: ours ends with it, so the reply follows it as at
    training."""
    from stages.core.prompts import chat_text

    turns = [m for m in pair["prompt"] if m["role"] != "system"]
    prompt = chat_text(tokenizer, [{"role": "system", "content": system_prompt}, *turns], True)
    bos = tokenizer.bos_token or ""
    return {
        "id": pair["id"],
        "prompt": prompt[len(bos) :] if bos and prompt.startswith(bos) else prompt,
        "chosen": pair["chosen"][0]["content"],
        "rejected": pair["rejected"][0]["content"],
    }


def llama2_text(chat: list[dict], system_prompt: str, version: str = "llama2_v0.2") -> str:
    """LLaMa2lang's thread text as create_thread_prompts.py writes it, byte for byte: v0.1/v0.2 open with
    `<s>`, v0.3 without (the tokenizer adds it). The system block is always written, empty or not; turns
    alternate from the first, and a trailing user turn gets an empty answer as the original writes it."""
    turns = [m["content"] for m in chat if m["role"] != "system"]
    text = ("<s>" if version == "llama2_v0.2" else "") + f"[INST] <<SYS>>\n{system_prompt}\n<</SYS>>\n\n"
    for i in range(0, len(turns), 2):
        answer = turns[i + 1] if i + 1 < len(turns) else ""
        text += f"{turns[i]} [/INST] {answer} </s>"
        if i + 2 < len(turns):
            text += "<s>[INST] "
    return text


def preference_pairs(root: dict, children: dict, system_prompt: str) -> list[dict]:
    """Every group of ranked live assistant siblings: the best is chosen over each other one.

    The prompt is the conversation from the root down to the siblings' parent.
    """
    pairs = []
    pending = deque([[root]])
    while pending:
        path = pending.popleft()
        replies = live_replies(path[-1], children)
        ranked = [m for m in replies if m["role"] == "assistant" and m.get("rank") is not None]
        prompt = with_system(as_chat(path), system_prompt) if len(ranked) > 1 else []
        for other in ranked[1:]:
            pairs.append(
                {
                    "id": f"{ranked[0]['message_id']}>{other['message_id']}",
                    "prompt": prompt,
                    "chosen": as_chat([ranked[0]]),
                    "rejected": as_chat([other]),
                }
            )
        pending += [[*path, reply] for reply in replies]
    return pairs


def empty_counts(messages: list[dict]) -> dict:
    return {
        "messages": len(messages),
        "trees": 0,
        "trees_kept": 0,
        "trees_skipped_state": 0,
        "trees_without_thread": 0,
        "orphaned_subtrees": 0,
        "dropped_messages": {"orphaned": 0, "tree_state": 0, "deleted": 0, "under_deleted": 0},
        "kept_messages": 0,
        "messages_in_threads": 0,
        "threads": 0,
        "preferences": 0,
    }


def count_kept_tree(root: dict, children: dict, counts: dict) -> None:
    """Messages of a kept tree: live ones are kept; deleted ones drop with everything below them."""
    dropped = counts["dropped_messages"]
    pending = [root]
    while pending:
        message = pending.pop()
        if message.get("deleted"):
            below = subtree(message, children)
            dropped["deleted"] += sum(1 for m in below if m.get("deleted"))
            dropped["under_deleted"] += sum(1 for m in below if not m.get("deleted"))
            continue
        counts["kept_messages"] += 1
        pending += children.get(message["message_id"], [])


def build(
    messages: list[dict],
    tree_states: list[str],
    system_prompt: str,
    all_paths: bool = False,
    text_template: str = "none",
    end_on_assistant: bool = True,
    tokenizer=None,
) -> tuple[list, list, dict]:
    """Threads, preference pairs (conversational) and the counts of what was kept and dropped, from
    validated messages; `tokenizer` renders `text_template: chat`."""
    children = children_index(messages)
    ids = {m["message_id"] for m in messages}
    counts = empty_counts(messages)
    for head in messages:
        if head["parent_id"] is not None and head["parent_id"] not in ids:
            counts["orphaned_subtrees"] += 1
            counts["dropped_messages"]["orphaned"] += len(subtree(head, children))
    threads, preferences, in_threads = [], [], set()
    for root in (m for m in messages if m["parent_id"] is None):  # input order, as the originals
        counts["trees"] += 1
        if root.get("tree_state", "ready_for_export") not in tree_states:
            counts["trees_skipped_state"] += 1
            counts["dropped_messages"]["tree_state"] += len(subtree(root, children))
            continue
        counts["trees_kept"] += 1
        count_kept_tree(root, children, counts)
        if root.get("deleted"):
            paths = []
        else:
            if all_paths:
                paths = every_path(root, children, end_on_assistant)
            else:
                paths = [best_path(root, children, end_on_assistant)]
            paths = [path for path in paths if path]
        if not paths:
            counts["trees_without_thread"] += 1
            continue
        for path in paths:
            chat = with_system(as_chat(path), system_prompt)
            thread = {
                "id": path[-1]["message_id"],
                "tree_id": root["message_tree_id"],
                "lang": root["lang"],
                "messages": chat,
            }
            if text_template in TEXT_TEMPLATES:
                thread["text"] = llama2_text(chat, system_prompt, text_template)
            elif text_template == "chat":
                thread["text"] = head_text(tokenizer, chat, system_prompt)
            threads.append(thread)
            in_threads.update(m["message_id"] for m in path)
        preferences += preference_pairs(root, children, system_prompt)
    counts["messages_in_threads"] = len(in_threads)
    counts["threads"], counts["preferences"] = len(threads), len(preferences)
    return threads, preferences, counts


def main() -> None:
    params = load_params()
    config = params.threads
    messages = read_oasst(str(MESSAGES))
    tokenizer = None
    if config.text_template == "chat" or config.preference_format == "text":
        from stages.core.models import load_tokenizer

        tokenizer = load_tokenizer(params.base.model, params.base.trust_remote_code)
    threads, preferences, counts = build(
        messages,
        config.tree_states,
        config.system_prompt,
        config.all_paths,
        config.text_template,
        config.end_on_assistant,
        tokenizer,
    )
    if config.preference_format == "text":
        preferences = [text_preference(tokenizer, pair, config.system_prompt) for pair in preferences]
    write_jsonl(THREADS, threads)
    write_jsonl(PREFERENCES, preferences)
    write_json(REPORT, counts)
    print(f"threads: {counts}")


if __name__ == "__main__":
    main()

"""Reading OpenAssistant messages (OASST1) in the flat schema, whatever form they come in.

Sources: JSON Lines (optionally gzipped) or Parquet in the flat schema, a `datasets` folder saved with
`save_to_disk`, a `datasets` hub id, or OpenAssistant's nested tree export (one tree per line, each reply
inside its parent), which is flattened. Records keep every field as it is; a bad record names the file and
its line (or row) before anything is returned.
"""

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stages.core.datasources import load_hf_dataset
from stages.core.io import InputError, iter_jsonl, tracked_input

REQUIRED = ("message_id", "parent_id", "text", "role", "lang", "message_tree_id")
ROLES = ("prompter", "assistant")

# Where a record came from: ("line", n) in a text file, ("row", n) in a table; shown in errors.
Where = tuple[str, int]


def located_error(source: str, where: Where, message: str) -> InputError:
    kind, number = where
    if kind == "line":
        return InputError(source, message, number)
    return InputError(source, f"{kind} {number}: {message}")


def gzipped_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) from a .jsonl.gz file, located like `io.iter_jsonl`."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise InputError(path, f"not a readable gzip file ({error})") from None
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError(path, "invalid UTF-8", number) from None
        except json.JSONDecodeError as error:
            raise InputError(path, f"invalid JSON ({error.msg})", number) from None
        if not isinstance(record, dict):
            raise InputError(path, "a record must be a JSON object", number)
        yield number, record


def jsonl_rows(path: Path) -> list[tuple[Where, dict]]:
    lines = gzipped_jsonl(path) if path.name.endswith(".gz") else iter_jsonl(path)
    return [(("line", number), record) for number, record in lines]


def table_rows(records: list[dict]) -> list[tuple[Where, dict]]:
    return [(("row", index), record) for index, record in enumerate(records, start=1)]


def parquet_rows(path: Path) -> list[tuple[Where, dict]]:
    import pyarrow.parquet

    try:
        table = pyarrow.parquet.read_table(path)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise InputError(path, f"not a readable Parquet file ({error})") from None
    return table_rows(table.to_pylist())


def dataset_rows(source: str, split: str) -> list[tuple[Where, dict]]:
    """A `save_to_disk` folder or a hub id (network, or the HF cache offline)."""
    return table_rows(load_hf_dataset(source, None, split, key="OASST messages").to_list())


def flat_emojis(emojis: Any) -> Any:
    """The tree export's `{emoji: count}` as the flat schema's `{name: [...], count: [...]}`."""
    if isinstance(emojis, dict) and "name" not in emojis:
        return {"name": list(emojis), "count": list(emojis.values())}
    return emojis


def flat_labels(labels: Any) -> Any:
    """The tree export's `{label: {value, count}}` as the flat schema's `{name, value, count}` lists."""
    if isinstance(labels, dict) and "name" not in labels:
        return {
            "name": list(labels),
            "value": [label.get("value") for label in labels.values()],
            "count": [label.get("count") for label in labels.values()],
        }
    return labels


def is_tree(record: dict) -> bool:
    return "message_id" not in record and isinstance(record.get("prompt"), dict)


def flatten_tree(source: str, where: Where, tree: dict) -> list[tuple[Where, dict]]:
    """One line of the tree export -> its messages in the flat schema, parents before replies."""
    if "message_tree_id" not in tree:
        raise located_error(source, where, "tree without a message_tree_id")
    flat = []
    pending = [(tree["prompt"], None)]
    while pending:
        node, parent_id = pending.pop()
        if not isinstance(node, dict):
            raise located_error(source, where, f"a reply under {parent_id} is not a JSON object")
        message = {key: value for key, value in node.items() if key != "replies"}
        message["parent_id"] = message.get("parent_id", parent_id)
        message["message_tree_id"] = tree["message_tree_id"]
        message["tree_state"] = tree.get("tree_state")
        for field, reshape in (("emojis", flat_emojis), ("labels", flat_labels)):
            if field in message:
                message[field] = reshape(message[field])
        flat.append((where, message))
        # Reversed so that replies come out in their file order (the stack pops the last first).
        pending += [(reply, message.get("message_id")) for reply in reversed(node.get("replies") or [])]
    return flat


def check_record(source: str, where: Where, record: dict) -> None:
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        named = f"message {record['message_id']}: " if "message_id" in record else ""
        raise located_error(source, where, f"{named}missing field(s) {', '.join(missing)}")
    if record["role"] not in ROLES:
        expected = " or ".join(ROLES)
        raise located_error(
            source,
            where,
            f"message {record['message_id']}: unknown role {record['role']!r} (expected {expected})",
        )


def check_unique(source: str, rows: list[tuple[Where, dict]]) -> None:
    first_seen: dict[str, Where] = {}
    for where, record in rows:
        message_id = record["message_id"]
        if message_id in first_seen:
            kind, number = first_seen[message_id]
            raise located_error(
                source, where, f"duplicate message id {message_id} (first at {kind} {number})"
            )
        first_seen[message_id] = where


def check_acyclic(source: str, rows: list[tuple[Where, dict]]) -> None:
    """Following parent ids must always reach a root or a missing parent (an orphan), never loop."""
    parent = {record["message_id"]: record["parent_id"] for _, record in rows}
    where = {record["message_id"]: place for place, record in rows}
    settled: set[str] = set()  # ids known to lead out of the graph
    for start in parent:
        trail: list[str] = []
        on_trail: set[str] = set()
        node = start
        while node in parent and node not in settled:
            if node in on_trail:
                raise located_error(source, where[node], f"parent cycle through message {node}")
            trail.append(node)
            on_trail.add(node)
            node = parent[node]
        settled.update(trail)


def rows_of(source: str, split: str) -> list[tuple[Where, dict]]:
    path = Path(source)
    if path.exists():
        tracked_input(path)
    if path.is_dir():
        return dataset_rows(source, split)
    if path.name.endswith((".jsonl", ".jsonl.gz")):
        if not path.is_file():
            raise InputError(path, "no such file")
        return jsonl_rows(path)
    if path.suffix == ".parquet":
        if not path.is_file():
            raise InputError(path, "no such file")
        return parquet_rows(path)
    if path.exists():
        raise InputError(
            path, "unknown OASST format (expected .jsonl, .jsonl.gz, .parquet or a saved folder)"
        )
    return dataset_rows(source, split)


def read_oasst(source: str, split: str = "train") -> list[dict]:
    """OASST messages in the flat OASST1 schema, validated: required fields, roles, unique ids, no cycles.

    `source` is a .jsonl / .jsonl.gz / .parquet file, a `save_to_disk` folder, or a `datasets` hub id
    (`split` picks the split of the last two). Orphans (a parent that is absent) are kept: the threads
    stage skips and counts them.
    """
    rows = []
    for where, record in rows_of(source, split):
        rows += flatten_tree(source, where, record) if is_tree(record) else [(where, record)]
    for where, record in rows:
        check_record(source, where, record)
    check_unique(source, rows)
    check_acyclic(source, rows)
    return [record for _, record in rows]

"""pairs: raw bilingual data -> normalised, validated, de-duplicated, uncontaminated pairs.

Each `pairs.inputs` item is read by the reader of its `format` (text, tsv, jsonl, datasets, sacrebleu);
all readers return the same rows, so cleaning and accounting do not depend on where pairs come from.
Writes data/pairs/<src>-<tgt>.jsonl ({id, src_lang, tgt_lang, src, tgt, doc, origin}, plus `corpus` where
the input names one) and reports/pairs.json, which accounts for every record read: kept + each filter's
removals = read.
Every input is read and checked before anything is written, so a bad input leaves no output.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from stages.core.datasources import load_hf_dataset, reference_fields, sacrebleu_files
from stages.core.io import InputError, atomic_path, iter_jsonl, read_lines, write_json, write_jsonl
from stages.core.langs import CJK
from stages.core.params import PairFiles, load_params

OUT_DIR = Path("data/pairs")
REPORT = Path("reports/pairs.json")
FILTERS = ("empty", "too_long", "ratio", "duplicate", "contaminated")

_SPACES = re.compile(r"\s+")
_CJK = re.compile(CJK)


class Row(NamedTuple):
    """One raw pair; `where` locates it in its input (a line number, or split:index of a data set)."""

    where: str
    src: str
    tgt: str
    doc: str | None


def normalise(text: str, nfc: bool, collapse: bool = True) -> str:
    """NFC and one space for each whitespace run, each if asked; the ends always stripped (as ParroT)."""
    text = unicodedata.normalize("NFC", text) if nfc else text
    return (_SPACES.sub(" ", text) if collapse else text).strip()


def text_length(text: str) -> int:
    """Words for space-delimited scripts, characters for CJK: comparable across the two."""
    cjk = len(_CJK.findall(text))
    return cjk + len(_CJK.sub(" ", text).split())


def field_names(spec: PairFiles) -> tuple[str, str]:
    return spec.src_field or spec.src_lang, spec.tgt_field or spec.tgt_lang


def pick_fields(record: dict[str, Any], spec: PairFiles) -> tuple[str, str, str | None]:
    """(source, target, doc) of one record; ValueError names what is missing or of the wrong type.

    The fields sit at the top level, or (HF/WMT layout) under `translation` when the top level has neither.
    """
    src_field, tgt_field = field_names(spec)
    sides = record
    if src_field not in record and tgt_field not in record and isinstance(record.get("translation"), dict):
        sides = record["translation"]
    values = []
    for field in (src_field, tgt_field):
        value = sides.get(field)
        if value is None:  # absent, or null (a data set's missing struct key reads as None)
            raise ValueError(f"missing field {field!r}")
        if not isinstance(value, str):
            raise ValueError(f"field {field!r} must be a string, not {type(value).__name__}")
        values.append(value)
    doc = None
    if spec.doc_field:
        if spec.doc_field not in record:
            raise ValueError(f"missing field {spec.doc_field!r}")
        doc = record[spec.doc_field]
    return values[0], values[1], None if doc in (None, "") else str(doc)


def _existing(path: Path, key: str = "pairs.inputs") -> Path:
    if not path.exists():
        raise InputError(path, f"file not found (from {key})")
    return path


def _records(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, line) of the non-blank lines."""
    return [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]


def read_text(spec: PairFiles) -> list[Row]:
    """Line-aligned `<path>.<src>` and `<path>.<tgt>`, with document ids from `<path>.docs` if it exists."""
    src_path = _existing(Path(f"{spec.path}.{spec.src_lang}"))
    tgt_path = _existing(Path(f"{spec.path}.{spec.tgt_lang}"))
    sources, targets = read_lines(src_path), read_lines(tgt_path)
    if len(sources) != len(targets):
        raise InputError(
            tgt_path, f"{len(targets)} lines, but {src_path} has {len(sources)}: files must be line-aligned"
        )
    docs_path = Path(f"{spec.path}.docs")
    docs: list[str | None] = [None] * len(sources)
    if docs_path.exists():
        docs = [doc.strip() or None for doc in read_lines(docs_path)]
        if len(docs) != len(sources):
            raise InputError(
                docs_path, f"{len(docs)} lines, but {src_path} has {len(sources)}: files must be line-aligned"
            )
    rows = zip(sources, targets, docs, strict=True)
    return [Row(str(number), s, t, d) for number, (s, t, d) in enumerate(rows, start=1)]


def read_tsv(spec: PairFiles) -> list[Row]:
    """A header row, then one pair per line; split on TAB only, as in the WMT/MQM files (no CSV quoting)."""
    path = _existing(Path(spec.path))
    records = _records(read_lines(path))
    if not records:
        raise InputError(path, "empty file: expected a header row")
    header_line, header_text = records[0]
    header = header_text.split("\t")
    wanted = [*field_names(spec), *([spec.doc_field] if spec.doc_field else [])]
    absent = [field for field in wanted if field not in header]
    if absent:
        raise InputError(
            path, f"missing column(s) {', '.join(map(repr, absent))} (header has {header})", header_line
        )
    rows = []
    for number, line in records[1:]:
        cells = line.split("\t")
        if len(cells) != len(header):
            short = (
                f", missing {', '.join(map(repr, header[len(cells) :]))}" if len(cells) < len(header) else ""
            )
            raise InputError(
                path, f"{len(cells)} TAB-separated fields, header has {len(header)}{short}", number
            )
        try:
            rows.append(Row(str(number), *pick_fields(dict(zip(header, cells, strict=True)), spec)))
        except ValueError as error:
            raise InputError(path, str(error), number) from None
    return rows


def read_jsonl(spec: PairFiles) -> list[Row]:
    """One JSON object per line, fields at the top level or under `translation`."""
    path = _existing(Path(spec.path))
    rows = []
    for number, record in iter_jsonl(path):
        try:
            rows.append(Row(str(number), *pick_fields(record, spec)))
        except ValueError as error:
            raise InputError(path, str(error), number) from None
    return rows


def read_datasets(spec: PairFiles) -> list[Row]:
    """A Hugging Face data set (hub id or save_to_disk folder); origins are `<name>:<split>:<index>`."""
    rows = []
    for index, record in enumerate(load_hf_dataset(spec.path, spec.config, spec.split)):
        where = f"{spec.split}:{index}"
        try:
            rows.append(Row(where, *pick_fields(record, spec)))
        except ValueError as error:
            raise InputError(f"{spec.path}:{where}", str(error)) from None
    return rows


def read_sacrebleu(spec: PairFiles) -> list[Row]:
    """A WMT/FLORES test set through sacreBLEU's downloader: its source and first reference, with doc ids."""
    files = sacrebleu_files(spec.path, spec.src_lang, spec.tgt_lang)
    src_path, ref_path = files["src"], files[reference_fields(files)[0]]
    sources, targets = read_lines(src_path), read_lines(ref_path)
    docs: list[str | None] = read_lines(files["docid"]) if "docid" in files else [None] * len(sources)
    if not len(sources) == len(targets) == len(docs):
        raise InputError(ref_path, f"{len(targets)} lines, but {src_path} has {len(sources)}")
    rows = zip(sources, targets, docs, strict=True)
    return [Row(str(number), s, t, d or None) for number, (s, t, d) in enumerate(rows, start=1)]


READERS: dict[str, Callable[[PairFiles], list[Row]]] = {
    "text": read_text,
    "tsv": read_tsv,
    "jsonl": read_jsonl,
    "datasets": read_datasets,
    "sacrebleu": read_sacrebleu,
}


def read_rows(spec: PairFiles) -> list[Row]:
    reader = READERS.get(spec.format)
    if reader is None:  # params validation rejects it first; this guards callers that build specs in code
        raise InputError(spec.path, f"unknown format {spec.format!r} (one of {', '.join(READERS)})")
    return reader(spec)


def excluded_lines(paths: list[str], nfc: bool, collapse: bool = True) -> set[str]:
    lines: set[str] = set()
    for path in paths:
        lines.update(
            normalise(line, nfc, collapse)
            for line in read_lines(_existing(Path(path), "pairs.exclude"))
            if line.strip()
        )
    return lines


def reason_to_drop(src: str, tgt: str, seen: set, excluded: set[str], params) -> str | None:
    """The first filter a pair fails, or None to keep it (always None with `filters: false`)."""
    if not params.filters:
        return None
    if not src or not tgt:
        return "empty"
    if max(len(src), len(tgt)) > params.max_chars:
        return "too_long"
    src_len, tgt_len = text_length(src), text_length(tgt)
    if max(src_len, tgt_len) / max(1, min(src_len, tgt_len)) > params.max_ratio:
        return "ratio"
    if params.dedup and (src, tgt) in seen:
        return "duplicate"
    if src in excluded or tgt in excluded:
        return "contaminated"
    return None


def clean(spec: PairFiles, excluded: set[str], params) -> tuple[list[dict], dict]:
    rows = read_rows(spec)
    removed: Counter = Counter()
    seen: set[tuple[str, str]] = set()
    pairs = []
    name = Path(spec.path).name
    for row in rows:
        src = normalise(row.src, params.nfc, params.collapse_whitespace)
        tgt = normalise(row.tgt, params.nfc, params.collapse_whitespace)
        reason = reason_to_drop(src, tgt, seen, excluded, params)
        if reason:
            removed[reason] += 1
            continue
        seen.add((src, tgt))
        pairs.append(
            {
                "id": f"{name}:{row.where}",
                "src_lang": spec.src_lang,
                "tgt_lang": spec.tgt_lang,
                "src": src,
                "tgt": tgt,
                "doc": row.doc,
                "origin": f"{spec.path}:{row.where}",
            }
            | ({"corpus": spec.corpus} if spec.corpus else {})
        )
    report = {"read": len(rows), "kept": len(pairs), "removed": {name: removed[name] for name in FILTERS}}
    return pairs, report


def report_key(spec: PairFiles) -> str:
    split = f":{spec.split}" if spec.format == "datasets" else ""
    return f"{spec.src_lang}-{spec.tgt_lang}:{spec.path}{split}"


def main() -> None:
    params = load_params().pairs
    excluded = excluded_lines(params.exclude, params.nfc, params.collapse_whitespace)
    by_direction: dict[str, list[dict]] = {}
    ids: dict[str, set[str]] = {}
    report: dict[str, dict] = {}
    for spec in params.inputs:
        key = report_key(spec)
        if key in report:
            raise InputError(spec.path, f"listed twice in pairs.inputs ({key})")
        pairs, counts = clean(spec, excluded, params)
        if not counts["read"]:
            raise InputError(spec.path, f"no pairs in this input ({key}): empty files are likely a mistake")
        direction = f"{spec.src_lang}-{spec.tgt_lang}"
        # ids join later stages' records to pairs: two inputs with one file name would collide
        seen = ids.setdefault(direction, set())
        clash = next((pair["id"] for pair in pairs if pair["id"] in seen), None)
        if clash:
            raise InputError(
                spec.path, f"id {clash} also comes from another input: give inputs distinct names"
            )
        seen.update(pair["id"] for pair in pairs)
        by_direction.setdefault(direction, []).extend(pairs)
        report[key] = counts
        print(f"pairs {key}: read {counts['read']}, kept {counts['kept']}, removed {counts['removed']}")
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        for direction, pairs in by_direction.items():
            write_jsonl(tmp / f"{direction}.jsonl", pairs)
    write_json(REPORT, report)


if __name__ == "__main__":
    main()

"""pairs: raw bilingual files -> normalised, validated, de-duplicated, uncontaminated pairs.

Writes data/pairs/<src>-<tgt>.jsonl ({id, src_lang, tgt_lang, src, tgt, origin}) and reports/pairs.json,
which accounts for every line read: kept + each filter's removals = read.
"""

import re
import unicodedata
from collections import Counter
from pathlib import Path

from stages.core.io import InputError, atomic_path, dumps, read_lines, write_json
from stages.core.params import PairFiles, load_params

OUT_DIR = Path("data/pairs")
REPORT = Path("reports/pairs.json")
FILTERS = ("empty", "too_long", "ratio", "duplicate", "contaminated")

_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def normalise(text: str, nfc: bool) -> str:
    text = unicodedata.normalize("NFC", text) if nfc else text
    return _SPACES.sub(" ", text).strip()


def text_length(text: str) -> int:
    """Words for space-delimited scripts, characters for CJK: comparable across the two."""
    cjk = len(_CJK.findall(text))
    return cjk + len(_CJK.sub(" ", text).split())


def read_pair_files(spec: PairFiles) -> list[tuple[int, str, str]]:
    """(line number, source, target) from `<path>.<src>` and `<path>.<tgt>`."""
    src_path, tgt_path = Path(f"{spec.path}.{spec.src_lang}"), Path(f"{spec.path}.{spec.tgt_lang}")
    for path in (src_path, tgt_path):
        if not path.exists():
            raise InputError(path, "file not found (from pairs.inputs)")
    sources, targets = read_lines(src_path), read_lines(tgt_path)
    if len(sources) != len(targets):
        raise InputError(
            tgt_path, f"{len(targets)} lines, but {src_path} has {len(sources)}: files must be line-aligned"
        )
    return [(number, s, t) for number, (s, t) in enumerate(zip(sources, targets, strict=True), start=1)]


def excluded_lines(paths: list[str], nfc: bool) -> set[str]:
    lines: set[str] = set()
    for path in paths:
        lines.update(normalise(line, nfc) for line in read_lines(path) if line.strip())
    return lines


def reason_to_drop(src: str, tgt: str, seen: set, excluded: set[str], params) -> str | None:
    """The first filter a pair fails, or None to keep it."""
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
    rows = read_pair_files(spec)
    removed: Counter = Counter()
    seen: set[tuple[str, str]] = set()
    pairs = []
    for number, raw_src, raw_tgt in rows:
        src, tgt = normalise(raw_src, params.nfc), normalise(raw_tgt, params.nfc)
        reason = reason_to_drop(src, tgt, seen, excluded, params)
        if reason:
            removed[reason] += 1
            continue
        seen.add((src, tgt))
        pairs.append(
            {
                "id": f"{Path(spec.path).name}:{number}",
                "src_lang": spec.src_lang,
                "tgt_lang": spec.tgt_lang,
                "src": src,
                "tgt": tgt,
                "origin": f"{spec.path}:{number}",
            }
        )
    report = {"read": len(rows), "kept": len(pairs), "removed": {name: removed[name] for name in FILTERS}}
    return pairs, report


def main() -> None:
    params = load_params().pairs
    excluded = excluded_lines(params.exclude, params.nfc)
    by_direction: dict[str, list[dict]] = {}
    report: dict[str, dict] = {}
    for spec in params.inputs:
        pairs, counts = clean(spec, excluded, params)
        direction = f"{spec.src_lang}-{spec.tgt_lang}"
        by_direction.setdefault(direction, []).extend(pairs)
        report[f"{direction}:{spec.path}"] = counts
        print(f"pairs {spec.path}: read {counts['read']}, kept {counts['kept']}, removed {counts['removed']}")
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        for direction, pairs in by_direction.items():
            text = "".join(dumps(pair) + "\n" for pair in pairs)
            (tmp / f"{direction}.jsonl").write_text(text, encoding="utf-8")
    write_json(REPORT, report)


if __name__ == "__main__":
    main()

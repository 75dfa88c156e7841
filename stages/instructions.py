"""instructions: pairs and MQM annotations -> ParroT's Alpaca-format instruction records.

- translation: `{instruction, input, output}` with an instruction drawn (seeded) from a template file;
- error_hint: one record per MQM error row, hint "A translation with {severity} {category} errors could
  be" and the annotated target (its `<v>` span kept) as output; an error-free rating (no-error or only
  Neutral rows) gives one record with the no-error hint and the clean target;
- preference: translations of one source whose MQM scores differ by >= min_gap, output
  `<p>{better}</p> rather than <p>{worse}</p>` under the hint "We prefer to translate it to".
"""

import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from stages.core.io import InputError, atomic_path, dumps, read_jsonl, read_lines
from stages.core.params import MqmFile, load_params
from stages.core.prompts import HINTS, render_instruction, with_hint

PAIRS_DIR = Path("data/pairs")
OUT_DIR = Path("data/instructions")
MQM_COLUMNS = ["system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity"]


def read_templates(path: str) -> list[str]:
    templates = [line.strip() for line in read_lines(path) if line.strip()]
    for number, template in enumerate(templates, start=1):
        if "[SRC]" not in template or "[TGT]" not in template:
            raise InputError(path, "a template needs both [SRC] and [TGT]", number)
    if not templates:
        raise InputError(path, "no templates")
    return templates


def translation_records(pairs: list[dict], directions: str, templates, in_lang, rng) -> list[dict]:
    records = []
    for pair in pairs:
        sides = [(pair["src_lang"], pair["tgt_lang"], pair["src"], pair["tgt"])]
        if directions == "both":
            sides.append((pair["tgt_lang"], pair["src_lang"], pair["tgt"], pair["src"]))
        for src_lang, tgt_lang, src, tgt in sides:
            records.append(
                {
                    "id": f"{pair['id']}:{src_lang}-{tgt_lang}",
                    "instruction": render_instruction(rng.choice(templates), src_lang, tgt_lang, in_lang),
                    "input": src,
                    "output": tgt,
                    "task": "translation",
                    "source": f"translation_{src_lang}-{tgt_lang}",
                }
            )
    return records


def read_mqm(path: str) -> list[dict]:
    """MQM rows; TAB-split only, since the published files use raw quotes that CSV readers merge."""
    lines = read_lines(path)
    if not lines or lines[0].split("\t") != MQM_COLUMNS:
        raise InputError(path, f"header must be the MQM columns {' '.join(MQM_COLUMNS)}", 1)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(MQM_COLUMNS):
            raise InputError(path, f"{len(fields)} TAB-separated fields, expected {len(MQM_COLUMNS)}", number)
        rows.append(dict(zip(MQM_COLUMNS, fields, strict=True), line=number))
    return rows


def strip_marks(text: str) -> str:
    return text.replace("<v>", "").replace("</v>", "")


def severity_of(row: dict) -> str:
    """minor / major / neutral / none; Non-translation! is always major."""
    if row["category"].startswith("Non-translation"):
        return "major"
    return {"major": "major", "minor": "minor", "neutral": "neutral"}.get(row["severity"].lower(), "none")


def error_weight(row: dict) -> float:
    """The published MQM weights."""
    severity = severity_of(row)
    if row["category"].startswith("Non-translation"):
        return 25.0
    if severity == "major":
        return 5.0
    if severity == "minor":
        return 0.1 if row["category"] == "Fluency/Punctuation" else 1.0
    return 0.0


def ratings(rows: list[dict]) -> dict[tuple, list[dict]]:
    """Rows grouped by (system, seg_id, rater): one rating each."""
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[(row["system"], row["seg_id"], row["rater"])].append(row)
    return grouped


def segment_scores(rows: list[dict]) -> dict[tuple[str, str], float]:
    """(system, seg_id) -> minus the mean over raters of the summed error weights."""
    per_rater: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (system, seg, _rater), rating in ratings(rows).items():
        per_rater[(system, seg)].append(sum(error_weight(row) for row in rating))
    return {key: -sum(weights) / len(weights) for key, weights in per_rater.items()}


def error_hint_records(rows: list[dict], spec: MqmFile, instruction: Callable[[], str]) -> list[dict]:
    records = []
    for (system, seg, rater), rating in ratings(rows).items():
        errors = [row for row in rating if severity_of(row) in ("minor", "major")]
        base_id = f"mqm:{Path(spec.path).name}:{system}:{seg}:{rater}"
        if not errors:
            row = rating[0]
            records.append(
                _hint_record(
                    f"{base_id}:ok", instruction(), row, HINTS["no_errors"], strip_marks(row["target"])
                )
            )
            continue
        for row in errors:
            hint = f"A translation with {severity_of(row)} {row['category'].lower()} errors could be"
            records.append(_hint_record(f"{base_id}:{row['line']}", instruction(), row, hint, row["target"]))
    return records


def _hint_record(record_id: str, instruction: str, row: dict, hint: str, output: str) -> dict:
    return {
        "id": record_id,
        "instruction": instruction,
        "input": with_hint(row["source"], hint),
        "output": output,
        "task": "error_hint",
        "hint": hint,
        "source": "mqm_error_hint",
    }


def preference_records(
    rows: list[dict], spec: MqmFile, instruction: Callable[[], str], min_gap: float
) -> list[dict]:
    scores = segment_scores(rows)
    by_segment: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for row in rows:
        by_segment[row["seg_id"]][row["system"]] = (row["source"], strip_marks(row["target"]))
    records = []
    for seg, systems in by_segment.items():
        for first, second in itertools.combinations(sorted(systems), 2):
            gap = scores[(first, seg)] - scores[(second, seg)]
            if abs(gap) < min_gap:
                continue
            better, worse = (first, second) if gap > 0 else (second, first)
            source = systems[better][0]
            records.append(
                {
                    "id": f"mqm:{Path(spec.path).name}:{seg}:{better}>{worse}",
                    "instruction": instruction(),
                    "input": with_hint(source, HINTS["preferred"]),
                    "output": f"<p>{systems[better][1]}</p> rather than <p>{systems[worse][1]}</p>",
                    "task": "preference",
                    "hint": HINTS["preferred"],
                    "source": "mqm_preference",
                }
            )
    return records


def main() -> None:
    params = load_params()
    config = params.instructions
    rng = random.Random(params.base.seed)
    templates = read_templates(config.templates)
    outputs: dict[str, list[dict]] = {"translation": [], "error_hint": [], "preference": []}
    for path in sorted(PAIRS_DIR.glob("*.jsonl")):
        pairs = read_jsonl(path, required=("id", "src_lang", "tgt_lang", "src", "tgt"))
        outputs["translation"] += translation_records(
            pairs, config.directions, templates, config.instruction_lang, rng
        )
    for spec in config.mqm:
        rows = read_mqm(spec.path)

        def instruction(spec: MqmFile = spec) -> str:
            return render_instruction(
                rng.choice(templates), spec.src_lang, spec.tgt_lang, config.instruction_lang
            )

        outputs["error_hint"] += error_hint_records(rows, spec, instruction)
        outputs["preference"] += preference_records(rows, spec, instruction, config.min_gap)
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        for task, records in outputs.items():
            (tmp / f"{task}.jsonl").write_text("".join(dumps(r) + "\n" for r in records), encoding="utf-8")
            print(f"instructions: {len(records)} {task} records")


if __name__ == "__main__":
    main()

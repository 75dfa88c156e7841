"""instructions: pairs and MQM annotations -> ParroT's Alpaca-format instruction records.

- translation: `{instruction, input, output}` with an instruction drawn (seeded) from a template file;
  with `max_context` > 0, 0..max_context preceding lines of the same document (pairs' `doc`; without
  one, of the same input file) are prepended on both sides, joined by "\n" or " ", both drawn per
  record as ParroT does; `draws: parrot` makes ParroT's own draws (its script's records exactly);
- error_hint: one record per MQM error row, hint "A translation with {severity} {category} errors could
  be" and the annotated target (its `<v>` span kept) as output; an error-free rating (no-error or only
  Neutral rows) gives one record with the no-error hint and the clean target;
- preference: translations of one source whose MQM scores differ by >= min_gap, output
  `<p>{better}</p> rather than <p>{worse}</p>` under the hint "We prefer to translate it to".

Every record is also written to parrot.jsonl as ParroT's training file: `{text, prefix}` with the
output plus `eos` as text and the Alpaca prompt as prefix.
"""

import itertools
import random
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path

from stages.core.io import InputError, atomic_path, read_jsonl, read_lines, write_jsonl
from stages.core.params import PARAMS_FILE, MqmFile, load_params
from stages.core.prompts import HINTS, alpaca_prompt, render_instruction, with_hint

PAIRS_DIR = Path("data/pairs")
OUT_DIR = Path("data/instructions")
MQM_COLUMNS = ["system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity"]
TASKS = ("translation", "error_hint", "preference")
# Sums of 0.1 weights are inexact in floating point; a gap equal to min_gap must still count.
GAP_EPSILON = 1e-9


def read_templates(path: str) -> list[str]:
    """One template a non-blank line; each may name [SRC], [TGT], both or neither (ParroT's own file has
    22 of 33 naming only the target)."""
    templates = [line.strip() for line in read_lines(path) if line.strip()]
    if not templates:
        raise InputError(path, "no templates")
    return templates


def with_context(preceding: list[str], current: str, count: int, separator: str) -> str:
    """`current` after its last `count` preceding lines (fewer at a document start), as ParroT joins."""
    lines = preceding[max(0, len(preceding) - count) :] if count > 0 else []
    return separator.join([*lines, current])


def context_group(pair: dict) -> str:
    """What context may come from: the pair's document, else its input file (ParroT's preceding lines)."""
    if pair.get("doc") is not None:
        return f"doc:{pair['doc']}"
    return "file:" + str(pair.get("origin", pair["id"])).rsplit(":", 1)[0]


def translation_records(
    pairs: list[dict],
    directions: str,
    templates: list[str],
    in_lang: str,
    rng: random.Random,
    max_context: int = 0,
) -> list[dict]:
    """One record per pair and direction, drawn from one generator; context comes from earlier pairs of
    the same document (of the same input file where pairs have no document)."""
    records = []
    history: dict[str, deque[dict]] = defaultdict(lambda: deque(maxlen=max_context))
    for pair in pairs:
        preceding = list(history[context_group(pair)]) if max_context > 0 else []
        sides = [(pair["src_lang"], pair["tgt_lang"], "src", "tgt")]
        if directions == "both":
            sides.append((pair["tgt_lang"], pair["src_lang"], "tgt", "src"))
        for src_lang, tgt_lang, src_key, tgt_key in sides:
            src, tgt = pair[src_key], pair[tgt_key]
            # No draws at all when context is off, so the seeded default output stays as it was.
            if max_context > 0:
                # ParroT's order: the count (before clipping at the document start), the separator,
                # then the instruction.
                count = rng.randint(0, max_context)
                separator = rng.choice(("\n", " "))
                src = with_context([p[src_key] for p in preceding], src, count, separator)
                tgt = with_context([p[tgt_key] for p in preceding], tgt, count, separator)
            template = rng.choice(templates)
            records.append(translation_record(pair, src_lang, tgt_lang, template, in_lang, src, tgt))
        if max_context > 0:
            history[context_group(pair)].append(pair)
    return records


def translation_record(
    pair: dict, src_lang: str, tgt_lang: str, template: str, in_lang: str, src, tgt
) -> dict:
    return {
        "id": f"{pair['id']}:{src_lang}-{tgt_lang}",
        "instruction": render_instruction(template, src_lang, tgt_lang, in_lang),
        "input": src,
        "output": tgt,
        "task": "translation",
        "source": f"translation_{src_lang}-{tgt_lang}",
    }


def parrot_translation_records(
    pairs: list[dict], directions: str, templates: list[str], in_lang: str, seed: int, max_context: int
) -> list[dict]:
    """ParroT's convert_pair_to_alpaca.py exactly: each input file and direction its own run, reseeded;
    per pair the context count randint(0, max_context) (drawn even when it is 0), the separator
    ("\n" when randint(0, 1000) is even), then the template randint(0, len - 1); the context is the
    preceding lines of the file (of the document, where pairs have one)."""
    files: dict[str, list[dict]] = defaultdict(list)
    for pair in pairs:
        files["file:" + str(pair.get("origin", pair["id"])).rsplit(":", 1)[0]].append(pair)
    sides = [("src_lang", "tgt_lang", "src", "tgt")]
    if directions == "both":
        sides.append(("tgt_lang", "src_lang", "tgt", "src"))
    records = []
    for file_pairs in files.values():
        for src_field, tgt_field, src_key, tgt_key in sides:
            rng = random.Random(seed)
            for index, pair in enumerate(file_pairs):
                count = rng.randint(0, max_context)
                separator = "\n" if rng.randint(0, 1000) % 2 == 0 else " "
                window = [
                    p
                    for p in file_pairs[max(0, index - count) : index]
                    if context_group(p) == context_group(pair)
                ]
                src = separator.join([p[src_key] for p in window] + [pair[src_key]])
                tgt = separator.join([p[tgt_key] for p in window] + [pair[tgt_key]])
                template = templates[rng.randint(0, len(templates) - 1)]
                records.append(
                    translation_record(pair, pair[src_field], pair[tgt_field], template, in_lang, src, tgt)
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
            if abs(gap) < min_gap - GAP_EPSILON:
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


def parrot_records(records: list[dict], eos: str) -> list[dict]:
    """ParroT's training file (scripts/convert_alpaca_to_hf.py), keys in its order: the response + eos,
    and the prompt."""
    return [
        {"text": record["output"] + eos, "prefix": alpaca_prompt(record["instruction"], record["input"])}
        for record in records
    ]


def main() -> None:
    params = load_params()
    config = params.instructions
    seed = params.base.seed if config.seed is None else config.seed
    rng = random.Random(seed)
    templates = read_templates(config.templates)
    outputs: dict[str, list[dict]] = {task: [] for task in TASKS}
    for path in sorted(PAIRS_DIR.glob("*.jsonl")):
        pairs = read_jsonl(path, required=("id", "src_lang", "tgt_lang", "src", "tgt"))
        try:
            if config.draws == "parrot":
                outputs["translation"] += parrot_translation_records(
                    pairs, config.directions, templates, config.instruction_lang, seed, config.max_context
                )
            else:
                outputs["translation"] += translation_records(
                    pairs, config.directions, templates, config.instruction_lang, rng, config.max_context
                )
        except LookupError as error:  # a language the instruction language has no name for
            raise InputError(PARAMS_FILE, f"instructions.instruction_lang: {error}") from None
    for spec in config.mqm:
        rows = read_mqm(spec.path)

        def instruction(spec: MqmFile = spec) -> str:
            return render_instruction(
                rng.choice(templates), spec.src_lang, spec.tgt_lang, config.instruction_lang
            )

        outputs["error_hint"] += error_hint_records(rows, spec, instruction)
        outputs["preference"] += preference_records(rows, spec, instruction, config.min_gap)
    # Everything is read and built before anything is written: a bad input leaves the old outputs.
    outputs["parrot"] = parrot_records([r for task in TASKS for r in outputs[task]], config.eos)
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        for name, records in outputs.items():
            write_jsonl(tmp / f"{name}.jsonl", records)
            print(f"instructions: {len(records)} {name} records")


if __name__ == "__main__":
    main()

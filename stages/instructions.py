"""instructions: pairs and MQM annotations -> ParroT's Alpaca-format instruction records.

- translation: `{instruction, input, output}` with an instruction drawn (seeded) from a template file;
  with `max_context` > 0, 0..max_context preceding lines of the same document (pairs' `doc`; without
  one, of the same input file) are prepended on both sides, joined by "\n" or " ", both drawn per
  record as ParroT does; `draws: parrot` makes ParroT's own draws (its script's records exactly);
- error_hint: one record per MQM error row, hint ParroT's inference hint for its severity ("A translation
  with minor errors could be") and the annotated target (its `<v>` span kept) as output; an error-free
  rating (no-error or only Neutral rows) gives one record with the no-error hint and the clean target;
- preference: translations of one source whose MQM scores differ by >= min_gap, output
  `<p>{better}</p> rather than <p>{worse}</p>` under the hint "We prefer to translate it to";
- InstructMT's COMET-score variants (`comet`): system translations rated by COMET (the project's COMET
  path) give an error-hint record each, its severity from the score, and preference pairs of systems at
  least `comet_min_gap` apart.

Every record is also written to parrot.jsonl as ParroT's training file: `{text, prefix}` with the
output plus `eos` as text and the Alpaca prompt as prefix.
"""

import itertools
import random
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from stages.core.io import InputError, atomic_path, read_jsonl, read_lines, write_jsonl
from stages.core.params import PARAMS_FILE, CometFile, MqmFile, load_params
from stages.core.prompts import HINTS, alpaca_prompt, render_instruction, with_hint

PAIRS_DIR = Path("data/pairs")
OUT_DIR = Path("data/instructions")
MQM_COLUMNS = ["system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity"]
TASKS = ("translation", "error_hint", "preference")
# Sums of 0.1 weights are inexact in floating point; a gap equal to min_gap must still count.
GAP_EPSILON = 1e-9
# InstructMT's preference script reads the published segment scores (mqm_avg_score, printed to six
# decimals) and compares their differences with min_gap in plain floating point, so a gap of exactly one
# between two thirds (-1.333333 against -2.333333: 0.9999999999999998) leaves the pair out.
PUBLISHED_DECIMALS = 6


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


def input_file(pair: dict) -> str:
    """The input a pair came from: its `origin` (`<path>:<where>`) without the place."""
    return str(pair.get("origin", pair["id"])).rsplit(":", 1)[0]


def context_group(pair: dict) -> str:
    """What context may come from: the pair's document, else its input file (ParroT's preceding lines)."""
    if pair.get("doc") is not None:
        return f"doc:{pair['doc']}"
    return "file:" + input_file(pair)


def translation_records(
    pairs: list[dict],
    directions: str,
    templates: list[str],
    in_lang: str,
    rng: random.Random,
    max_context: int = 0,
    cycle: bool = False,
) -> list[dict]:
    """One record per pair and direction, drawn from one generator; context comes from earlier pairs of
    the same document (of the same input file where pairs have no document). `cycle`: template k mod n
    for the pair on line k of its input (from 0, blank lines counted), as x-LLM's translation loader."""
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
            template = templates[line_index(pair) % len(templates)] if cycle else rng.choice(templates)
            records.append(translation_record(pair, src_lang, tgt_lang, template, in_lang, src, tgt))
        if max_context > 0:
            history[context_group(pair)].append(pair)
    return records


def line_index(pair: dict) -> int:
    """The pair's place in its input from 0: its line (text, tsv, jsonl) or row (datasets) number."""
    parts = str(pair.get("origin", pair["id"])).rsplit(":", 2)
    if len(parts) == 3 and not parts[1].isdigit():  # `<name>:<split>:<index>`, counted from 0
        return int(parts[2])
    return int(parts[-1]) - 1  # `<path>:<line>`, counted from 1


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
    } | ({"corpus": pair["corpus"]} if pair.get("corpus") else {})


def parrot_translation_records(
    pairs: list[dict], directions: str, templates: list[str], in_lang: str, seed: int, max_context: int
) -> list[dict]:
    """ParroT's convert_pair_to_alpaca.py exactly: each input file and direction its own run, reseeded;
    per pair the context count randint(0, max_context) (drawn even when it is 0), the separator
    ("\n" when randint(0, 1000) is even), then the template randint(0, len - 1); the context is the
    preceding lines of the file (of the document, where pairs have one)."""
    files: dict[str, list[dict]] = defaultdict(list)
    for pair in pairs:
        files[input_file(pair)].append(pair)
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


@dataclass(frozen=True)
class Rated:
    """Systems' translations of one input's segments with a score each (higher is better): from MQM
    annotations or COMET. `kind` (mqm, comet) names the records' source; `name` their ids."""

    kind: str
    name: str
    sources: dict[str, str]  # segment -> source
    texts: dict[str, dict[str, str]]  # segment -> system -> its translation, systems in input order
    scores: dict[tuple[str, str], float]  # (system, segment) -> score


def mqm_rated(rows: list[dict], spec: MqmFile) -> Rated:
    sources = {row["seg_id"]: row["source"] for row in rows}
    return Rated("mqm", f"mqm:{Path(spec.path).name}", sources, majority_texts(rows), segment_scores(rows))


def published_scores(rated: Rated) -> Rated:
    """The scores as MQM's segment-score files print them (what InstructMT's scripts read)."""
    return replace(rated, scores={key: round(v, PUBLISHED_DECIMALS) for key, v in rated.scores.items()})


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
            # ParroT's inference hint for the severity, word for word: the one wording the model meets when
            # asked (the category stays in the record's id and in InstructMT's style)
            hint = HINTS[severity_of(row)]
            records.append(_hint_record(f"{base_id}:{row['line']}", instruction(), row, hint, row["target"]))
    return records


def _hint_record(
    record_id: str, instruction: str, row: dict, hint: str, output: str, kind: str = "mqm"
) -> dict:
    return {
        "id": record_id,
        "instruction": instruction,
        "input": with_hint(row["source"], hint),
        "output": output,
        "task": "error_hint",
        "hint": hint,
        "source": f"{kind}_error_hint",
    }


def majority_texts(rows: list[dict]) -> dict[str, dict[str, str]]:
    """seg_id -> system -> its target with marks removed, as most of its raters saw it (first seen on a
    tie): some raters' rows carry inserted text, so the last row's text is not the system's output."""
    raters: dict[tuple[str, str], dict[str, set]] = defaultdict(dict)
    for row in rows:
        raters[(row["seg_id"], row["system"])].setdefault(strip_marks(row["target"]), set()).add(row["rater"])
    texts: dict[str, dict[str, str]] = defaultdict(dict)
    for (seg, system), seen in raters.items():
        texts[seg][system] = max(seen, key=lambda text: len(seen[text]))
    return texts


def preference_records(
    rated: Rated, instruction: Callable[[], str], min_gap: float
) -> tuple[list[dict], int]:
    """Every two systems of a segment whose scores differ by >= min_gap; and how many such pairs were
    left out because both systems wrote the same text."""
    records, identical = [], 0
    for seg, systems in rated.texts.items():
        for first, second in itertools.combinations(sorted(systems), 2):
            gap = rated.scores[(first, seg)] - rated.scores[(second, seg)]
            if abs(gap) < min_gap - GAP_EPSILON:
                continue
            better, worse = (first, second) if gap > 0 else (second, first)
            if systems[better] == systems[worse]:
                identical += 1
                continue
            records.append(
                _preference_record(
                    f"{rated.name}:{seg}:{better}>{worse}",
                    instruction(),
                    rated.sources[seg],
                    HINTS["preferred"],
                    systems[better],
                    systems[worse],
                    rated.kind,
                )
            )
    return records, identical


def _preference_record(
    record_id: str, instruction: str, source: str, hint: str, better: str, worse: str, kind: str = "mqm"
) -> dict:
    return {
        "id": record_id,
        "instruction": instruction,
        "input": with_hint(source, hint),
        "output": f"<p>{better}</p> rather than <p>{worse}</p>",
        "task": "preference",
        "hint": hint,
        "source": f"{kind}_preference",
    }


# --- COMET-rated system translations (InstructMT's convert_cometscore_to_{egi,csi}_alpaca.py) ------------


def comet_rated(spec: CometFile, model: str) -> Rated:
    """The systems' translations of each source line, rated by COMET in one call; segments are line
    numbers. Every file must have the source's number of lines."""
    from stages.core.comet import comet_scores

    sources = read_lines(spec.src)
    files = {system: read_lines(path) for system, path in spec.hyps.items()}
    refs = read_lines(spec.ref) if spec.ref else None
    for path, lines in [*zip(spec.hyps.values(), files.values(), strict=True), (spec.ref, refs)]:
        if lines is not None and len(lines) != len(sources):
            raise InputError(
                path, f"{len(lines)} lines, but {spec.src} has {len(sources)} (instructions.comet)"
            )
    if not sources:
        raise InputError(spec.src, "no segments to rate (instructions.comet)")
    systems = list(files)
    try:
        _, flat = comet_scores(
            model,
            sources * len(systems),
            [text for system in systems for text in files[system]],
            None if refs is None else refs * len(systems),
        )
    except (FileNotFoundError, KeyError, ValueError) as error:
        raise InputError(PARAMS_FILE, f"instructions.comet_model: {error}") from None
    count = len(sources)
    segments = [str(line) for line in range(1, count + 1)]
    return Rated(
        "comet",
        f"comet:{Path(spec.src).name}",
        dict(zip(segments, sources, strict=True)),
        {seg: {system: files[system][i] for system in systems} for i, seg in enumerate(segments)},
        {
            (system, seg): flat[k * count + i]
            for k, system in enumerate(systems)
            for i, seg in enumerate(segments)
        },
    )


def comet_severity(score: float, no_errors: float, minor: float) -> str:
    """The severity an error hint names for a COMET score (InstructMT's data came with severities whose
    derivation it does not publish; ours are two thresholds in params)."""
    return "no" if score >= no_errors else "minor" if score >= minor else "major"


def comet_hint_records(rated: Rated, hint_of: Callable[[str, str], tuple[str, str]]) -> list[dict]:
    """One error-hint record per segment and system, in input order: `hint_of(seg, system)` gives the
    instruction and hint; the source and translation stripped, as InstructMT writes them."""
    records = []
    for seg, systems in rated.texts.items():
        for system, text in systems.items():
            instruction, hint = hint_of(seg, system)
            row = {"source": rated.sources[seg].strip()}
            record_id = f"{rated.name}:{seg}:{system}"
            records.append(
                _hint_record(record_id, instruction, row, hint, respaced_marks(text.strip()), "comet")
            )
    return records


# --- InstructMT's scripts (convert_mqmerror_to_egi_alpaca.py, convert_mqmscore_to_csi_alpaca.py) -----------


def read_paired_templates(path: str, src_lang: str, tgt_lang: str, in_lang: str) -> list[tuple[str, str]]:
    """`instruction###hint` lines, language names filled in: (instruction, hint) each."""
    pairs = []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        parts = render_instruction(line.strip(), src_lang, tgt_lang, in_lang).split("###")
        if len(parts) != 2:
            raise InputError(path, "expected one instruction and one hint, separated by ###", number)
        pairs.append((parts[0], parts[1]))
    if not pairs:
        raise InputError(path, "no templates")
    return pairs


def respaced_marks(target: str) -> str:
    """`<v>` marks spaced as InstructMT writes them: a space before `<v>` and after `</v>`, not two."""
    spaced = target.replace("<v>", " <v>").replace("  <v>", " <v>")
    return spaced.replace("</v>", "</v> ").replace("</v>  ", "</v> ")


def instructmt_hint_records(rows: list[dict], spec: MqmFile, templates: list[tuple[str, str]], seed: int):
    """One record per annotation row in file order (no-error and Neutral rows too), each drawing its
    wording; the hint names the row's own severity and category, lower-cased."""
    rng = random.Random(seed)
    records = []
    for row in rows:
        instruction, hint = templates[rng.randint(0, len(templates) - 1)]
        severity, category = row["severity"].strip().lower(), row["category"].strip().lower()
        if severity == "no-error":
            hint = hint.replace("[SEV] ", "").replace("[ERR]", "no")
        else:
            hint = hint.replace("[SEV]", severity).replace("[ERR]", category)
        record_id = f"mqm:{Path(spec.path).name}:{row['line']}"
        output = respaced_marks(row["target"].strip())
        records.append(
            _hint_record(record_id, instruction, row | {"source": row["source"].strip()}, hint, output)
        )
    return records


def instructmt_preference_records(
    rated: Rated, templates: list[tuple[str, str]], seed: int, min_gap: float
) -> tuple[list[dict], int]:
    """Per segment whose scores span >= min_gap, the best system (the first of the best, systems in file
    order) against each other that scores >= min_gap lower and wrote another text; and the identical
    texts left out. Gaps are compared as the original compares them: in plain floating point."""
    rng = random.Random(seed)
    records, identical = [], 0
    for seg, systems in rated.texts.items():
        names = list(systems)
        rating = [rated.scores[(name, seg)] for name in names]
        if max(rating) - min(rating) < min_gap:
            continue
        best = rating.index(max(rating))
        for index, name in enumerate(names):
            if index == best:
                continue
            if systems[name] == systems[names[best]]:
                identical += 1
                continue
            if rating[best] - rating[index] < min_gap:
                continue
            instruction, hint = templates[rng.randint(0, len(templates) - 1)]
            record_id = f"{rated.name}:{seg}:{names[best]}>{name}"
            records.append(
                _preference_record(
                    record_id,
                    instruction,
                    rated.sources[seg],
                    hint,
                    systems[names[best]],
                    systems[name],
                    rated.kind,
                )
            )
    return records, identical


def parrot_records(records: list[dict], eos: str) -> list[dict]:
    """ParroT's training file (scripts/convert_alpaca_to_hf.py), keys in its order: the response + eos,
    and the prompt."""
    return [
        {"text": record["output"] + eos, "prefix": alpaca_prompt(record["instruction"], record["input"])}
        for record in records
    ]


def comet_records(
    rated: Rated, spec: CometFile, config, templates: list[str], seed: int, rng: random.Random
) -> tuple[list[dict], list[dict], int]:
    """Error hints and preference pairs from COMET-rated translations, in the configured hint style:
    InstructMT's (a wording drawn per record from its paired files, reseeded per input; the best system
    against each other) or ours (one wording; every two systems)."""

    def severity(seg: str, system: str) -> str:
        return comet_severity(rated.scores[(system, seg)], config.comet_no_errors, config.comet_minor)

    in_lang = config.instruction_lang
    if config.hint_style == "instructmt":
        wordings = read_paired_templates(config.hint_templates, spec.src_lang, spec.tgt_lang, in_lang)
        draws = random.Random(seed)

        def instructmt_hint(seg: str, system: str) -> tuple[str, str]:
            instruction, hint = wordings[draws.randint(0, len(wordings) - 1)]
            return instruction, hint.replace("[SEV] ", "").replace("[ERR]", severity(seg, system))

        hints = comet_hint_records(rated, instructmt_hint)
        pair_wordings = read_paired_templates(
            config.preference_templates, spec.src_lang, spec.tgt_lang, in_lang
        )
        preferences, identical = instructmt_preference_records(
            rated, pair_wordings, seed, config.comet_min_gap
        )
        return hints, preferences, identical

    def instruction() -> str:
        return render_instruction(rng.choice(templates), spec.src_lang, spec.tgt_lang, in_lang)

    def our_hint(seg: str, system: str) -> tuple[str, str]:
        found = severity(seg, system)
        return instruction(), HINTS["no_errors" if found == "no" else found]

    hints = comet_hint_records(rated, our_hint)
    preferences, identical = preference_records(rated, instruction, config.comet_min_gap)
    return hints, preferences, identical


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
                    pairs,
                    config.directions,
                    templates,
                    config.instruction_lang,
                    rng,
                    config.max_context,
                    cycle=config.draws == "cycle",
                )
        except LookupError as error:  # a language the instruction language has no name for
            raise InputError(PARAMS_FILE, f"instructions.instruction_lang: {error}") from None
    for spec in config.mqm:
        rows = read_mqm(spec.path)

        def instruction(spec: MqmFile = spec) -> str:
            return render_instruction(
                rng.choice(templates), spec.src_lang, spec.tgt_lang, config.instruction_lang
            )

        in_lang = config.instruction_lang
        if config.hint_style == "instructmt":
            hint_templates = read_paired_templates(
                config.hint_templates, spec.src_lang, spec.tgt_lang, in_lang
            )
            pairs_templates = read_paired_templates(
                config.preference_templates, spec.src_lang, spec.tgt_lang, in_lang
            )
            outputs["error_hint"] += instructmt_hint_records(rows, spec, hint_templates, seed)
            preferences, identical = instructmt_preference_records(
                published_scores(mqm_rated(rows, spec)), pairs_templates, seed, config.min_gap
            )
        else:
            outputs["error_hint"] += error_hint_records(rows, spec, instruction)
            preferences, identical = preference_records(mqm_rated(rows, spec), instruction, config.min_gap)
        outputs["preference"] += preferences
        print(f"instructions: {spec.path}: {identical} preference pairs left out, both texts identical")
    for spec in config.comet:
        rated = comet_rated(spec, config.comet_model)
        hints, preferences, identical = comet_records(rated, spec, config, templates, seed, rng)
        outputs["error_hint"] += hints
        outputs["preference"] += preferences
        print(f"instructions: {spec.src}: {identical} preference pairs left out, both texts identical")
    # Everything is read and built before anything is written: a bad input leaves the old outputs.
    outputs["parrot"] = parrot_records([r for task in TASKS for r in outputs[task]], config.eos)
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        for name, records in outputs.items():
            write_jsonl(tmp / f"{name}.jsonl", records)
            print(f"instructions: {len(records)} {name} records")


if __name__ == "__main__":
    main()

"""sft_data: instruction records, Alpaca and chat threads -> one seeded SFT mix in TRL's formats.

The mix is named as x-LLM names its data: source names joined with `+`, each optionally sliced with
Python's semantics (`alpaca_en[:1000]+alpaca_zh+translation_ncwm_en-zh`). Aliases (`sft_data.aliases`,
configs/mixes.yaml) name a source or a whole mix, and may refer to other aliases.

`alpaca` prompt format: every example is `{prompt, completion}` (TRL then trains on the completion only);
a chat thread gives one example per assistant turn, earlier turns rendered into the input.
`chat` prompt format: every example is `{messages}` (TRL trains on assistant turns only).
Each example keeps `source`, the source of the mix it came from.
"""

import functools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from stages.core.io import (
    ALPACA_FIELDS,
    InputError,
    atomic_path,
    is_url,
    read_alpaca,
    read_jsonl,
    tracked_input,
    write_jsonl,
)
from stages.core.langs import is_known
from stages.core.params import PARAMS_FILE, load_params
from stages.core.prompts import sft_example

OUT_DIR = Path("data/sft")
INSTRUCTION_FILES = {
    "translation": Path("data/instructions/translation.jsonl"),
    "error_hint": Path("data/instructions/error_hint.jsonl"),
    "preference": Path("data/instructions/preference.jsonl"),
    "alpaca_translated": Path("data/translated/alpaca.jsonl"),
}
THREADS = Path("data/threads/threads.jsonl")
# Sources with a fixed name; `translation_<src>-<tgt>` and `alpaca_<target_lang>` are added to them.
FIXED_SOURCES = (*INSTRUCTION_FILES, "alpaca_en", "alpaca_zh", "threads")
# open-chinese/alpaca-chinese-dataset keeps the English fields beside the Chinese ones.
ALPACA_ZH_FIELDS = ("zh_instruction", "zh_input", "zh_output")
SPEAKERS = {"user": "User", "assistant": "Assistant", "system": "System"}

_PART = re.compile(r"(?P<name>[\w.-]+)(?P<slice>\[(?P<start>[+-]?\d+%?)?:(?P<stop>[+-]?\d+%?)?\])?")

Slice = tuple[int | str | None, int | str | None]  # a str bound is a percentage ("1%"), as datasets reads it


@dataclass(frozen=True)
class Part:
    """One source of a mix and the slices to apply to its records, innermost alias first; or, for a
    sliced alias of several sources, those sources (`members`) joined, then sliced as one (as x-LLM's
    alias loader slices the concatenation)."""

    name: str
    slices: tuple[Slice, ...] = ()
    via: str = field(default="", compare=False)  # the alias chain it came through, for messages
    members: tuple["Part", ...] = ()

    @property
    def label(self) -> str:
        cuts = "".join(f"[{'' if a is None else a}:{'' if b is None else b}]" for a, b in self.slices)
        return self.name + cuts

    def sources(self) -> list["Part"]:
        """The sources it reads: itself, or its members' sources."""
        return [leaf for member in self.members for leaf in member.sources()] if self.members else [self]


# --- names -------------------------------------------------------------------------------------------


def parse_mix(mix: str, path: str = PARAMS_FILE, key: str = "sft_data.mix") -> list[Part]:
    """`a+b[10:20]+c[:5]` -> its parts; `key` (in `path`) is named when the text is malformed."""
    parts = []
    for text in mix.split("+"):
        match = _PART.fullmatch(text.strip())
        if not match:
            raise InputError(
                path,
                f"{key}: cannot read {text.strip()!r} in {mix!r} (expected name, name[a:b] or name[a%:b%])",
            )
        start, stop = (v if v is None or v.endswith("%") else int(v) for v in match.group("start", "stop"))
        parts.append(Part(match["name"], () if match["slice"] is None else ((start, stop),)))
    return parts


def direction_of(name: str) -> tuple[str | None, str] | None:
    """(corpus or None, `<src>-<tgt>`) for `translation_<src>-<tgt>` or `translation_<corpus>_<src>-<tgt>`
    (x-LLM's per-corpus sources, `translation_ncwm_en-zh`) with known codes; None for any other name.
    Codes are split at any `-`, since codes like pt-BR contain one; a corpus name has no `_`."""
    rest = name.removeprefix("translation_")
    if rest == name:
        return None
    corpus, _, languages = rest.rpartition("_")
    if corpus and not re.fullmatch(r"[A-Za-z0-9]+", corpus):
        return None
    for i, c in enumerate(languages):
        if c == "-" and is_known(languages[:i]) and is_known(languages[i + 1 :]):
            return corpus or None, languages
    return None


def is_source(name: str, target_lang: str) -> bool:
    return name in FIXED_SOURCES or name == f"alpaca_{target_lang}" or direction_of(name) is not None


def known_sources(target_lang: str) -> list[str]:
    return [
        *FIXED_SOURCES,
        f"alpaca_{target_lang}",
        "translation_<src>-<tgt>",
        "translation_<corpus>_<src>-<tgt>",
    ]


def parse_aliases(raw: object, path: str, target_lang: str) -> dict[str, list[Part]]:
    """Aliases (alias -> a mix string, or a list of them), parsed; an alias must not hide a source."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError(path, "must map alias names to a mix (`a+b[:10]`) or a list of them")
    aliases = {}
    for alias, value in raw.items():
        if not isinstance(alias, str) or not re.fullmatch(r"[\w.-]+", alias):
            raise InputError(path, f"{alias!r}: an alias name is letters, digits, `_`, `-` and `.`")
        if is_source(alias, target_lang):
            raise InputError(path, f"{alias}: is a source name; an alias must not hide it")
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) for v in values):
            raise InputError(path, f"{alias}: expected a mix string or a list of them, got {value!r}")
        aliases[alias] = [part for v in values for part in parse_mix(v, path, alias)]
    return aliases


def read_aliases(path: str, target_lang: str) -> dict[str, list[Part]]:
    if not path:
        return {}
    if not Path(path).is_file():
        raise InputError(PARAMS_FILE, f"sft_data.aliases: no such file {path!r}")
    try:
        raw = yaml.safe_load(tracked_input(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InputError(path, f"not valid YAML: {error}") from None
    return parse_aliases(raw, path, target_lang)


def expand(
    parts: list[Part], aliases: dict[str, list[Part]], path: str, chain: tuple[str, ...] = ()
) -> list[Part]:
    """Aliases replaced by what they name, recursively; a slice on an alias applies after the alias's own."""
    expanded = []
    for part in parts:
        # x-LLM names an alias `alias_<name>` (its data/alias loader); both spellings resolve.
        if part.name.startswith("alias_") and part.name[6:] in aliases and part.name not in aliases:
            part = Part(part.name[6:], part.slices, part.via)
        if part.name not in aliases:
            expanded.append(Part(part.name, part.slices, " > ".join(chain)))
            continue
        if part.name in chain:
            cycle = " -> ".join([*chain[chain.index(part.name) :], part.name])
            raise InputError(path, f"alias {part.name!r} refers to itself: {cycle}")
        inner = expand(aliases[part.name], aliases, path, (*chain, part.name))
        if part.slices and len(inner) > 1:
            # x-LLM loads an alias as one data set and slices it: the slice is of the joined records.
            expanded.append(Part(part.name, part.slices, " > ".join(chain), tuple(inner)))
        elif len(inner) == 1:
            only = inner[0]
            expanded.append(Part(only.name, only.slices + part.slices, only.via, only.members))
        else:
            expanded += inner
    return expanded


def resolve_mix(mix: str, aliases: dict[str, list[Part]], aliases_path: str, target_lang: str) -> list[Part]:
    """The sources a mix name stands for, in order; an unknown name lists the known ones."""
    parts = expand(parse_mix(mix), aliases, aliases_path)
    for part in (source for group in parts for source in group.sources()):
        if not is_source(part.name, target_lang):
            where = f" (in alias {part.via})" if part.via else ""
            known = ", ".join(known_sources(target_lang))
            alias_names = ", ".join(aliases) or "none"
            raise InputError(
                PARAMS_FILE,
                f"sft_data.mix: unknown source {part.name!r}{where}; known: {known}; "
                f"aliases in {aliases_path or '(no sft_data.aliases)'}: {alias_names}",
            )
    return parts


def check_counts(counts: dict[str, int], parts: list[Part]) -> None:
    """A count for a source the mix does not use is a typo, not a no-op."""
    names = list(dict.fromkeys(source.name for part in parts for source in part.sources()))
    for name in counts:
        if name not in names:
            raise InputError(
                PARAMS_FILE, f"sft_data.counts.{name}: not a source of sft_data.mix ({', '.join(names)})"
            )


# --- records -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """Where the sources are read from, as the parameters say."""

    target_lang: str
    alpaca_en: str
    alpaca_zh: str


def _existing(path: str | Path, name: str) -> str | Path:
    if not is_url(path) and not Path(path).is_file():
        raise InputError(path, f"missing: source {name!r} of sft_data.mix reads it")
    return path


def source_records(name: str, inputs: Inputs, cache: dict[Path, list[dict]]) -> list[dict]:
    """The records of one source (threads for `threads`, instruction records otherwise)."""

    def jsonl(path: Path, required: tuple[str, ...]) -> list[dict]:
        if path not in cache:
            cache[path] = read_jsonl(_existing(path, name), required=required)
        return cache[path]

    if name == "alpaca_zh" and inputs.alpaca_zh:
        return read_alpaca(_existing(inputs.alpaca_zh, name), ALPACA_ZH_FIELDS)
    if name == "alpaca_en":
        return read_alpaca(_existing(inputs.alpaca_en, name))
    if name == "threads":
        return jsonl(THREADS, ("messages",))
    if name == f"alpaca_{inputs.target_lang}":
        name = "alpaca_translated"
    if name in INSTRUCTION_FILES:
        return jsonl(INSTRUCTION_FILES[name], ALPACA_FIELDS)
    if name == "alpaca_zh":
        raise InputError(
            PARAMS_FILE, "sft_data.alpaca_zh: empty, but sft_data.mix uses alpaca_zh: set it to the file"
        )
    if direction := direction_of(name):
        corpus, languages = direction
        records = jsonl(INSTRUCTION_FILES["translation"], ALPACA_FIELDS)
        # instructions writes `source: translation_<src>-<tgt>` on every translation record, and `corpus`
        # where its pairs input names one.
        chosen = [
            r
            for r in records
            if r.get("source") == f"translation_{languages}" and corpus in (None, r.get("corpus"))
        ]
        if not chosen:
            found = sorted({source_name(r) for r in records})
            raise InputError(
                INSTRUCTION_FILES["translation"], f"no {name} records (found: {', '.join(found)})"
            )
        return chosen
    raise InputError(PARAMS_FILE, f"sft_data.mix: unknown source {name!r}")


def source_name(record: dict) -> str:
    """The most specific mix source a translation record belongs to."""
    corpus, source = record.get("corpus"), record["source"]
    return f"translation_{corpus}_{source.removeprefix('translation_')}" if corpus else source


def absolute(start: int | str | None, stop: int | str | None, count: int) -> tuple[int | None, int | None]:
    """A slice's bounds in records; percentages rounded as `datasets` rounds `train[:1%]` (x-LLM's mixes
    are datasets split strings)."""
    if not any(isinstance(bound, str) for bound in (start, stop)):
        return start, stop
    from datasets import ReadInstruction

    spec = f"train[{'' if start is None else start}:{'' if stop is None else stop}]"
    [instruction] = ReadInstruction.from_spec(spec).to_absolute({"train": count})
    return instruction.from_, instruction.to


def apply_slices(records: list, slices: tuple[Slice, ...]) -> list:
    for start, stop in slices:
        first, last = absolute(start, stop, len(records))
        records = records[first:last]
    return records


def instruction_examples(records: list[dict], prompt_format: str, source: str) -> list[dict]:
    return [
        dict(sft_example(r["instruction"], r["input"], r["output"], prompt_format), source=source)
        for r in records
    ]


def thread_examples(thread: dict, prompt_format: str) -> list[dict]:
    messages = thread["messages"]
    if prompt_format == "chat":
        return [{"messages": messages, "source": "threads"}]
    examples = []
    for turn, message in enumerate(messages):
        if message["role"] != "assistant" or turn == 0:
            continue
        history = "\n".join(f"{SPEAKERS[m['role']]}: {m['content']}" for m in messages[: turn - 1])
        example = sft_example(messages[turn - 1]["content"], history, message["content"], prompt_format)
        examples.append(dict(example, source="threads"))
    return examples


def to_examples(name: str, records: list[dict], prompt_format: str) -> list[dict]:
    if name == "threads":
        return [ex for thread in records for ex in thread_examples(thread, prompt_format)]
    return instruction_examples(records, prompt_format, name)


def take(examples: list[dict], count: int, rng: random.Random) -> list[dict]:
    """All examples for -1, else a seeded sample (with repeats when asked for more than there are)."""
    if count < 0 or count == len(examples):
        return list(examples)
    if count <= len(examples):
        return rng.sample(examples, count)
    return examples * (count // len(examples)) + rng.sample(examples, count % len(examples))


def part_records(part: Part, records_of: Callable[[str], list[dict]]) -> list[tuple[str, dict]]:
    """(source name, record) for each record of the part, after its slices; a group's members joined in
    order before its own slices apply."""
    if part.members:
        joined = [item for member in part.members for item in part_records(member, records_of)]
        return apply_slices(joined, part.slices)
    return [(part.name, record) for record in apply_slices(records_of(part.name), part.slices)]


def build_mix(
    parts: list[Part],
    counts: dict[str, int],
    records_of: Callable[[str], list[dict]],
    prompt_format: str,
    rng: random.Random,
    shuffle: bool = True,
) -> list[dict]:
    """Each part sliced, turned into examples and sampled (counts are per source), in mix order; then
    shuffled unless `shuffle` is false (x-LLM keeps its data set in mix order; the trainer's sampler
    shuffles at training either way)."""
    mix = []
    for part in parts:
        items = part_records(part, records_of)
        for source in dict.fromkeys(name for name, _ in items) if part.members else [part.name]:
            records = [record for name, record in items if name == source]
            examples = to_examples(source, records, prompt_format)
            count = counts.get(source, -1)
            if count > 0 and not examples:
                empty = f"{part.label} holds none of it" if part.members else f"{part.label} is empty"
                raise InputError(PARAMS_FILE, f"sft_data.counts.{source}: {count} asked for, but {empty}")
            chosen = take(examples, count, rng)
            via = f" (via {part.via})" if part.via else ""
            label = f"{source} in {part.label}" if part.members else part.label
            sliced = f", sliced from {len(records_of(source))} records" if part.slices else ""
            print(f"sft_data: {label}{via}: {len(chosen)} of {len(examples)} examples{sliced}")
            mix += chosen
    if shuffle:
        rng.shuffle(mix)
    return mix


def split_eval(
    mix: list[dict], share: float, shuffled: bool, rng: random.Random
) -> tuple[list[dict], list[dict]]:
    """(train, eval): the shuffled mix's first examples held out; an unshuffled mix keeps its order and
    holds out a seeded sample, so the eval set is not the first source alone."""
    size = round(len(mix) * share)
    if shuffled:
        return mix[size:], mix[:size]
    held = set(rng.sample(range(len(mix)), size))
    return [ex for i, ex in enumerate(mix) if i not in held], [ex for i, ex in enumerate(mix) if i in held]


def main() -> None:
    params = load_params()
    config, rng = params.sft_data, random.Random(params.base.seed)
    target_lang = params.base.target_lang
    aliases = read_aliases(config.aliases, target_lang)
    parts = resolve_mix(config.mix, aliases, config.aliases, target_lang)
    check_counts(config.counts, parts)
    inputs, cache = Inputs(target_lang, params.translate.alpaca, config.alpaca_zh), {}
    # Each source read once, however many parts (and messages) name it.
    records_of = functools.cache(lambda name: source_records(name, inputs, cache))
    mix = build_mix(
        parts,
        config.counts,
        records_of,
        params.base.prompt_format,
        rng,
        config.shuffle,
    )
    train, held_out = split_eval(mix, config.eval_share, config.shuffle, rng)
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        write_jsonl(tmp / "eval.jsonl", held_out)
        write_jsonl(tmp / "train.jsonl", train)
    print(f"sft_data: {len(train)} train, {len(held_out)} eval")


if __name__ == "__main__":
    main()

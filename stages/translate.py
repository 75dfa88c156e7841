"""translate: OASST messages and Alpaca records -> the target language, crash-safe and sharded.

Recipe: read OASST (any form `read_oasst` takes) and Alpaca; cut every text to translate into segments
(code and line breaks stay as written; sentences, or lines, one by one); group the segments by model
hop (source language, model), deduplicate them and translate each group in length-sorted, token-budgeted
batches, appending every finished batch to a checkpoint shard; join the segments back into records.

Crash safety: a batch's line is appended and fsynced before the next batch starts, and batches are a pure
function of the group's texts, so a killed run resumes with exactly the batches it had not finished and
ends byte-identical to an uninterrupted greedy run. A checkpoint folder is named by a fingerprint of the
engine, the model's weights, the decoding settings and the texts: anything else starts afresh.

Sharding: run under `torchrun --nproc_per_node N`; batch i belongs to process i mod N, every process appends
to its own shard, and process 0 merges them by batch index (the same result whatever N is).
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from stages.core.batching import token_batches
from stages.core.ct2 import model_identity
from stages.core.engines import Hop, load_translator, new_tokens_cap, route
from stages.core.io import ALPACA_FIELDS, InputError, atomic_path, dumps, read_alpaca, write_json, write_jsonl
from stages.core.oasst import read_oasst
from stages.core.params import PARAMS_FILE, load_params
from stages.core.team import Team, is_worker, join_team, launch
from stages.core.textsplit import Part, join_parts, split_text

OUT_DIR = Path("data/translated")
CHECKPOINTS = Path("data/translate_checkpoints")
CT2_CACHE = Path("models/translate_ct2")


# --- what to translate ---------------------------------------------------------------------------------


@dataclass
class Item:
    """One text to translate from `lang`, cut into parts."""

    lang: str
    parts: list[Part]


def segments(items: list[Item], lang: str) -> list[str]:
    return sorted({part.text for item in items if item.lang == lang for part in item.parts if part.translate})


def oasst_texts(messages: list[dict], target: str) -> list[tuple[str, str]]:
    """(language, text) of each message not already in the target language: those stay as they are."""
    return [(m["lang"], m["text"]) for m in messages if m["lang"] != target]


def alpaca_texts(records: list[dict], source_lang: str, target: str) -> list[tuple[str, str]]:
    """Field by field, as x-LLM's translated Alpaca."""
    if source_lang == target:
        return []
    return [(source_lang, record[field]) for record in records for field in ALPACA_FIELDS]


# --- checkpoints -----------------------------------------------------------------------------------------


def fingerprint(config, hop: Hop, texts: list[str]) -> dict:
    """Everything a batch's output depends on; a change to any of it must not reuse old results."""
    return {
        "engine": config.engine,
        "backend": config.backend,
        "compute_type": config.ct2_compute_type if config.backend == "ctranslate2" else None,
        "prompt": config.prompt if config.engine == "llm" else None,
        "model": hop.model,
        "weights": model_identity(hop.model),
        "src": hop.src,
        "tgt": hop.tgt,
        "batch_tokens": config.batch_tokens,
        "max_new_tokens_ratio": config.max_new_tokens_ratio,
        "texts": hashlib.sha256("\0".join(texts).encode()).hexdigest(),
        "count": len(texts),
    }


def job_folder(print_: dict) -> Path:
    digest = hashlib.sha256(json.dumps(print_, sort_keys=True).encode()).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(print_["model"]).name)
    return CHECKPOINTS / f"{print_['src']}-{print_['tgt']}.{slug}.{digest}"


def complete_lines(path: Path) -> tuple[list[dict], int]:
    """The whole lines of a shard and the byte length they span: a line cut short by a kill is not one."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    lines = []
    for raw in data[:end].splitlines():
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError:
            continue  # cannot happen with whole-line appends; recomputing that batch is the safe answer
    return lines, end


def finished_batches(folder: Path) -> dict[int, list[str]]:
    """Batch index -> its outputs, from every process's shard (any process count wrote them)."""
    done: dict[int, list[str]] = {}
    for shard in sorted(folder.glob("shard-*.jsonl")):
        for line in complete_lines(shard)[0]:
            done.setdefault(line["batch"], line["outputs"])
    return done


def open_shard(folder: Path, rank: int):
    """This process's shard for appending, cut back to its last whole line first."""
    path = folder / f"shard-{rank}.jsonl"
    if path.exists():
        end = complete_lines(path)[1]
        if end != path.stat().st_size:
            with open(path, "r+b") as stream:
                stream.truncate(end)
    return open(path, "ab")


# --- translating -----------------------------------------------------------------------------------------


class Progress:
    """A bar in messages/s: each translated segment counts for its share of the messages.

    Process 0 shows it and counts its own batches for every process (they get equal shares of batches).
    """

    def __init__(self, messages: int, segment_work: int, team: Team):
        self.bar = tqdm(total=messages, desc="translate", unit="msg", disable=not team.leader)
        self.per_segment = messages / max(segment_work, 1) * team.size

    def advance(self, segments: int) -> None:
        self.bar.update(segments * self.per_segment)

    def show(self, what: str) -> None:
        self.bar.set_postfix_str(what)


def translate_job(
    translator, texts: list[str], config, folder: Path, team: Team, progress: Progress
) -> dict[str, str]:
    """`texts` (sorted, unique) -> their translations, resuming from and appending to the checkpoint."""
    lengths = translator.lengths(texts)
    batches = token_batches(lengths, config.batch_tokens)
    done = finished_batches(folder)
    with open_shard(folder, team.rank) as shard:
        for index, batch in enumerate(batches):
            if index % team.size != team.rank:
                continue
            if index in done:
                progress.advance(len(batch))
                continue
            sources = [texts[i] for i in batch]
            cap = new_tokens_cap(translator.source_lengths(sources), config.max_new_tokens_ratio)
            outputs = translator.translate(sources, cap)
            # One write per line and fsync before going on: a kill leaves whole lines and at most one cut one.
            shard.write((dumps({"batch": index, "outputs": outputs}) + "\n").encode("utf-8"))
            shard.flush()
            os.fsync(shard.fileno())
            progress.advance(len(batch))
    team.barrier()
    done = finished_batches(folder)
    missing = [index for index in range(len(batches)) if index not in done]
    if missing:
        raise RuntimeError(f"{folder}: batches {missing[:5]} are missing after every process finished")
    translated: dict[str, str] = {}
    for index, batch in enumerate(batches):
        for i, output in zip(batch, done[index], strict=True):
            translated[texts[i]] = output
    return translated


def model_key(config) -> str:
    """The params key that chose the models: what a user changes when a model cannot do a direction."""
    return "translate.model_root" if config.engine == "opus-mt" else "translate.model"


def plan_routes(config, langs: list[str], target: str) -> dict[str, list[Hop]]:
    try:
        return {lang: route(config, lang, target) for lang in sorted(langs)}
    except LookupError as error:
        raise InputError(PARAMS_FILE, f"{model_key(config)}: {error}", key=model_key(config)) from None


def load_hop(config, hop: Hop, allow_pickle: bool = False):
    try:
        return load_translator(config, hop, CT2_CACHE, allow_pickle=allow_pickle)
    except LookupError as error:  # a multi-target OPUS-MT model without a token for the target language
        raise InputError(PARAMS_FILE, f"{model_key(config)}: {error}", key=model_key(config)) from None


def translate_items(
    items: list[Item],
    routes: dict[str, list[Hop]],
    config,
    team: Team,
    messages: int,
    allow_pickle: bool = False,
):
    """Every translatable part of `items` -> its translation, through each language's route.

    A hop used by several routes (en->de, direct for English, second for Spanish) is one job, run once
    all the hops that feed it are done; each model is loaded once.
    """
    depth: dict[Hop, int] = {}
    for hops in routes.values():
        for position, hop in enumerate(hops):
            depth[hop] = max(depth.get(hop, 0), position)
    current = {lang: {text: text for text in segments(items, lang)} for lang in routes}
    work = sum(len(current[lang]) * len(hops) for lang, hops in routes.items())
    progress = Progress(messages, work, team)
    used: list[Path] = []
    for hop in sorted(depth, key=lambda h: (depth[h], h.src, h.tgt, h.model)):
        feeding = [lang for lang, hops in routes.items() if hop in hops]
        texts = sorted({text for lang in feeding for text in current[lang].values()})
        print_ = fingerprint(config, hop, texts)
        folder = job_folder(print_)
        used.append(folder)
        if team.leader and not (folder / "fingerprint.json").exists():
            write_json(folder / "fingerprint.json", print_)
        team.barrier()
        progress.show(f"{hop.src}->{hop.tgt} {Path(hop.model).name}")
        translator = load_hop(config, hop, allow_pickle)
        translated = translate_job(translator, texts, config, folder, team, progress)
        for lang in feeding:
            current[lang] = {source: translated[text] for source, text in current[lang].items()}
    progress.bar.close()
    return current, used


def split_items(texts: list[tuple[str, str]], routes: dict[str, list[Hop]], config) -> list[Item]:
    """Cut with the first model's tokenizer: its input limit is the one a segment must fit."""
    counters = {}
    items = []
    for lang, text in texts:
        if lang not in counters:
            counters[lang] = token_counter(routes[lang][0], config)
        parts = split_text(text, counters[lang], config.max_segment_tokens, config.segment == "sentence")
        items.append(Item(lang, parts))
    return items


def token_counter(hop: Hop, config):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(hop.model)
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def provenance(config, hops: list[Hop]) -> dict:
    pivot = hops[0].tgt if len(hops) == 2 else None
    return {"engine": config.engine, "model": [Path(hop.model).name for hop in hops], "pivot": pivot}


# --- records -----------------------------------------------------------------------------------------------


def oasst_records(messages: list[dict], target: str, joined, routes, config) -> list[dict]:
    out = []
    for message in messages:
        record = dict(message, text_original=message["text"], lang_original=message["lang"])
        if message["lang"] == target:
            record["translation"] = None
        else:
            lang = message["lang"]
            record["text"], record["lang"] = next(joined), target
            record["translation"] = provenance(config, routes[lang])
        out.append(record)
    return out


def alpaca_records(records: list[dict], source_lang: str, target: str, joined, routes, config) -> list[dict]:
    """Empty inputs stay empty; the originals are kept beside the translation."""
    origin = provenance(config, routes[source_lang]) if source_lang != target else None
    out = []
    for index, record in enumerate(records):
        fields = {field: next(joined) if origin else record[field] for field in ALPACA_FIELDS}
        out.append(
            {
                "id": f"alpaca:{index}",
                **fields,
                "task": "general",
                "source": f"alpaca_{target}",
                "original": {field: record[field] for field in ALPACA_FIELDS},
                "lang_original": source_lang,
                "translation": origin,
            }
        )
    return out


def remove_stale_checkpoints(used: list[Path]) -> None:
    """Checkpoints of other models, settings or inputs would never be read again."""
    if CHECKPOINTS.is_dir():
        for folder in CHECKPOINTS.iterdir():
            if folder not in used:
                shutil.rmtree(folder) if folder.is_dir() else folder.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, help="default: translate.processes")
    params = load_params()
    config, target = params.translate, params.base.target_lang
    processes = parser.parse_args(argv or []).processes or config.processes
    if processes > 1 and not is_worker():  # one process needs no launcher (and saves its start-up)
        launch("translate", "torchrun", processes, ["--standalone"])
        return
    messages = read_oasst(config.oasst, config.oasst_split)
    alpaca = read_alpaca(config.alpaca)
    team = join_team()
    texts = oasst_texts(messages, target) + alpaca_texts(alpaca, "en", target)
    routes = plan_routes(config, [lang for lang, _ in texts], target)
    items = split_items(texts, routes, config)
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    CT2_CACHE.mkdir(parents=True, exist_ok=True)  # a DVC out even when no model is converted
    allow_pickle = params.base.allow_pickle_weights
    translations, used = translate_items(items, routes, config, team, len(items), allow_pickle)
    team.leave()
    if not team.leader:
        return  # process 0 writes the merged output
    joined = iter(join_parts(item.parts, translations[item.lang]) for item in items)
    oasst_out = oasst_records(messages, target, joined, routes, config)
    alpaca_out = alpaca_records(alpaca, "en", target, joined, routes, config)
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        write_jsonl(tmp / "oasst.jsonl", oasst_out)
        write_jsonl(tmp / "alpaca.jsonl", alpaca_out)
    remove_stale_checkpoints(used)
    print(f"translate: {len(oasst_out)} OASST messages, {len(alpaca_out)} Alpaca records into {target}")


if __name__ == "__main__":
    main(sys.argv[1:])

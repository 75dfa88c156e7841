"""translate: OASST messages and Alpaca records -> the target language, with OPUS-MT (MarianMT).

Each source language goes through `opus-mt-{src}-{tgt}` (or `opus-mt-tc-big-…`), else pivots through
English. Records already in the target language are kept as they are. Every record keeps its fields and
gains `text_original`, `lang_original` and its provenance.
"""

import math
from pathlib import Path

import torch
from tqdm import tqdm

from stages.core.batching import token_batches
from stages.core.io import ALPACA_FIELDS, atomic_path, dumps, read_alpaca, read_jsonl
from stages.core.models import device
from stages.core.params import load_params

OUT_DIR = Path("data/translated")
OASST_FIELDS = ("message_id", "parent_id", "text", "role", "lang", "message_tree_id")


def opus_model(root: str, src: str, tgt: str) -> str | None:
    """The OPUS-MT model for a direction under `root` (a local folder or a hub organisation)."""
    for name in (f"opus-mt-{src}-{tgt}", f"opus-mt-tc-big-{src}-{tgt}"):
        if Path(root).is_dir():
            if (Path(root) / name).is_dir():
                return str(Path(root) / name)
        else:
            from huggingface_hub import repo_exists

            if repo_exists(f"{root}/{name}"):
                return f"{root}/{name}"
    return None


def route(root: str, src: str, tgt: str, pivot: str) -> list[str]:
    """The chain of models that takes `src` to `tgt`: one direct model or two through the pivot."""
    direct = opus_model(root, src, tgt)
    if direct:
        return [direct]
    first, second = opus_model(root, src, pivot), opus_model(root, pivot, tgt)
    if first and second and pivot not in (src, tgt):
        return [first, second]
    raise LookupError(f"no OPUS-MT model for {src}->{tgt} under {root}, directly or through {pivot}")


class Marian:
    """One loaded MarianMT model, translating many texts in length-sorted, token-budgeted batches."""

    def __init__(self, name: str, batch_tokens: int, new_tokens_ratio: float):
        from transformers import MarianMTModel, MarianTokenizer

        self.name = name
        self.tokenizer = MarianTokenizer.from_pretrained(name)
        self.model = MarianMTModel.from_pretrained(name).to(device()).eval()
        self.batch_tokens, self.ratio = batch_tokens, new_tokens_ratio

    @torch.inference_mode()
    def translate(self, texts: list[str], progress: tqdm) -> list[str]:
        unique = sorted(set(texts))
        results: dict[str, str] = {}
        lengths = [len(ids) for ids in self.tokenizer(unique)["input_ids"]]
        for batch in token_batches(lengths, self.batch_tokens):
            sources = [unique[i] for i in batch]
            encoded = self.tokenizer(sources, return_tensors="pt", padding=True).to(self.model.device)
            # New tokens follow the source length: a runaway batch costs no more than its inputs justify.
            cap = math.ceil(encoded["input_ids"].shape[1] * self.ratio) + 8
            generated = self.model.generate(**encoded, max_new_tokens=cap, num_beams=1, do_sample=False)
            for source, text in zip(
                sources, self.tokenizer.batch_decode(generated, skip_special_tokens=True), strict=True
            ):
                results[source] = text
            progress.update(len(batch))
        return [results[text] for text in texts]


def segments(text: str) -> list[str]:
    """Line by line: MarianMT translates sentences, and line breaks must survive."""
    return text.split("\n")


def translate_all(
    texts_by_lang: dict[str, list[str]], target: str, config
) -> dict[str, tuple[list[str], dict]]:
    """Each language's texts into `target`, line by line, through its chain of models, with provenance."""
    loaded: dict[str, Marian] = {}
    translated: dict[str, tuple[list[str], dict]] = {}
    for lang, texts in sorted(texts_by_lang.items()):
        chain = route(config.model_root, lang, target, config.pivot)
        lines = [line for text in texts for line in segments(text) if line.strip()]
        with tqdm(total=len(set(lines)) * len(chain), desc=f"translate {lang}->{target}", unit="seg") as bar:
            current = lines
            for name in chain:
                if name not in loaded:
                    loaded[name] = Marian(name, config.batch_tokens, config.max_new_tokens_ratio)
                current = loaded[name].translate(current, bar)
        mapping = dict(zip(lines, current, strict=True))
        texts_out = [
            "\n".join(mapping.get(line, line) if line.strip() else line for line in segments(text))
            for text in texts
        ]
        translated[lang] = (texts_out, provenance(config, chain))
    return translated


def provenance(config, chain: list[str]) -> dict:
    pivot = config.pivot if len(chain) == 2 else None
    return {"engine": config.engine, "model": [Path(name).name for name in chain], "pivot": pivot}


def translate_oasst(messages: list[dict], target: str, config) -> list[dict]:
    to_translate: dict[str, list[str]] = {}
    for message in messages:
        if message["lang"] != target:
            to_translate.setdefault(message["lang"], []).append(message["text"])
    translated = translate_all(to_translate, target, config)
    cursors = dict.fromkeys(translated, 0)
    out = []
    for message in messages:
        record = dict(message, text_original=message["text"], lang_original=message["lang"])
        lang = message["lang"]
        if lang == target:
            record["translation"] = None
        else:
            texts, origin = translated[lang]
            record["text"], record["lang"], record["translation"] = texts[cursors[lang]], target, origin
            cursors[lang] += 1
        out.append(record)
    return out


def translate_alpaca(records: list[dict], source_lang: str, target: str, config) -> list[dict]:
    """Field by field, as x-LLM's translated Alpaca; empty inputs stay empty."""
    texts = [record[field] for record in records for field in ALPACA_FIELDS]
    if source_lang == target:
        translated, origin = iter(texts), None
    else:
        texts_out, origin = translate_all({source_lang: texts}, target, config)[source_lang]
        translated = iter(texts_out)
    out = []
    for index, record in enumerate(records):
        fields = {field: next(translated) for field in ALPACA_FIELDS}
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


def main() -> None:
    params = load_params()
    config, target = params.translate, params.base.target_lang
    messages = read_jsonl(config.oasst, required=OASST_FIELDS)
    alpaca = read_alpaca(config.alpaca)
    oasst_out = translate_oasst(messages, target, config)
    alpaca_out = translate_alpaca(alpaca, "en", target, config)
    with atomic_path(OUT_DIR) as tmp:
        tmp.mkdir()
        (tmp / "oasst.jsonl").write_text("".join(dumps(r) + "\n" for r in oasst_out), encoding="utf-8")
        (tmp / "alpaca.jsonl").write_text("".join(dumps(r) + "\n" for r in alpaca_out), encoding="utf-8")
    print(f"translate: {len(oasst_out)} OASST messages, {len(alpaca_out)} Alpaca records into {target}")


if __name__ == "__main__":
    main()

"""Translation engines: which model takes a language to another, and how each kind of model is run.

An engine turns a (source, target) language pair into a route of hops (one model each; OPUS-MT may pivot
through English), and loads a translator for a hop. Translators share one small interface: `lengths` (the
input length of each text, for token-budget batching) and `translate` (a batch, greedy, with a cap on new
tokens). Engines: `opus-mt` (MarianMT), `m2m100`, `nllb`, `madlad` (T5 with a `<2xx>` prefix) and `llm`
(a causal LM prompted to translate), and LLaMa2lang's `mbart50` (mBART-50 many-to-many) and `seamless`
(SeamlessM4T v2, text to text). Every engine but SeamlessM4T also runs on CTranslate2
(`backend: ctranslate2`), from a copy of the model the stage converts once into a cache folder.
"""

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from stages.core.generation import PRESETS, encode, generate_batch
from stages.core.langs import (
    ISO_FIXES,
    LANGUAGES,
    NLLB_CODES,
    engine_language_problem,
    mbart50_code,
    seamless_code,
)
from stages.core.models import device, load_tokenizer, pretrained

SEQ2SEQ = ("opus-mt", "m2m100", "nllb", "madlad", "mbart50", "seamless")
OPUS_TARGET_TOKEN = re.compile(r">>[a-z]{2,3}(?:_[A-Z][a-z]{3})?<<")
# OPUS-MT's target tokens where the ISO 639-3 code of the NLLB table is not the one OPUS uses first:
# Chinese is Mandarin in simplified script; macrolanguages may be named by the macrolanguage code.
OPUS_TARGETS = {
    "zh": ("cmn_Hans", "zho_Hans", "cmn", "zho"),
    "ar": ("ara", "arb"),
    "fa": ("fas", "pes"),
    "lv": ("lav", "lvs"),
    "no": ("nob", "nor"),
    "et": ("est", "ekk"),
}


# TowerInstruct's chat format (ChatML), for models that bring no chat template.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@dataclass(frozen=True)
class Hop:
    """One model call on the way from a source to a target language, in the model's own codes."""

    model: str  # hub id or local folder
    src: str
    tgt: str


def model_code(engine: str, lang: str) -> str:
    """A language as the engine's models name it (`deu_Latn` for NLLB, plain ISO for the others)."""
    unsupported = engine_language_problem(engine, lang)
    if unsupported:
        raise LookupError(unsupported)
    if engine == "nllb":
        return NLLB_CODES[lang]
    if engine == "mbart50":
        return mbart50_code(lang)
    if engine == "seamless":
        return seamless_code(lang)
    return ISO_FIXES.get(lang, lang)


def opus_target_token(tokenizer, lang: str, model: str) -> str | None:
    """The `>>xxx<<` token a multi-target OPUS-MT model needs in front of each source; None for a model
    with one target language (its vocabulary has no such token).

    OPUS-MT names targets by ISO 639-3 code, some with a script (`>>por<<`, `>>cmn_Hans<<`).
    """
    labels = {token for token in tokenizer.get_vocab() if OPUS_TARGET_TOKEN.fullmatch(token)}
    if not labels:
        return None
    lang = ISO_FIXES.get(lang, lang)
    code, script = NLLB_CODES[lang].split("_") if lang in NLLB_CODES else (lang, "")
    for candidate in (*OPUS_TARGETS.get(lang, ()), f"{code}_{script}", code):
        if f">>{candidate}<<" in labels:
            return f">>{candidate}<<"
    raise LookupError(
        f"{model} is a multi-target OPUS-MT model and none of its {len(labels)} target tokens is for "
        f"{lang!r} (it has {', '.join(sorted(labels)[:12])}{' …' if len(labels) > 12 else ''})"
    )


def opus_model(root: str, src: str, tgt: str) -> str | None:
    """The OPUS-MT model for a direction under `root` (a local folder or a hub organisation)."""
    src, tgt = ISO_FIXES.get(src, src), ISO_FIXES.get(tgt, tgt)
    for name in (f"opus-mt-{src}-{tgt}", f"opus-mt-tc-big-{src}-{tgt}"):
        if Path(root).is_dir():
            if (Path(root) / name).is_dir():
                return str(Path(root) / name)
        else:
            from huggingface_hub import repo_exists

            if repo_exists(f"{root}/{name}"):
                return f"{root}/{name}"
    return None


def route(config, src: str, tgt: str) -> list[Hop]:
    """The hops that take `src` to `tgt`: one direct model, or for OPUS-MT two through the pivot."""
    if config.engine != "opus-mt":
        return [Hop(config.model, model_code(config.engine, src), model_code(config.engine, tgt))]
    direct = opus_model(config.model_root, src, tgt)
    if direct:
        return [Hop(direct, src, tgt)]
    pivot = config.pivot
    first, second = opus_model(config.model_root, src, pivot), opus_model(config.model_root, pivot, tgt)
    if first and second and pivot not in (src, tgt):
        return [Hop(first, src, pivot), Hop(second, pivot, tgt)]
    raise LookupError(
        f"no OPUS-MT model for {src}->{tgt} under {config.model_root}, directly or through {pivot}"
    )


def new_tokens_cap(lengths: list[int], ratio: float) -> int:
    """New tokens follow the longest source: a runaway batch costs no more than its inputs justify."""
    return math.ceil(max(lengths) * ratio) + 8


def decode(tokenizer, rows: list[list[int]]) -> list[str]:
    """Token ids -> text without special tokens, as `batch_decode(skip_special_tokens=True)` gives it.

    The special ids are dropped here, once: slow tokenizers (OPUS-MT's) recompute their special-token list
    for every token when asked to skip them, which made decoding a fifth of the stage's time on CPU.
    """
    special = set(tokenizer.all_special_ids)
    kept = [[token for token in row if token not in special] for row in rows]
    return [text.strip() for text in tokenizer.batch_decode(kept, skip_special_tokens=False)]


class Seq2SeqTranslator:
    """MarianMT, M2M-100, NLLB-200, MADLAD-400 (T5), mBART-50 or SeamlessM4T v2 through transformers."""

    def __init__(self, engine: str, hop: Hop, allow_pickle: bool = False):
        from transformers import AutoTokenizer

        self.engine, self.hop, self.allow_pickle = engine, hop, allow_pickle
        self.tokenizer = AutoTokenizer.from_pretrained(hop.model)
        if engine in ("m2m100", "nllb", "mbart50", "seamless"):
            self.tokenizer.src_lang = hop.src
        opus = engine == "opus-mt"
        self.target_token = opus_target_token(self.tokenizer, hop.tgt, hop.model) if opus else None
        self.model = self.load_model()
        if engine == "seamless":
            self.check_seamless_languages()
        self.ids: dict[str, list[int]] = {}

    def check_seamless_languages(self) -> None:
        """SeamlessM4T writes the languages its generation config maps to a decoder token, and reads those
        its tokenizer has a `__xxx__` token for."""
        written = getattr(self.model.generation_config, "text_decoder_lang_to_code_id", None) or {}
        if self.hop.tgt not in written:
            raise LookupError(
                f"{self.hop.model} does not write {self.hop.tgt!r} (its target languages: "
                f"{', '.join(sorted(written)) or 'none in its generation config'})"
            )
        if self.tokenizer.convert_tokens_to_ids(f"__{self.hop.src}__") == self.tokenizer.unk_token_id:
            raise LookupError(f"{self.hop.model} has no source-language token __{self.hop.src}__")

    def load_model(self):
        from transformers import AutoModelForSeq2SeqLM

        return pretrained(AutoModelForSeq2SeqLM, self.hop.model, self.allow_pickle).to(device()).eval()

    def inputs(self, texts: list[str]) -> list[str]:
        # MADLAD-400 reads the target language from a `<2xx>` token in front of the source, as do
        # multi-target OPUS-MT models from a `>>xxx<<` token.
        if self.engine == "madlad":
            return [f"<2{self.hop.tgt}> {text}" for text in texts]
        if self.target_token:
            return [f"{self.target_token} {text}" for text in texts]
        return texts

    def input_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's model input, tokenized once: lengths, batching and generation all read it.

        (OPUS-MT's tokenizer is the slow, pure-Python kind: tokenizing every segment again for each use
        costs as much as a third of the decoding time on CPU.)
        """
        missing = sorted(set(texts) - self.ids.keys())
        if missing:
            # Truncate only to a length the tokenizer knows (opus-mt's 512); the stage cuts long lines before.
            known = self.tokenizer.model_max_length < 1_000_000
            encoded = self.tokenizer(self.inputs(missing), truncation=known)["input_ids"]
            self.ids.update(zip(missing, encoded, strict=True))
        return [self.ids[text] for text in texts]

    def lengths(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self.input_ids(texts)]

    def source_lengths(self, texts: list[str]) -> list[int]:
        return self.lengths(texts)

    def forced_start(self) -> int | None:
        """M2M-100, NLLB and mBART-50 start the output with the target-language token; they must be told
        which."""
        if self.engine == "m2m100":
            return self.tokenizer.get_lang_id(self.hop.tgt)
        if self.engine in ("nllb", "mbart50"):
            return self.tokenizer.convert_tokens_to_ids(self.hop.tgt)
        return None

    @torch.inference_mode()
    def generate(self, texts: list[str], max_new_tokens: int) -> torch.Tensor:
        batch = {"input_ids": self.input_ids(texts)}
        encoded = self.tokenizer.pad(batch, return_tensors="pt").to(self.model.device)
        forced = self.forced_start()
        extra = {} if forced is None else {"forced_bos_token_id": forced}
        if self.engine == "seamless":  # its generate starts the decoder with the language it is given
            extra = {"tgt_lang": self.hop.tgt}
        # Learned or sinusoidal position tables end somewhere: generating past them fails or degrades.
        limit = getattr(self.model.config, "max_position_embeddings", None)
        if limit:
            max_new_tokens = min(max_new_tokens, limit - 1)
        return self.model.generate(
            **encoded, max_new_tokens=max_new_tokens, num_beams=1, do_sample=False, **extra
        )

    def translate(self, texts: list[str], max_new_tokens: int) -> list[str]:
        return decode(self.tokenizer, self.generate(texts, max_new_tokens).tolist())


class CTranslate2Translator(Seq2SeqTranslator):
    """The same seq2seq model converted to CTranslate2, which decodes several times faster on CPU."""

    def __init__(self, engine: str, hop: Hop, cache: Path, compute_type: str, allow_pickle: bool = False):
        from transformers import GenerationConfig

        self.cache, self.compute_type = cache, compute_type
        super().__init__(engine, hop, allow_pickle)
        # With a forced EOS (OPUS-MT has one), Transformers ends a translation that reaches the length cap
        # with EOS in place of its last token; CTranslate2 has no such option, so it stops one token sooner.
        forced_eos = GenerationConfig.from_pretrained(hop.model).forced_eos_token_id is not None
        self.cap_offset = 1 if forced_eos else 0

    def load_model(self):
        from stages.core.ct2 import load_translator

        return load_translator(self.hop.model, self.cache, self.compute_type, self.allow_pickle)

    def translate(self, texts: list[str], max_new_tokens: int) -> list[str]:
        sources = [self.tokenizer.convert_ids_to_tokens(ids) for ids in self.input_ids(texts)]
        forced = self.forced_start()
        prefix = None if forced is None else [[self.hop.tgt]] * len(texts)
        results = self.model.translate_batch(
            sources,
            target_prefix=prefix,
            beam_size=1,
            max_decoding_length=max_new_tokens - self.cap_offset,
            max_batch_size=len(texts),
        )
        hypotheses = [self.tokenizer.convert_tokens_to_ids(result.hypotheses[0]) for result in results]
        return decode(self.tokenizer, hypotheses)


class CausalTranslator:
    """A causal LM asked to translate in a chat turn (TowerInstruct's prompt by default), on Transformers or,
    converted once into `ct2_cache`, on CTranslate2."""

    def __init__(
        self,
        hop: Hop,
        prompt: str,
        trust_remote_code: bool = False,
        allow_pickle: bool = False,
        ct2_cache: Path | None = None,
        compute_type: str = "default",
    ):
        self.hop, self.prompt = hop, prompt
        self.tokenizer = load_tokenizer(hop.model, trust_remote_code)
        if not self.tokenizer.chat_template:
            self.tokenizer.chat_template = CHATML_TEMPLATE
        if ct2_cache is None:
            from stages.core.models import load_causal_lm

            self.model = load_causal_lm(hop.model, trust_remote_code, allow_pickle=allow_pickle)
        else:
            from stages.core import ct2

            folder = ct2.converted(
                hop.model,
                ct2_cache,
                compute_type,
                allow_pickle,
                trust_remote_code=trust_remote_code,
                key="translate.backend",
            )
            self.model = ct2.CTranslate2Model(folder, hop.model, compute_type)

    def prompts(self, texts: list[str]) -> list[str]:
        src, tgt = language_label(self.hop.src), language_label(self.hop.tgt)
        return [
            self.tokenizer.apply_chat_template(
                [{"role": "user", "content": self.prompt.format(src=src, tgt=tgt, text=text)}],
                tokenize=False,
                add_generation_prompt=True,
            )
            for text in texts
        ]

    def lengths(self, texts: list[str]) -> list[int]:
        encoded = encode(self.tokenizer, self.prompts(texts), templated=True, tensors=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def source_lengths(self, texts: list[str]) -> list[int]:
        """The text alone, without the prompt around it: what the translation's length follows."""
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def translate(self, texts: list[str], max_new_tokens: int) -> list[str]:
        greedy = replace(PRESETS["greedy"], max_new_tokens=max_new_tokens)
        replies = generate_batch(self.model, self.tokenizer, self.prompts(texts), greedy, templated=True)
        # One segment in, one line out: anything after the first line is the model talking on.
        return [text.strip().split("\n")[0].strip() for text in replies]


def language_label(code: str) -> str:
    return LANGUAGES[code][0] if code in LANGUAGES else code


def load_translator(
    config, hop: Hop, ct2_cache: Path, trust_remote_code: bool = False, allow_pickle: bool = False
):
    if config.engine == "llm":
        cache = ct2_cache if config.backend == "ctranslate2" else None
        return CausalTranslator(
            hop, config.prompt, trust_remote_code, allow_pickle, cache, config.ct2_compute_type
        )
    if config.backend == "ctranslate2":
        return CTranslate2Translator(config.engine, hop, ct2_cache, config.ct2_compute_type, allow_pickle)
    return Seq2SeqTranslator(config.engine, hop, allow_pickle)

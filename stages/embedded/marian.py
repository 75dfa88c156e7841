"""Build a tiny but real MarianMT translator offline, deterministically.

The pipeline's tests need an ``opus-mt-*``-shaped model (``MarianMTModel`` + ``MarianTokenizer``, the classes
behind Helsinki-NLP's checkpoints) without touching the hub. This module trains two SentencePiece models (BPE,
or characters for unspaced scripts such as Chinese), a joint ``vocab.json`` laid out like opus-mt's
(``</s>`` = 0, ``<unk>`` = 1, ``<pad>`` last and also the decoder start token), a two-layer Marian model, and
trains it for a fixed number of steps on the given parallel texts so that greedy decoding yields real
translations. Training is bounded by a step count (not wall time), seeded and run on one CPU thread, so two
builds of the same input give byte-identical files.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sentencepiece as spm
import torch
from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

log = logging.getLogger(__name__)

PAD, EOS, UNK = "<pad>", "</s>", "<unk>"
TORCH_THREADS = 1
_OPUS_NAME = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})$")


@dataclass(frozen=True)
class TinyMarianSpec:
    """Sizes and optimiser settings; 1500 toy pairs train to exact translations in ~20 s on one CPU thread.

    ``lr`` 3e-3 diverged (Marian is post-LayerNorm); 1e-3 with 658 steps reached 100 % held-out exact match.
    """

    spm_vocab_size: int = 800
    d_model: int = 128
    layers: int = 2
    heads: int = 4
    ffn_dim: int = 256
    max_length: int = 128
    batch_size: int = 32
    lr: float = 1e-3
    warmup_steps: int = 60
    epochs: int = 14
    min_steps: int = 200
    max_steps: int = 700


def build_tiny_marian(
    out_dir: Path,
    src_texts: Sequence[str],
    tgt_texts: Sequence[str],
    seed: int = 0,
    steps: int | None = None,
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
    spec: TinyMarianSpec | None = None,
) -> None:
    """Write a MarianMT model + tokenizer to ``out_dir`` that ``from_pretrained`` loads offline.

    ``steps`` replaces a wall-time budget so that builds are reproducible; ``None`` picks
    ``default_steps(len(src_texts))`` (658 steps, a ~20 s build, for 1500 short pairs). Training only happens
    when the texts are parallel (same count); otherwise the model is saved untrained. Languages default to
    the ``opus-mt-<src>-<tgt>`` folder name.
    """
    spec = spec or TinyMarianSpec()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parsed = _OPUS_NAME.search(out_dir.name)
    source_lang = source_lang or (parsed.group(1) if parsed else None)
    target_lang = target_lang or (parsed.group(2) if parsed else None)
    with deterministic_torch(seed):
        tokenizer = write_tokenizer(out_dir, src_texts, tgt_texts, spec, source_lang, target_lang)
        check_round_trip(tokenizer, src_texts, tgt_texts)
        model = MarianMTModel(marian_config(tokenizer, spec))
        parallel = len(src_texts) == len(tgt_texts) and len(src_texts) > 0
        if not parallel:
            log.warning(
                "texts are not parallel (%d vs %d): saving an untrained model", len(src_texts), len(tgt_texts)
            )
        n_steps = (default_steps(len(src_texts), spec) if steps is None else steps) if parallel else 0
        if n_steps > 0:
            pairs = encode_pairs(tokenizer, src_texts, tgt_texts, spec.max_length)
            train_marian(model, pairs, n_steps, seed, spec)
        model.eval()
        model.generation_config = generation_config(model.config)
        model.save_pretrained(out_dir)


def default_steps(n_pairs: int, spec: TinyMarianSpec | None = None) -> int:
    """``epochs`` passes over the data, clamped so a build stays near 20 s (~30 ms per step)."""
    spec = spec or TinyMarianSpec()
    per_epoch = math.ceil(n_pairs / spec.batch_size)
    return max(spec.min_steps, min(spec.max_steps, spec.epochs * per_epoch))


@contextmanager
def pinned_threads() -> Iterator[None]:
    """Run torch on ``TORCH_THREADS`` intra-op threads, then restore the caller's setting.

    One thread, not two: float reductions then never depend on the core count, and on a shared box
    (other jobs on the same 2 cores) OpenMP's spin-waiting made 2 threads ~30x slower than 1.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(TORCH_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@contextmanager
def deterministic_torch(seed: int) -> Iterator[None]:
    """Seed, pin threads and force deterministic kernels, restoring the caller's global torch state after."""
    strict = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        with pinned_threads(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.use_deterministic_algorithms(strict)


# --- tokenizer ---------------------------------------------------------------------------------------


def spm_model_type(texts: Sequence[str]) -> str:
    """``char`` for scripts written without spaces (Chinese, Japanese, Thai), else ``bpe``.

    BPE cannot see word boundaries in unspaced text, so on a toy corpus it merges whole phrases into one
    piece (``▁鸟看见年轻的``) and the model learns almost nothing (4 % exact match, vs 100 % with characters).
    BPE, not opus-mt's unigram, for spaced text: on a toy corpus unigram's seed vocabulary collapses to ~150
    mostly single-letter pieces (sequences 2.5x longer, much slower to learn), while BPE keeps whole words.
    """
    chars = sum(len(t) for t in texts)
    spaces = sum(t.count(" ") for t in texts)
    return "char" if spaces < 0.05 * chars else "bpe"


def train_spm(texts: Sequence[str], vocab_size: int) -> bytes:
    """Train a SentencePiece model in memory (no file paths leak into the proto, so the bytes repeat).

    ``character_coverage=1.0`` keeps every character (CJK included) and the identity normaliser keeps the
    round trip exact (NFKC would turn full-width ``，？`` into ASCII). The vocabulary is a soft limit because
    toy corpora cannot always fill it, but it must hold every distinct character.
    """
    if not any(t.strip() for t in texts):
        raise ValueError("cannot train SentencePiece on empty texts")
    n_chars = len(set("".join(texts)) - {" "})
    writer = io.BytesIO()
    with open(os.devnull, "w") as quiet:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(list(texts)),
            model_writer=writer,
            model_type=spm_model_type(texts),
            vocab_size=max(vocab_size, n_chars + 8),
            hard_vocab_limit=False,
            character_coverage=1.0,
            normalization_rule_name="identity",
            num_threads=1,
            input_sentence_size=0,
            shuffle_input_sentence=False,
            logstream=quiet,
        )
    return writer.getvalue()


def spm_pieces(model: bytes) -> list[str]:
    """The ordinary pieces of a SentencePiece model (control and unknown symbols are Marian's business)."""
    proc = spm.SentencePieceProcessor(model_proto=model)
    return [
        proc.id_to_piece(i)
        for i in range(proc.get_piece_size())
        if not (proc.is_control(i) or proc.is_unknown(i) or proc.is_unused(i))
    ]


def joint_vocab(src_model: bytes, tgt_model: bytes) -> dict[str, int]:
    """Shared vocab laid out like opus-mt's: ``</s>`` 0, ``<unk>`` 1, source, new target pieces, ``<pad>``.

    ``<pad>`` goes last because Marian uses it as the decoder start token and opus-mt puts it at the end.
    """
    vocab = {EOS: 0, UNK: 1}
    for piece in spm_pieces(src_model) + spm_pieces(tgt_model):
        vocab.setdefault(piece, len(vocab))
    vocab[PAD] = len(vocab)
    return vocab


def write_tokenizer(
    out_dir: Path,
    src_texts: Sequence[str],
    tgt_texts: Sequence[str],
    spec: TinyMarianSpec,
    source_lang: str | None,
    target_lang: str | None,
) -> MarianTokenizer:
    """Write source.spm, target.spm and vocab.json, then let MarianTokenizer write its own config files."""
    src_model = train_spm(src_texts, spec.spm_vocab_size)
    tgt_model = train_spm(tgt_texts, spec.spm_vocab_size)
    (out_dir / "source.spm").write_bytes(src_model)
    (out_dir / "target.spm").write_bytes(tgt_model)
    vocab = joint_vocab(src_model, tgt_model)
    # Same layout MarianTokenizer.save_vocabulary rewrites it in below (ASCII-escaped, indent 2).
    (out_dir / "vocab.json").write_text(json.dumps(vocab, indent=2))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = MarianTokenizer(
            source_spm=str(out_dir / "source.spm"),
            target_spm=str(out_dir / "target.spm"),
            vocab=str(out_dir / "vocab.json"),
            source_lang=source_lang,
            target_lang=target_lang,
            model_max_length=spec.max_length,
        )
    tokenizer.save_pretrained(out_dir)
    return tokenizer


def check_round_trip(tokenizer: MarianTokenizer, src_texts: Sequence[str], tgt_texts: Sequence[str]) -> None:
    """Fail early if tokenize -> decode loses text (unknown pieces, normalisation), up to runs of spaces."""
    for side, texts in (("source", src_texts), ("target", tgt_texts)):
        for text in texts:
            if side == "source":
                ids = tokenizer(text)["input_ids"]
                back = tokenizer.decode(ids, skip_special_tokens=True, use_source_tokenizer=True)
            else:
                ids = tokenizer(text_target=text)["input_ids"]
                back = tokenizer.decode(ids, skip_special_tokens=True)
            if back != " ".join(text.split()):
                raise ValueError(f"{side} round trip changed {text!r} into {back!r}")


# --- model ---------------------------------------------------------------------------------------------


def marian_config(tokenizer: MarianTokenizer, spec: TinyMarianSpec) -> MarianConfig:
    """Tiny Marian sizes with opus-mt's special ids: eos 0, pad = decoder start = last id; no dropout."""
    pad = tokenizer.pad_token_id
    return MarianConfig(
        vocab_size=len(tokenizer.encoder),
        decoder_vocab_size=len(tokenizer.encoder),
        d_model=spec.d_model,
        encoder_layers=spec.layers,
        decoder_layers=spec.layers,
        encoder_attention_heads=spec.heads,
        decoder_attention_heads=spec.heads,
        encoder_ffn_dim=spec.ffn_dim,
        decoder_ffn_dim=spec.ffn_dim,
        max_position_embeddings=spec.max_length,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        activation_function="swish",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=pad,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=pad,
        forced_eos_token_id=tokenizer.eos_token_id,
    )


def generation_config(config: MarianConfig) -> GenerationConfig:
    """Greedy decoding like a cheap opus-mt: never emit <pad>, stop at </s>, cap at max_length."""
    return GenerationConfig(
        max_length=config.max_position_embeddings,
        num_beams=1,
        do_sample=False,
        bad_words_ids=[[config.pad_token_id]],
        pad_token_id=config.pad_token_id,
        eos_token_id=config.eos_token_id,
        decoder_start_token_id=config.decoder_start_token_id,
        forced_eos_token_id=config.forced_eos_token_id,
    )


# --- training ------------------------------------------------------------------------------------------


def encode_pairs(
    tokenizer: MarianTokenizer, src_texts: Sequence[str], tgt_texts: Sequence[str], max_length: int
) -> list[tuple[list[int], list[int]]]:
    """Token ids per pair (both ending in </s>), truncated so positions stay inside the sinusoid table."""
    src = tokenizer(list(src_texts), truncation=True, max_length=max_length)["input_ids"]
    tgt = tokenizer(text_target=list(tgt_texts), truncation=True, max_length=max_length)["input_ids"]
    return list(zip(src, tgt, strict=True))


def length_sorted_batches(pairs: Sequence[tuple[list[int], list[int]]], batch_size: int) -> list[list[int]]:
    """Index batches of similar length: padding is wasted CPU time. Ties break by index, so order is fixed."""
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i][0]), len(pairs[i][1]), i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def collate(
    pairs: Sequence[tuple[list[int], list[int]]], batch: Sequence[int], pad: int
) -> dict[str, torch.Tensor]:
    """Pad one batch; label padding is -100 so the loss ignores it (the model shifts labels itself)."""
    src_len = max(len(pairs[i][0]) for i in batch)
    tgt_len = max(len(pairs[i][1]) for i in batch)
    input_ids = torch.full((len(batch), src_len), pad, dtype=torch.long)
    labels = torch.full((len(batch), tgt_len), -100, dtype=torch.long)
    for row, i in enumerate(batch):
        src, tgt = pairs[i]
        input_ids[row, : len(src)] = torch.tensor(src)
        labels[row, : len(tgt)] = torch.tensor(tgt)
    return {"input_ids": input_ids, "attention_mask": (input_ids != pad).long(), "labels": labels}


def batch_schedule(n_batches: int, steps: int, seed: int) -> list[int]:
    """Which batch each step uses: every epoch visits all batches once, in a seeded random order."""
    gen = torch.Generator().manual_seed(seed)
    schedule: list[int] = []
    while len(schedule) < steps:
        schedule.extend(torch.randperm(n_batches, generator=gen).tolist())
    return schedule[:steps]


def train_marian(
    model: MarianMTModel,
    pairs: Sequence[tuple[list[int], list[int]]],
    steps: int,
    seed: int,
    spec: TinyMarianSpec,
) -> float:
    """Teacher-forced AdamW with warmup and linear decay; returns the mean loss of the last 50 steps.

    The `<pad>` row of the shared embedding stays zero, as in every OPUS-MT model: the decoder starts from
    `<pad>`, and Marian (and CTranslate2's converter, which drops the row and starts from a zero vector)
    start from a zero embedding. Tied to the output layer, the row would otherwise learn, and Transformers
    and CTranslate2 would decode from different starts (2 of 400 benchmark messages alike).
    """
    batches = length_sorted_batches(pairs, spec.batch_size)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=spec.lr, betas=(0.9, 0.98), weight_decay=0.01)
    warmup = min(spec.warmup_steps, max(1, steps // 5))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    pad = model.config.pad_token_id
    model.train()
    losses: list[float] = []
    for step, b in enumerate(batch_schedule(len(batches), steps, seed)):
        loss = model(**collate(pairs, batches[b], pad)).loss
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        scheduler.step()
        with torch.no_grad():
            model.get_input_embeddings().weight[pad].zero_()
        losses.append(loss.item())
        if (step + 1) % 100 == 0:
            log.info("step %d/%d loss %.3f", step + 1, steps, sum(losses[-100:]) / len(losses[-100:]))
    model.eval()
    tail = losses[-50:]
    return sum(tail) / len(tail)


def translate(
    model: MarianMTModel, tokenizer: MarianTokenizer, texts: Sequence[str], batch_size: int = 64
) -> list[str]:
    """Greedy translations, batched; deterministic because decoding is argmax with num_beams=1."""
    out: list[str] = []
    model.eval()
    with pinned_threads(), torch.no_grad():
        for i in range(0, len(texts), batch_size):
            enc = tokenizer(
                list(texts[i : i + batch_size]), return_tensors="pt", padding=True, truncation=True
            )
            ids = model.generate(**enc, num_beams=1, do_sample=False)
            out.extend(tokenizer.batch_decode(ids, skip_special_tokens=True))
    return out

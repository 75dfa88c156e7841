"""A tiny offline COMET model, so the whole scoring path runs offline, on CPU, in seconds.

`build_tiny_comet`: a real `comet.models.RegressionMetric` (the class behind wmt22-comet-da) on a 2-layer
XLM-RoBERTa built from scratch, trained for a few seconds on synthetic triples. Its numbers mean nothing
about translation quality. Only the `embedded` stage (and the tests) build one; scoring loads it through
stages/core/comet.py like any checkpoint.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from stages.core.comet import import_comet, quiet
from stages.core.langs import CJK

if TYPE_CHECKING:
    from transformers import XLMRobertaTokenizerFast

# XLM-R's special tokens, in XLM-R's id order: <s>=0 <pad>=1 </s>=2 <unk>=3, then <mask>.
SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]

# Synthetic training targets: how good a corrupted copy of the reference is supposed to be.
CORRUPTIONS = {"copy": 1.0, "truncate": 0.5, "shuffle": 0.3, "unrelated": 0.0}
TRAIN_STEPS = 200
TRAIN_BATCH = 16
MAX_TRAIN_TEXTS = 2000


@contextmanager
def _single_thread() -> Iterator[None]:
    """One torch thread: on tensors this small, OpenMP hand-offs cost ~20x the maths (measured), and a
    fixed thread count keeps float reductions, hence the trained weights, identical on every machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _units(text: str) -> list[str]:
    """Words for spaced scripts, characters for unspaced ones (Chinese): what corruptions shuffle."""
    words = text.split()
    return words if len(words) > 1 else list(text)


def _join(units: list[str], text: str) -> str:
    return " ".join(units) if len(text.split()) > 1 else "".join(units)


def _corrupt(ref: str, kind: str, pool: list[str], rng: random.Random) -> str:
    """A hypothesis for `ref` of the given CORRUPTIONS kind."""
    if kind == "unrelated":
        for _ in range(5):  # pool may hold duplicates; a few tries to get a different text
            other = rng.choice(pool)
            if other != ref:
                break
        return other
    units = _units(ref)
    if kind == "truncate":
        return _join(units[: max(1, len(units) // 2)], ref)
    if kind == "shuffle":
        shuffled = units[:]
        for _ in range(5):  # a few tries to get an order that differs from the reference
            rng.shuffle(shuffled)
            if shuffled != units:
                break
        return _join(shuffled, ref)
    return ref


def _train_tokenizer(texts: list[str], vocab_size: int = 1000) -> XLMRobertaTokenizerFast:
    """A sentencepiece-style (Metaspace) tokenizer with XLM-R's special tokens and <s> A </s></s> B </s>.

    BPE rather than XLM-R's Unigram: the `tokenizers` Unigram trainer is not deterministic (piece order
    and last-digit scores change from run to run, hence token ids), its BPE trainer is.
    """
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import XLMRobertaTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(CJK), behavior="isolated"),
            pre_tokenizers.Metaspace(prepend_scheme="first"),
        ]
    )
    tok.decoder = decoders.Metaspace(prepend_scheme="first")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False)
    tok.train_from_iterator(texts, trainer)
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return XLMRobertaTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        cls_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )


def build_tiny_comet(
    out_dir: Path,
    texts: list[str],
    seed: int = 0,
    final_dir: Path | None = None,
    referenceless: bool = False,
) -> Path:
    """Build a tiny but real COMET RegressionMetric into `out_dir`, deterministically, in seconds on CPU.

    `referenceless` builds a `comet.models.UnifiedMetric` on (mt, src) instead: the class and inputs of
    COMET-Kiwi (Unbabel/wmt22-cometkiwi-da), which scores without a reference.

    Writes COMET's own layout, so `comet.load_from_checkpoint` (and `comet_scores`) load it unchanged:

        out_dir/hparams.yaml              class_identifier: regression_metric, pretrained_model: <encoder>
        out_dir/checkpoints/model.ckpt    Lightning-style checkpoint (state_dict + hyper_parameters)
        out_dir/encoder/                  XLM-R config.json + tokenizer trained on `texts` (no weights:
                                          COMET always loads the encoder with load_pretrained_weights=False)

    `pretrained_model` is stored as `out_dir/encoder` exactly as given, so COMET resolves it against the
    working directory at load time: pass a repo-relative `out_dir` (e.g. models/embedded/comet) and load
    from the repo root, as DVC stages do; no absolute machine path ends up in the files, and the same
    texts, seed and relative `out_dir` give byte-identical files on any machine with the same library
    versions. (An absolute `out_dir` works too, but the model then only loads from that location.)
    `final_dir` is where the folder will live when it is loaded, if it is built elsewhere first (a stage
    builds into a temporary folder and renames it); it defaults to `out_dir`.

    The encoder is randomly initialised (seeded), then everything is trained for TRAIN_STEPS steps on
    synthetic (src, mt, ref) triples from `texts`: mt = ref scores 1.0, truncated 0.5, shuffled 0.3,
    unrelated 0.0, with a random unrelated source so the model has to look at the reference.
    Scores go through a sigmoid, so they lie in (0, 1) like wmt22-comet-da's usually do.
    """
    import torch
    from transformers import XLMRobertaConfig

    comet = import_comet()
    from pytorch_lightning import __version__ as pl_version
    from pytorch_lightning.core.saving import save_hparams_to_yaml

    texts = [t.strip() for t in texts if t.strip()][:MAX_TRAIN_TEXTS]
    if len(texts) < 2:
        raise ValueError("build_tiny_comet needs at least two non-empty texts")
    out_dir = Path(out_dir)
    encoder_dir = out_dir / "encoder"
    encoder_dir.mkdir(parents=True, exist_ok=True)

    tokenizer = _train_tokenizer(texts)
    tokenizer.save_pretrained(encoder_dir)
    XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,  # XLM-R's: 512 tokens + padding offset
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    ).save_pretrained(encoder_dir)

    rng = random.Random(seed)
    with _single_thread(), torch.random.fork_rng(devices=[]), quiet():  # seeded, caller's RNG untouched
        torch.manual_seed(seed)
        common = dict(
            pretrained_model=encoder_dir.as_posix(),
            load_pretrained_weights=False,  # nothing to download: random init from config.json
            local_files_only=True,
            encoder_model="XLM-RoBERTa",
            nr_frozen_epochs=0.0,
            keep_embeddings_frozen=False,
            hidden_sizes=[64],
            final_activation="Sigmoid",
            layer_transformation="softmax",
            learning_rate=1e-3,
            encoder_learning_rate=1e-3,
            batch_size=TRAIN_BATCH,
        )
        if referenceless:
            # word_layer: the encoder has 2 layers, not XLM-R large's 24 (used for word-level tags only).
            model = comet.models.UnifiedMetric(**common, input_segments=["mt", "src"], word_layer=2)
        else:
            model = comet.models.RegressionMetric(**common)
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        kinds = list(CORRUPTIONS)
        for _ in range(TRAIN_STEPS):
            batch = []
            for _ in range(TRAIN_BATCH):
                ref, kind = rng.choice(texts), rng.choice(kinds)
                if referenceless:  # the source plays the reference's part: a copy of it is "perfect"
                    sample = {"src": ref, "mt": _corrupt(ref, kind, texts, rng)}
                else:  # the source first: the same draws as ever, so the default model stays the same
                    sample = {"src": rng.choice(texts), "mt": _corrupt(ref, kind, texts, rng), "ref": ref}
                batch.append(sample | {"score": CORRUPTIONS[kind]})
            inputs, target = model.prepare_sample(batch, stage="fit")
            # UnifiedMetric gives one input per segment combination; its training_step sums their losses.
            sequences = inputs if referenceless else [inputs]
            loss = sum(model.compute_loss(model(**sequence), target) for sequence in sequences)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()

    hparams = dict(model.hparams, pretrained_model=(Path(final_dir or out_dir) / "encoder").as_posix())
    (out_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    save_hparams_to_yaml(out_dir / "hparams.yaml", hparams)
    # What Trainer.save_checkpoint keeps that the loader needs; no optimizer/loop state or timestamps.
    checkpoint = {
        "pytorch-lightning_version": pl_version,
        "state_dict": {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()},
        "hyper_parameters": hparams,
    }
    torch.save(checkpoint, out_dir / "checkpoints" / "model.ckpt")
    return out_dir

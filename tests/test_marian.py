"""Build a tiny MarianMT from toy parallel data and load it back with the real transformers classes."""

from __future__ import annotations

import os
import random
import warnings
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from transformers import MarianMTModel, MarianTokenizer  # noqa: E402

from stages.embedded.marian import build_tiny_marian, pinned_threads, translate  # noqa: E402

# fmt: off
# noun: (English, German, gender); gender picks der/die/das and den in the accusative.
NOUNS = [
    ("dog", "Hund", "m"), ("cat", "Katze", "f"), ("house", "Haus", "n"), ("man", "Mann", "m"),
    ("woman", "Frau", "f"), ("child", "Kind", "n"), ("tree", "Baum", "m"), ("flower", "Blume", "f"),
    ("book", "Buch", "n"), ("table", "Tisch", "m"), ("door", "Tür", "f"), ("car", "Auto", "n"),
    ("bird", "Vogel", "m"), ("city", "Stadt", "f"), ("horse", "Pferd", "n"), ("teacher", "Lehrer", "m"),
    ("school", "Schule", "f"), ("window", "Fenster", "n"), ("friend", "Freund", "m"), ("mouse", "Maus", "f"),
    ("bread", "Brot", "n"), ("king", "König", "m"), ("street", "Straße", "f"), ("boat", "Boot", "n"),
    ("garden", "Garten", "m"), ("lamp", "Lampe", "f"), ("picture", "Bild", "n"), ("apple", "Apfel", "m"),
    ("cup", "Tasse", "f"), ("egg", "Ei", "n"), ("doctor", "Arzt", "m"), ("river", "Fluss", "m"),
    ("bottle", "Flasche", "f"), ("letter", "Brief", "m"), ("song", "Lied", "n"), ("bed", "Bett", "n"),
    ("key", "Schlüssel", "m"), ("chair", "Stuhl", "m"), ("clock", "Uhr", "f"), ("ship", "Schiff", "n"),
]
ADJECTIVES = [
    ("big", "groß"), ("small", "klein"), ("old", "alt"), ("young", "jung"), ("red", "rot"),
    ("green", "grün"), ("blue", "blau"), ("new", "neu"), ("good", "gut"), ("fast", "schnell"),
    ("quiet", "leise"), ("happy", "froh"), ("black", "schwarz"), ("white", "weiß"), ("warm", "warm"),
    ("cold", "kalt"), ("long", "lang"), ("short", "kurz"), ("rich", "reich"), ("poor", "arm"),
]
VERBS = [
    ("sees", "sieht"), ("finds", "findet"), ("likes", "mag"), ("buys", "kauft"), ("hears", "hört"),
    ("needs", "braucht"), ("visits", "besucht"), ("paints", "malt"), ("carries", "trägt"), ("has", "hat"),
    ("loves", "liebt"), ("knows", "kennt"), ("sells", "verkauft"), ("holds", "hält"), ("takes", "nimmt"),
    ("seeks", "sucht"), ("wants", "will"), ("opens", "öffnet"), ("washes", "wäscht"), ("counts", "zählt"),
]
ADVERBS = [
    ("today", "heute"), ("now", "jetzt"), ("often", "oft"), ("again", "wieder"), ("here", "hier"),
    ("there", "dort"), ("gladly", "gern"), ("rarely", "selten"), ("tomorrow", "morgen"), ("also", "auch"),
]
ARTICLES = {("m", "nom"): "der", ("f", "nom"): "die", ("n", "nom"): "das",
            ("m", "acc"): "den", ("f", "acc"): "die", ("n", "acc"): "das"}
# fmt: on


def noun_phrase(rng: random.Random, case: str) -> tuple[str, str]:
    """'the (adj) noun' with the German weak adjective ending (-en only for masculine accusative)."""
    en, de, gender = rng.choice(NOUNS)
    article = ARTICLES[(gender, case)]
    if rng.random() < 0.5:
        return f"the {en}", f"{article} {de}"
    adj_en, adj_de = rng.choice(ADJECTIVES)
    ending = "en" if (gender, case) == ("m", "acc") else "e"
    return f"the {adj_en} {en}", f"{article} {adj_de}{ending} {de}"


def toy_pairs(n: int, seed: int) -> tuple[list[str], list[str]]:
    """n distinct English/German SVO sentence pairs from a ~100-word lexicon."""
    rng = random.Random(seed)
    seen: dict[str, str] = {}
    while len(seen) < n:
        subj_en, subj_de = noun_phrase(rng, "nom")
        obj_en, obj_de = noun_phrase(rng, "acc")
        verb_en, verb_de = rng.choice(VERBS)
        adv_en, adv_de = rng.choice(ADVERBS) if rng.random() < 0.3 else ("", "")
        en = " ".join(w for w in (subj_en, verb_en, obj_en, adv_en) if w) + " ."
        de = " ".join(w for w in (subj_de, verb_de, obj_de, adv_de) if w) + " ."
        seen.setdefault(en[0].upper() + en[1:], de[0].upper() + de[1:])
    return list(seen), list(seen.values())


def read_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of a saved model, for a byte-for-byte comparison."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[str]]:
    """One trained build (~15 s): 400 pairs x 500 steps is where training sentences come out exactly."""
    src, tgt = toy_pairs(400, seed=1)
    folder = tmp_path_factory.mktemp("marian") / "opus-mt-en-de"
    build_tiny_marian(folder, src, tgt, seed=0, steps=500)
    return folder, src, tgt


def load(folder: Path) -> tuple[MarianMTModel, MarianTokenizer]:
    """Load with the real classes, offline; MarianTokenizer warns when sacremoses is missing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = MarianTokenizer.from_pretrained(folder, local_files_only=True)
    return MarianMTModel.from_pretrained(folder, local_files_only=True), tokenizer


def test_loads_offline_and_generates_greedily(built: tuple[Path, list[str], list[str]]) -> None:
    folder, src, _ = built
    expected = {
        "source.spm",
        "target.spm",
        "vocab.json",
        "tokenizer_config.json",
        "config.json",
        "generation_config.json",
        "model.safetensors",
    }
    assert expected <= {p.name for p in folder.iterdir()}
    model, tokenizer = load(folder)
    assert tokenizer.source_lang == "en" and tokenizer.target_lang == "de"
    assert model.config.decoder_start_token_id == tokenizer.pad_token_id == len(tokenizer.encoder) - 1
    assert model.config.eos_token_id == tokenizer.eos_token_id == 0
    assert model.generation_config.num_beams == 1
    batch = tokenizer(src[:4], return_tensors="pt", padding=True)
    with pinned_threads():  # 1 thread: with the default 2, a busy shared box spin-waits for seconds
        out = model.generate(**batch, num_beams=1, max_new_tokens=40)
    assert out.shape[0] == 4
    assert all(text.strip() for text in tokenizer.batch_decode(out, skip_special_tokens=True))


def test_training_sentences_translate(built: tuple[Path, list[str], list[str]]) -> None:
    folder, src, tgt = built
    hyps = translate(*load(folder), src[:50])
    assert hyps[0] == tgt[0]
    exact = sum(h == r for h, r in zip(hyps, tgt[:50], strict=True))
    assert exact >= 45, list(zip(hyps, tgt[:50], strict=True))


def test_two_builds_are_identical(tmp_path: Path) -> None:
    """Short trainings suffice: a nondeterministic kernel would already show in the first steps."""
    src, tgt = toy_pairs(200, seed=2)
    first, second = tmp_path / "a" / "opus-mt-en-de", tmp_path / "b" / "opus-mt-en-de"
    for folder in (first, second):
        build_tiny_marian(folder, src, tgt, seed=3, steps=40)
    assert read_bytes(first) == read_bytes(second)
    assert translate(*load(first), src[:16]) == translate(*load(second), src[:16])


def test_chinese_round_trip(tmp_path: Path) -> None:
    src = ["the dog sees the cat .", "the cat sees the dog .", "the big dog likes the small cat ."]
    tgt = ["狗看见猫。", "猫看见狗。", "大狗喜欢小猫，对吗？"]
    folder = tmp_path / "opus-mt-en-zh"
    build_tiny_marian(folder, src, tgt, seed=0, steps=2)
    _, tokenizer = load(folder)
    for text in tgt:
        ids = tokenizer(text_target=text)["input_ids"]
        assert tokenizer.unk_token_id not in ids
        assert tokenizer.decode(ids, skip_special_tokens=True) == text

"""The tiny COMET model and comet_scores, through the real unbabel-comet loader, offline, on CPU."""

import math
import os
import socket
from pathlib import Path

import pytest
import yaml

# Before anything imports huggingface_hub: a hub lookup must fail fast instead of downloading.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from stages.core.comet import comet_scores
from stages.embedded.comet import build_tiny_comet  # noqa: E402

EN = [
    "The cat sleeps on the warm sofa.",
    "I drink green tea every morning.",
    "The weather is very nice today.",
    "Where is the nearest train station?",
    "She reads a book every evening.",
    "We are going to the market tomorrow.",
    "My brother plays the guitar very well.",
    "This soup is far too hot.",
    "The children are playing in the garden.",
    "Please close the window before you leave.",
    "The museum opens at nine o'clock.",
    "He forgot his umbrella at the office.",
]
DE = [
    "Die Katze schläft auf dem warmen Sofa.",
    "Ich trinke jeden Morgen grünen Tee.",
    "Das Wetter ist heute sehr schön.",
    "Wo ist der nächste Bahnhof?",
    "Sie liest jeden Abend ein Buch.",
    "Wir gehen morgen auf den Markt.",
    "Mein Bruder spielt sehr gut Gitarre.",
    "Diese Suppe ist viel zu heiß.",
    "Die Kinder spielen im Garten.",
    "Bitte schließ das Fenster, bevor du gehst.",
    "Das Museum öffnet um neun Uhr.",
    "Er hat seinen Regenschirm im Büro vergessen.",
]
ZH = [
    "猫在温暖的沙发上睡觉。",
    "我每天早上喝绿茶。",
    "今天天气非常好。",
    "最近的火车站在哪里？",
    "她每天晚上看书。",
    "我们明天去市场。",
    "我哥哥吉他弹得很好。",
    "这汤太烫了。",
    "孩子们在花园里玩。",
    "你走之前请关上窗户。",
    "博物馆九点开门。",
    "他把雨伞忘在办公室了。",
]
TEXTS = EN + DE + ZH
SOURCES = EN + EN
REFERENCES = DE + ZH
REL_DIR = "models/embedded/comet"  # as a DVC stage would pass it, relative to the repo root


def scramble(text: str) -> str:
    """Reverse the word order (character order for Chinese, which has no spaces)."""
    words = text.split()
    return " ".join(reversed(words)) if len(words) > 1 else text[::-1]


def _no_network(*args, **kwargs):
    raise AssertionError(f"network access attempted: {args}")


@pytest.fixture(scope="module", autouse=True)
def offline():
    """Any socket connection (hub download, telemetry) fails the test."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        yield


def _build_in(workdir: Path) -> Path:
    """Build into workdir/REL_DIR with workdir as cwd, the way a stage builds from the repo root."""
    workdir.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workdir)
        assert build_tiny_comet(Path(REL_DIR), TEXTS, seed=0) == Path(REL_DIR)
    return workdir


@pytest.fixture(scope="module")
def repo(tmp_path_factory, offline) -> Path:
    return _build_in(tmp_path_factory.mktemp("repo"))


def _score(workdir: Path, hypotheses: list[str]) -> tuple[float, list[float]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workdir)
        return comet_scores(REL_DIR, SOURCES, hypotheses, REFERENCES)


def test_layout_is_comets_own(repo):
    out = repo / REL_DIR
    assert (out / "checkpoints" / "model.ckpt").is_file()
    hparams = yaml.safe_load((out / "hparams.yaml").read_text())
    assert hparams["class_identifier"] == "regression_metric"
    assert hparams["encoder_model"] == "XLM-RoBERTa"
    assert hparams["pretrained_model"] == f"{REL_DIR}/encoder"  # relative: no machine path in the files
    assert str(repo) not in (out / "hparams.yaml").read_text()
    assert {"config.json", "tokenizer.json"} <= {p.name for p in (out / "encoder").iterdir()}


def test_tokenizer_loads_offline_and_splits_chinese(repo):
    from transformers import XLMRobertaTokenizerFast

    tok = XLMRobertaTokenizerFast.from_pretrained(repo / REL_DIR / "encoder", local_files_only=True)
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id) == (0, 1, 2)  # XLM-R's ids
    tokens = tok.tokenize("今天天气非常好。")
    assert len(tokens) >= 7 and "<unk>" not in tokens


def test_scores_one_finite_score_per_segment(repo):
    system, segments = _score(repo, REFERENCES)
    assert len(segments) == len(REFERENCES)
    assert all(math.isfinite(s) for s in segments)
    assert system == pytest.approx(sum(segments) / len(segments), abs=1e-9)
    assert len(set(segments)) > 1


def test_perfect_beats_scrambled_and_unrelated(repo):
    perfect, per_segment_perfect = _score(repo, REFERENCES)
    scrambled, per_segment_scrambled = _score(repo, [scramble(r) for r in REFERENCES])
    unrelated, _ = _score(repo, REFERENCES[1:] + REFERENCES[:1])
    assert perfect > scrambled > unrelated
    wins = sum(p > s for p, s in zip(per_segment_perfect, per_segment_scrambled, strict=True))
    assert wins >= 0.8 * len(REFERENCES)


def test_build_is_deterministic(repo, tmp_path):
    other = _build_in(tmp_path / "elsewhere")
    for name in ("hparams.yaml", "checkpoints/model.ckpt", "encoder/tokenizer.json", "encoder/config.json"):
        assert (repo / REL_DIR / name).read_bytes() == (other / REL_DIR / name).read_bytes(), name
    assert _score(other, REFERENCES) == _score(repo, REFERENCES)


def test_relative_encoder_needs_the_build_cwd(repo, tmp_path, monkeypatch):
    import stages.core.comet

    stages.core.comet._load_model.cache_clear()  # a model already loaded keeps working from any cwd
    monkeypatch.chdir(tmp_path)  # the encoder path in hparams.yaml no longer resolves
    with pytest.raises(FileNotFoundError, match="encoder folder"):
        comet_scores(str(repo / REL_DIR), EN[:1], DE[:1], DE[:1])


def test_missing_local_model_is_not_looked_up_on_the_hub(tmp_path):
    with pytest.raises(FileNotFoundError):
        comet_scores(str(tmp_path / "nope" / "comet"), EN[:1], DE[:1], DE[:1])


def test_a_referenceless_model_scores_without_references(repo, tmp_path):
    """COMET-Kiwi's class and inputs (UnifiedMetric on mt and src), through comet's own loader."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        build_tiny_comet(Path("kiwi"), TEXTS, seed=0, referenceless=True)
        hparams = yaml.safe_load(Path("kiwi/hparams.yaml").read_text())
        system, segments = comet_scores("kiwi", SOURCES, REFERENCES, None)
    assert hparams["class_identifier"] == "unified_metric" and hparams["input_segments"] == ["mt", "src"]
    assert len(segments) == len(SOURCES) and all(0 < s < 1 for s in segments)
    assert system == pytest.approx(sum(segments) / len(segments))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        with pytest.raises(ValueError, match="scores against references, and none were given"):
            comet_scores(REL_DIR, SOURCES, REFERENCES, None)

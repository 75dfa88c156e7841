"""Scoring a hypothesis file, one way: the `score` stage's cells and `lingtune score` call `score_hypotheses`.

Figures: sacreBLEU's BLEU and chrF (chrF++ and TER when asked), the off-target rate (py3langid), COMET
with the first reference and COMET-Kiwi without any (when a model is named); each with its signature.
"""

from dataclasses import dataclass

from . import langid
from .metrics import comet_signature, corpus_scores, sentence_scores


@dataclass(frozen=True)
class ScoreSettings:
    """What the figures depend on besides the texts (the `score` params group has the same keys)."""

    bleu_tokenize: str = "auto"
    chrf_plus: bool = False
    ter: bool = False
    comet_model: str = ""  # "" for none
    comet_kiwi_model: str = ""  # "" for none
    comet_batch_size: int = 64
    comet_gpus: int = 0

    @classmethod
    def of(cls, config) -> "ScoreSettings":
        """From any object with these attributes (the validated `score` params group)."""
        return cls(**{name: getattr(config, name) for name in cls.__dataclass_fields__})


def score_hypotheses(
    sources: list[str], hyps: list[str], refs: list[list[str]], tgt_lang: str, settings: ScoreSettings
) -> tuple[dict, dict, list[dict]]:
    """(corpus figures, their signatures, per-segment figures in the hypotheses' order).

    `refs` are reference streams: `refs[k][i]` is the k-th reference of segment i. ValueError on input that
    cannot be scored (no hypotheses, a language the identifier does not know, streams of other lengths).
    """
    if not hyps:
        raise ValueError("no hypotheses to score")
    for k, stream in enumerate(refs):
        if len(stream) != len(hyps):
            raise ValueError(f"reference {k + 1} has {len(stream)} segments, the hypotheses {len(hyps)}")
    scores = corpus_scores(hyps, refs, tgt_lang, settings.bleu_tokenize, settings.chrf_plus, settings.ter)
    signature = scores.pop("signature")
    target = langid.target_labels(tgt_lang)
    sentences = sentence_scores(hyps, refs, tgt_lang, settings.bleu_tokenize)
    langs = [langid.identify(hyp) for hyp in hyps]
    segments = [
        sentence | {"lang": lang, "off_target": lang not in target}
        for sentence, lang in zip(sentences, langs, strict=True)
    ]
    scores["off_target"] = round(sum(s["off_target"] for s in segments) / len(segments), 4)
    signature["off_target"] = langid.signature()
    # COMET takes one reference: the first. COMET-Kiwi takes none.
    for metric, model, references in (
        ("comet", settings.comet_model, refs[0]),
        ("cometkiwi", settings.comet_kiwi_model, None),
    ):
        if not model:
            continue
        from .comet import comet_scores

        system, per_segment = comet_scores(
            model, sources, hyps, references, batch_size=settings.comet_batch_size, gpus=settings.comet_gpus
        )
        scores[metric] = round(system, 4)
        signature[metric] = comet_signature(model, reference_free=references is None)
        for segment, value in zip(segments, per_segment, strict=True):
            segment[metric] = round(value, 4)
    return scores, signature, segments

"""Translation metrics as WMT reports them: sacreBLEU BLEU, chrF (optionally chrF++ and TER), and COMET.

References are streams: `refs[k][i]` is the k-th reference of segment i, in the order given (the order
changes chrF, not BLEU).
"""

from importlib.metadata import version

from sacrebleu.metrics import BLEU, CHRF, TER

from .langs import bleu_tokenizer


def _tokenizer(tgt_lang: str, tokenize: str) -> str:
    return bleu_tokenizer(tgt_lang) if tokenize == "auto" else tokenize


def corpus_scores(
    hyps: list[str],
    refs: list[list[str]],
    tgt_lang: str,
    tokenize: str = "auto",
    chrf_plus: bool = False,
    ter: bool = False,
) -> dict:
    """BLEU and chrF (and chrF++, TER when asked) over reference streams, with sacreBLEU's signatures.

    chrF keeps sacreBLEU's defaults (character 6-grams, no word n-grams), as WMT's official figures do;
    chrF++ is the same with word bigrams. TER uses sacreBLEU's defaults.
    """
    metrics: dict[str, BLEU | CHRF | TER] = {
        "bleu": BLEU(tokenize=_tokenizer(tgt_lang, tokenize)),
        "chrf": CHRF(),
    }
    if chrf_plus:
        metrics["chrfpp"] = CHRF(word_order=2)
    if ter:
        metrics["ter"] = TER()
    # A signature names the number of references, so sacreBLEU gives it only after scoring.
    scores = {name: round(metric.corpus_score(hyps, refs).score, 2) for name, metric in metrics.items()}
    return scores | {"signature": {name: str(metric.get_signature()) for name, metric in metrics.items()}}


def segment_references(refs: list[list[str]]) -> list[list[str]]:
    """Reference streams turned into the references of each segment (what sentence scores take)."""
    return [list(segment) for segment in zip(*refs, strict=True)]


def sentence_scores(
    hyps: list[str], refs: list[list[str]], tgt_lang: str, tokenize: str = "auto"
) -> list[dict]:
    """Per-segment BLEU and chrF, for error analysis only: BLEU is a corpus metric.

    BLEU as sacrebleu.sentence_bleu computes it (effective order: n-gram orders without a match are
    skipped, so a short good sentence does not score 0), with the corpus figure's tokenizer.
    """
    bleu = BLEU(tokenize=_tokenizer(tgt_lang, tokenize), effective_order=True)
    chrf = CHRF()
    return [
        {
            "bleu": round(bleu.sentence_score(hyp, seg).score, 2),
            "chrf": round(chrf.sentence_score(hyp, seg).score, 2),
        }
        for hyp, seg in zip(hyps, segment_references(refs), strict=True)
    ]


def comet_signature(model: str, reference_free: bool = False) -> str:
    """What a COMET figure depends on, kept beside it as sacreBLEU's signatures are (ref: the first)."""
    return f"comet:{version('unbabel-comet')}|model:{model}|ref:{'none' if reference_free else 'first'}"

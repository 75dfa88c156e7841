"""Translation metrics as WMT reports them: sacreBLEU BLEU and chrF, and COMET."""

from sacrebleu.metrics import BLEU, CHRF

from .langs import bleu_tokenizer


def corpus_scores(hyps: list[str], refs: list[list[str]], tgt_lang: str, tokenize: str = "auto") -> dict:
    """BLEU and chrF over one or more reference streams (in the order given), with signatures."""
    bleu = BLEU(tokenize=bleu_tokenizer(tgt_lang) if tokenize == "auto" else tokenize)
    chrf = CHRF()
    bleu_score, chrf_score = bleu.corpus_score(hyps, refs), chrf.corpus_score(hyps, refs)
    return {
        "bleu": round(bleu_score.score, 2),
        "chrf": round(chrf_score.score, 2),
        "signature": {"bleu": str(bleu.get_signature()), "chrf": str(chrf.get_signature())},
    }

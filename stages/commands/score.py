"""`lingtune score`: any hypothesis file scored as the `score` stage scores a cell, printed as JSON."""

import argparse
import json

from stages.core.io import InputError, read_lines
from stages.core.langs import is_known
from stages.core.scoring import ScoreSettings, score_hypotheses


def lang_pair(text: str) -> tuple[str, str]:
    """`src-tgt` with two known language codes (a usage error otherwise, exit status 2)."""
    cuts = [i for i, char in enumerate(text) if char == "-"]  # a code may hold a region: en-pt-BR
    for cut in cuts:
        src, tgt = text[:cut], text[cut + 1 :]
        if is_known(src) and is_known(tgt):
            return src, tgt
    raise argparse.ArgumentTypeError(f"{text!r}: two known language codes, source-target (zh-en)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--src", help="source file (needed for COMET)")
    parser.add_argument("--hyp", required=True)
    parser.add_argument(
        "--ref", required=True, action="append", help="repeat for several references, in order"
    )
    parser.add_argument("--lang-pair", required=True, type=lang_pair, help="e.g. zh-en")
    parser.add_argument(
        "--tokenize", default="auto", help="sacreBLEU tokenizer (auto: from the target language)"
    )
    parser.add_argument("--comet", help="COMET checkpoint folder or hub id (needs --src)")
    parser.add_argument(
        "--comet-kiwi", help="reference-free COMET-Kiwi checkpoint folder or hub id (needs --src)"
    )
    parser.add_argument("--chrf-plus", action="store_true", help="also chrF++ (chrfpp)")
    parser.add_argument("--ter", action="store_true", help="also TER")
    parser.set_defaults(run=main)


def score(args: argparse.Namespace) -> dict:
    """The figures the `score` stage reports for one cell, with their signatures under `signature`."""
    _, tgt_lang = args.lang_pair
    if (args.comet or args.comet_kiwi) and not args.src:
        raise SystemExit("--comet and --comet-kiwi need --src (COMET reads the source)")
    hyps = read_lines(args.hyp)
    refs = [read_lines(path) for path in args.ref]
    for path, lines in zip(args.ref, refs, strict=True):
        if len(lines) != len(hyps):
            raise SystemExit(f"{path}: {len(lines)} lines, but {args.hyp} has {len(hyps)}")
    sources = read_lines(args.src) if args.src else [""] * len(hyps)
    settings = ScoreSettings(
        bleu_tokenize=args.tokenize,
        chrf_plus=args.chrf_plus,
        ter=args.ter,
        comet_model=args.comet or "",
        comet_kiwi_model=args.comet_kiwi or "",
    )
    try:
        scores, signature, _ = score_hypotheses(sources, hyps, refs, tgt_lang, settings)
    except ValueError as error:
        raise InputError(args.hyp, str(error)) from None
    return scores | {"signature": signature}


def main(args: argparse.Namespace) -> None:
    print(json.dumps(score(args), ensure_ascii=False, indent=2))

"""`lingtune`: what users do outside the pipeline. `lingtune score` scores any files as `score` does."""

import argparse
import json

from .io import read_lines
from .metrics import corpus_scores


def score(args: argparse.Namespace) -> dict:
    src_lang, tgt_lang = args.lang_pair.split("-", 1)
    hyps = read_lines(args.hyp)
    refs = [read_lines(path) for path in args.ref]
    for path, lines in zip(args.ref, refs, strict=True):
        if len(lines) != len(hyps):
            raise SystemExit(f"{path}: {len(lines)} lines, but {args.hyp} has {len(hyps)}")
    result = corpus_scores(hyps, refs, tgt_lang, args.tokenize)
    if args.comet:
        from .comet import comet_scores

        system, _ = comet_scores(args.comet, read_lines(args.src), hyps, refs[0])
        result["comet"] = round(system, 4)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lingtune", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    scoring = commands.add_parser("score", help="BLEU, chrF (and COMET) of a hypothesis file, as JSON")
    scoring.add_argument("--src", help="source file (needed for COMET)")
    scoring.add_argument("--hyp", required=True)
    scoring.add_argument(
        "--ref", required=True, action="append", help="repeat for several references, in order"
    )
    scoring.add_argument("--lang-pair", required=True, help="e.g. zh-en")
    scoring.add_argument(
        "--tokenize", default="auto", help="sacreBLEU tokenizer (auto: from the target language)"
    )
    scoring.add_argument("--comet", help="COMET checkpoint folder or hub id")
    args = parser.parse_args(argv)
    print(json.dumps(score(args), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

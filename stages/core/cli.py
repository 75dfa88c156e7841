"""`lingtune`: what users do outside the pipeline. `lingtune score` scores any files as `score` does."""

import argparse
import json

from . import langid
from .io import read_lines
from .metrics import comet_signature, corpus_scores


def score(args: argparse.Namespace) -> dict:
    """The figures the `score` stage reports for one cell, with their signatures."""
    src_lang, tgt_lang = args.lang_pair.split("-", 1)
    if (args.comet or args.comet_kiwi) and not args.src:
        raise SystemExit("--comet and --comet-kiwi need --src (COMET reads the source)")
    hyps = read_lines(args.hyp)
    refs = [read_lines(path) for path in args.ref]
    for path, lines in zip(args.ref, refs, strict=True):
        if len(lines) != len(hyps):
            raise SystemExit(f"{path}: {len(lines)} lines, but {args.hyp} has {len(hyps)}")
    result = corpus_scores(hyps, refs, tgt_lang, args.tokenize, args.chrf_plus, args.ter)
    result["off_target"] = round(langid.off_target_rate(hyps, tgt_lang), 4)
    result["signature"]["off_target"] = langid.signature()
    if args.comet:
        from .comet import comet_scores

        # COMET takes one reference: the first given, as the stage uses the first.
        system, _ = comet_scores(args.comet, read_lines(args.src), hyps, refs[0])
        result["comet"] = round(system, 4)
        result["signature"]["comet"] = comet_signature(args.comet)
    if args.comet_kiwi:
        from .comet import comet_scores

        system, _ = comet_scores(args.comet_kiwi, read_lines(args.src), hyps, None)
        result["cometkiwi"] = round(system, 4)
        result["signature"]["cometkiwi"] = comet_signature(args.comet_kiwi, reference_free=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lingtune", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    scoring = commands.add_parser(
        "score", help="BLEU, chrF, off-target rate (chrF++, TER, COMET) of a hypothesis file, as JSON"
    )
    scoring.add_argument("--src", help="source file (needed for COMET)")
    scoring.add_argument("--hyp", required=True)
    scoring.add_argument(
        "--ref", required=True, action="append", help="repeat for several references, in order"
    )
    scoring.add_argument("--lang-pair", required=True, help="e.g. zh-en")
    scoring.add_argument(
        "--tokenize", default="auto", help="sacreBLEU tokenizer (auto: from the target language)"
    )
    scoring.add_argument("--comet", help="COMET checkpoint folder or hub id (needs --src)")
    scoring.add_argument(
        "--comet-kiwi", help="reference-free COMET-Kiwi checkpoint folder or hub id (needs --src)"
    )
    scoring.add_argument("--chrf-plus", action="store_true", help="also chrF++ (chrfpp)")
    scoring.add_argument("--ter", action="store_true", help="also TER")
    add_model_commands(commands)
    add_recipe_commands(commands)
    args = parser.parse_args(argv)
    if args.command != "score":
        return args.run(args)
    print(json.dumps(score(args), ensure_ascii=False, indent=2))


def add_model_commands(commands) -> None:
    """`chat`, `serve` and `export` (stages/commands): torch and the models load only when one runs."""
    from stages.commands import chat, export, webui

    chatting = commands.add_parser("chat", help="chat with a trained model or adapter in the terminal")
    chat.add_arguments(chatting)
    chatting.add_argument("--system", help="system prompt (default: threads.system_prompt)")
    chatting.set_defaults(run=chat.main)
    serving = commands.add_parser("serve", help="a web UI for a model: instruction, hint, settings")
    chat.add_arguments(serving)
    serving.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve other machines")
    serving.add_argument("--port", type=int, default=7860)
    serving.set_defaults(run=webui.main)
    exporting = commands.add_parser("export", help="merge a LoRA adapter; write a GGUF file")
    export.add_arguments(exporting)


def add_recipe_commands(commands) -> None:
    """`recipe check` and `recipe run`: stages/commands/recipe.py."""
    from stages.commands import recipe

    recipe.add_arguments(commands)


if __name__ == "__main__":
    main()

"""`lingtune`: what users do outside the pipeline, one module per command in stages/commands/.

Each command module has `add_arguments(parser)`, which sets `run`; torch and the models load only when a
command that needs them runs.
"""

import argparse
import sys

from stages.commands import chat, export, recipe, score, twin, webui
from stages.core.io import InputError
from stages.core.params import ParamsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lingtune", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    score.add_arguments(
        commands.add_parser(
            "score", help="BLEU, chrF, off-target rate (chrF++, TER, COMET) of a hypothesis file, as JSON"
        )
    )
    chatting = commands.add_parser("chat", help="chat with a trained model or adapter in the terminal")
    chat.add_arguments(chatting)
    chatting.add_argument("--system", help="system prompt (default: threads.system_prompt)")
    chatting.set_defaults(run=chat.main)
    serving = commands.add_parser("serve", help="a web UI for a model: instruction, hint, settings")
    chat.add_arguments(serving)
    serving.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve other machines")
    serving.add_argument("--port", type=int, default=7860)
    webui.add_limit_arguments(serving)
    serving.set_defaults(run=webui.main)
    export.add_arguments(commands.add_parser("export", help="merge a LoRA adapter; write a GGUF file"))
    recipe.add_arguments(commands)
    twin.add_arguments(
        commands.add_parser(
            "twin", help="a model's twin: its tokenizer and config class, tiny random weights"
        )
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (InputError, ParamsError) as error:
        # Bad input is the user's to fix: one line naming the file or key, not a traceback.
        print(f"lingtune {args.command}: {error}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

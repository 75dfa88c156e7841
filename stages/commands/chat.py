"""`lingtune chat MODEL`: talk to a trained model or adapter in the terminal, tokens shown as they come.

The prompt is built as at training: the model's chat template (with the target-language system prompt of
`threads.system_prompt`) for the `chat` format; for the `alpaca` format, the Alpaca prompt of
stages/core/prompts.py. The prompt format and system prompt default to `params.yaml` when there is one.
`:new` starts a new thread, `:quit` (or end of input) exits.
"""

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from stages.core.generation import Generation, sampling_or_greedy, stream
from stages.core.params import PARAMS_FILE
from stages.core.prompts import alpaca_prompt, chat_text, inference_prompt

# The model loaders are imported where used: they import transformers.

USER_PROMPT = "you> "
REPLY_PREFIX = "model> "
NEW_THREAD, QUIT = ":new", ":quit"
PROMPT_FORMATS = ("alpaca", "chat")


DEFAULTS = sampling_or_greedy(max_new_tokens=256, temperature=0.7, top_p=0.9)


def load(model: str, trust_remote_code: bool = False, allow_pickle: bool = False):
    """(model, tokenizer) ready for generation; an adapter folder is loaded on its base model."""
    from stages.core.models import load_causal_lm, load_tokenizer

    loaded = load_causal_lm(model, trust_remote_code, allow_pickle=allow_pickle)
    return loaded, load_tokenizer(model, trust_remote_code)


def params_defaults(params_file: str | Path) -> tuple[str | None, str]:
    """(base.prompt_format, threads.system_prompt) of a params file; (None, "") when there is none."""
    if not Path(params_file).exists():
        return None, ""
    from stages.core.params import load_params

    params = load_params(params_file)
    return params.base.prompt_format, params.threads.system_prompt


def chat_prompt(tokenizer, messages: list[dict], prompt_format: str) -> str:
    """The text to continue: every message so far, ending with the user's latest, as training wrote it."""
    if prompt_format == "chat":
        return chat_text(tokenizer, messages, generation_prompt=True)
    # Alpaca has no system slot and no turns: earlier exchanges are written as finished Alpaca records
    # (response, then end of sequence, as training appended it), the new message as the prompt to answer.
    turns = [message for message in messages if message["role"] != "system"]
    history = "".join(
        alpaca_prompt(user["content"]) + reply["content"] + (tokenizer.eos_token or "")
        for user, reply in zip(turns[:-1:2], turns[1::2], strict=True)
    )
    return history + inference_prompt(tokenizer, turns[-1]["content"], "", "alpaca")


@dataclass
class Chat:
    """One conversation with a loaded model: the messages so far, and how to prompt for the next reply."""

    model: object
    tokenizer: object
    prompt_format: str
    system_prompt: str = ""
    generation: Generation = DEFAULTS
    seed: int | None = None  # each reply seeded: reproducible sampling
    messages: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.new_thread()

    def new_thread(self) -> None:
        system = [{"role": "system", "content": self.system_prompt}]
        self.messages = system if self.system_prompt and self.prompt_format == "chat" else []

    def send(self, text: str) -> Iterator[str]:
        """Stream the reply to `text`; the exchange joins the history once the reply is complete."""
        messages = [*self.messages, {"role": "user", "content": text}]
        prompt, pieces = chat_prompt(self.tokenizer, messages, self.prompt_format), []
        templated = self.prompt_format == "chat"
        for piece in stream(self.model, self.tokenizer, prompt, self.generation, templated, self.seed):
            pieces.append(piece)
            yield piece
        self.messages = [*messages, {"role": "assistant", "content": "".join(pieces).strip()}]


def converse(chat: Chat, read: Callable[[str], str] = input, out: TextIO = sys.stdout) -> None:
    """The terminal loop: a line in, the reply streamed out, until `:quit` or end of input."""
    while True:
        try:
            line = read(USER_PROMPT).strip()
        except EOFError:
            break
        if line == QUIT:
            break
        if line == NEW_THREAD:
            chat.new_thread()
            out.write("(new thread)\n")
            continue
        if not line:
            continue
        out.write(REPLY_PREFIX)
        out.flush()
        try:
            for piece in chat.send(line):
                out.write(piece)
                out.flush()
        except KeyboardInterrupt:
            # Ctrl-C stops this reply, not the chat; the unfinished exchange stays out of the history.
            out.write(" [stopped]")
        out.write("\n")
        out.flush()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Model and generation options, shared by `chat` and `serve`."""
    parser.add_argument("model", help="a trained model folder, a PEFT adapter folder, or a hub id")
    parser.add_argument(
        "--prompt-format", choices=PROMPT_FORMATS, help="as at training (default: base.prompt_format)"
    )
    parser.add_argument("--params", default=str(PARAMS_FILE), help="where the defaults come from, if present")
    parser.add_argument("--max-new-tokens", type=int, default=DEFAULTS.max_new_tokens)
    parser.add_argument("--temperature", type=float, default=DEFAULTS.temperature, help="0: greedy")
    parser.add_argument("--top-p", type=float, default=DEFAULTS.top_p)
    parser.add_argument("--repetition-penalty", type=float, default=DEFAULTS.repetition_penalty)
    parser.add_argument("--seed", type=int, help="seed each reply (reproducible sampling)")
    parser.add_argument("--trust-remote-code", action="store_true")
    parser.add_argument(
        "--allow-pickle-weights",
        action="store_true",
        help="also load .bin (pickle) weights, not only safetensors",
    )


def generation_from(args: argparse.Namespace) -> Generation:
    if args.max_new_tokens <= 0 or args.temperature < 0 or not 0 < args.top_p <= 1:
        raise SystemExit("--max-new-tokens must be > 0, --temperature >= 0, --top-p in (0, 1]")
    return sampling_or_greedy(args.max_new_tokens, args.temperature, args.top_p, args.repetition_penalty)


def resolve_format(args: argparse.Namespace, tokenizer) -> tuple[str, str]:
    """(prompt format, system prompt): the command line first, then the params file, then the model."""
    params_format, params_system = params_defaults(args.params)
    prompt_format = args.prompt_format or params_format or ("chat" if tokenizer.chat_template else "alpaca")
    system = getattr(args, "system", None)
    return prompt_format, params_system if system is None else system


def main(args: argparse.Namespace) -> None:
    model, tokenizer = load(args.model, args.trust_remote_code, args.allow_pickle_weights)
    prompt_format, system_prompt = resolve_format(args, tokenizer)
    if system_prompt and prompt_format == "alpaca":
        print("note: Alpaca prompts have no system turn; the system prompt is not used", file=sys.stderr)
    chat = Chat(model, tokenizer, prompt_format, system_prompt, generation_from(args), args.seed)
    print(f"lingtune chat: {args.model} ({prompt_format} prompts). {NEW_THREAD}: new thread, {QUIT}: exit.")
    converse(chat)

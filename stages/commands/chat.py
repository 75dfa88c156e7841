"""`lingtune chat MODEL`: talk to a trained model or adapter in the terminal, tokens shown as they come.

The prompt is built as at training: the model's chat template (with the target-language system prompt of
`threads.system_prompt`) for the `chat` format; for the `alpaca` format, the Alpaca prompt of
stages/core/prompts.py. The prompt format and system prompt default to `params.yaml` when there is one.
`:new` starts a new thread, `:quit` (or end of input) exits.
"""

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from threading import Event, Thread
from typing import TextIO

from stages.core.prompts import alpaca_prompt, inference_prompt

# torch, transformers and the model loaders are imported where used: `lingtune score` stays quick to start.

USER_PROMPT = "you> "
REPLY_PREFIX = "model> "
NEW_THREAD, QUIT = ":new", ":quit"
GENERATION_THREAD = "lingtune-generate"
PROMPT_FORMATS = ("alpaca", "chat")


@dataclass(frozen=True)
class Settings:
    """Generation settings; temperature 0 is greedy decoding."""

    max_new_tokens: int = 256
    temperature: float = 0.7
    top_p: float = 0.9
    repetition_penalty: float = 1.0
    seed: int | None = None


def generation_kwargs(settings: Settings, tokenizer) -> dict:
    sampling = settings.temperature > 0
    return {
        "max_new_tokens": settings.max_new_tokens,
        "do_sample": sampling,
        # None when greedy: transformers warns about sampling settings it would ignore.
        "temperature": settings.temperature if sampling else None,
        "top_p": settings.top_p if sampling else None,
        "repetition_penalty": settings.repetition_penalty,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }


def tokenizer_path(model: str) -> str:
    """The model's own folder, or the base model's when an adapter folder was saved without a tokenizer."""
    from stages.core.models import is_adapter

    folder = Path(model)
    if is_adapter(model) and not (folder / "tokenizer_config.json").exists():
        return json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))[
            "base_model_name_or_path"
        ]
    return model


def load(model: str, trust_remote_code: bool = False):
    """(model, tokenizer) ready for generation; an adapter folder is loaded on its base model."""
    from stages.core.models import load_causal_lm, load_tokenizer

    tokenizer = load_tokenizer(tokenizer_path(model), trust_remote_code)
    return load_causal_lm(model, trust_remote_code), tokenizer


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
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    # Alpaca has no system slot and no turns: earlier exchanges are written as finished Alpaca records
    # (response, then end of sequence, as training appended it), the new message as the prompt to answer.
    turns = [message for message in messages if message["role"] != "system"]
    history = "".join(
        alpaca_prompt(user["content"]) + reply["content"] + (tokenizer.eos_token or "")
        for user, reply in zip(turns[:-1:2], turns[1::2], strict=True)
    )
    return history + inference_prompt(tokenizer, turns[-1]["content"], "", "alpaca")


def stream_reply(
    model, tokenizer, prompt: str, settings: Settings, stop: Event | None = None, templated: bool = False
) -> Iterator[str]:
    """The new text, piece by piece, while the model generates it in a background thread.

    Generation stops early when `stop` is set or the caller closes the iterator (Ctrl-C in the terminal, a
    browser that went away); closing returns once the model is free again. `templated`: the prompt comes
    from a chat template, which writes its own special tokens (a BOS added again would double it; TRL
    tokenizes templated training text without adding any either).
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

    stop = stop or Event()

    class Stopped(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

    encoded = tokenizer(
        prompt, return_tensors="pt", return_token_type_ids=False, add_special_tokens=not templated
    ).to(model.device)
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    failure: list[BaseException] = []

    @torch.inference_mode()
    def run() -> None:
        try:
            if settings.seed is not None:
                torch.manual_seed(settings.seed)
            model.generate(
                **encoded,
                streamer=streamer,
                stopping_criteria=StoppingCriteriaList([Stopped()]),
                **generation_kwargs(settings, tokenizer),
            )
        except BaseException as error:  # noqa: B036 - re-raised in the caller's thread below
            failure.append(error)
            streamer.end()  # the consumer would otherwise wait for text forever

    worker = Thread(target=run, name=GENERATION_THREAD, daemon=True)
    worker.start()
    try:
        # The streamer also hands out empty pieces (a word held back until it is complete).
        yield from (piece for piece in streamer if piece)
    finally:
        stop.set()
        worker.join()
    if failure:
        raise failure[0]


@dataclass
class Chat:
    """One conversation with a loaded model: the messages so far, and how to prompt for the next reply."""

    model: object
    tokenizer: object
    prompt_format: str
    system_prompt: str = ""
    settings: Settings = field(default_factory=Settings)
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
        for piece in stream_reply(self.model, self.tokenizer, prompt, self.settings, templated=templated):
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
    parser.add_argument("--params", default="params.yaml", help="where the defaults come from, if present")
    parser.add_argument("--max-new-tokens", type=int, default=Settings.max_new_tokens)
    parser.add_argument("--temperature", type=float, default=Settings.temperature, help="0: greedy")
    parser.add_argument("--top-p", type=float, default=Settings.top_p)
    parser.add_argument("--repetition-penalty", type=float, default=Settings.repetition_penalty)
    parser.add_argument("--seed", type=int, help="seed each reply (reproducible sampling)")
    parser.add_argument("--trust-remote-code", action="store_true")


def settings_from(args: argparse.Namespace) -> Settings:
    if args.max_new_tokens <= 0 or args.temperature < 0 or not 0 < args.top_p <= 1:
        raise SystemExit("--max-new-tokens must be > 0, --temperature >= 0, --top-p in (0, 1]")
    return Settings(args.max_new_tokens, args.temperature, args.top_p, args.repetition_penalty, args.seed)


def resolve_format(args: argparse.Namespace, tokenizer) -> tuple[str, str]:
    """(prompt format, system prompt): the command line first, then the params file, then the model."""
    params_format, params_system = params_defaults(args.params)
    prompt_format = args.prompt_format or params_format or ("chat" if tokenizer.chat_template else "alpaca")
    system = getattr(args, "system", None)
    return prompt_format, params_system if system is None else system


def main(args: argparse.Namespace) -> None:
    model, tokenizer = load(args.model, args.trust_remote_code)
    prompt_format, system_prompt = resolve_format(args, tokenizer)
    if system_prompt and prompt_format == "alpaca":
        print("note: Alpaca prompts have no system turn; the system prompt is not used", file=sys.stderr)
    chat = Chat(model, tokenizer, prompt_format, system_prompt, settings_from(args))
    print(f"lingtune chat: {args.model} ({prompt_format} prompts). {NEW_THREAD}: new thread, {QUIT}: exit.")
    converse(chat)

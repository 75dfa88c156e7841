"""`lingtune serve MODEL`: a Gradio web UI for a trained model, as x-LLM ships one.

One page: an instruction box, an input box, an optional translation direction (which writes ParroT's
instruction) and hint (ParroT's hint strings, appended to the input as at training), and the generation
settings (max new tokens, temperature with top-p, beams, seed). The reply streams into the output box as it
is generated; translations then get ParroT's post-processing. Beam search cannot stream (transformers'
streamers take one sequence), so with several beams the reply arrives whole.

Gradio's Python client calls the same function: `Client(url).predict(instruction, input, src_lang, tgt_lang,
hint, max_new_tokens, temperature, top_p, beams, seed, api_name="/generate")` -> `(output, prompt)`. The page
takes the form's fields from its URL too (`/?src_lang=en&tgt_lang=de&input=…&autorun=1`). It runs offline:
no analytics, no version check, no share link, no web fonts, no script from a CDN.

One model serves one request at a time, so each request is bounded (`Limits`): the prompt's length in the
model's tokens (and prompt plus new tokens within the model's context), the seconds of generation, and the
number of requests waiting. A request whose client went away or cancelled stops generating. The app takes
no files: Gradio's upload route is closed.
"""

import argparse
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stages.core.generation import Generation, sampling_or_greedy, stream
from stages.core.langs import LANGUAGES, is_known
from stages.core.prompts import HINTS, inference_prompt, postprocess, translation_prompt, with_hint

from .chat import generation_from, load, resolve_format

# gradio is imported where the app is built: `lingtune score` stays quick to start.

# The form's fields, in the order the page and the API take them.
FIELDS = (
    "instruction",
    "input",
    "src_lang",
    "tgt_lang",
    "hint",
    "max_new_tokens",
    "temperature",
    "top_p",
    "beams",
    "seed",
)
TEXT_FIELDS = FIELDS[:5]
NUMBER_FIELDS = ("max_new_tokens", "temperature", "top_p", "beams")  # the seed box takes text: empty, none
API_NAME = "generate"
MAX_BEAMS = 8
# A token is rarely longer than this many characters: a longer text is refused before it is tokenized (a
# megabyte of input would hold the tokenizer for seconds).
MAX_CHARS_PER_TOKEN = 32


@dataclass(frozen=True)
class Limits:
    """What one request may take of the one model worker."""

    max_input_tokens: int = 2048  # the prompt, in the model's tokens
    max_seconds: float = 120.0  # of generation; the reply so far is then the reply
    queue_size: int = 16  # requests waiting for the model; one more is refused


def model_context(model) -> int | None:
    """The model's context length as its config states it (None when it states none)."""
    return getattr(model.config, "max_position_embeddings", None)


def check_prompt(tokenizer, prompt: str, request: "Request", limits: Limits, context: int | None) -> int:
    """The prompt's length in tokens; ValueError naming the field when it is over a limit."""
    if len(prompt) > limits.max_input_tokens * MAX_CHARS_PER_TOKEN:
        raise ValueError(
            f"input: {len(prompt)} characters, more than this server's {limits.max_input_tokens} prompt "
            "tokens can hold (lingtune serve --max-input-tokens)"
        )
    tokens = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    if tokens > limits.max_input_tokens:
        raise ValueError(
            f"input: the prompt is {tokens} tokens, this server takes at most {limits.max_input_tokens} "
            "(lingtune serve --max-input-tokens)"
        )
    if context is not None and tokens + request.max_new_tokens > context:
        raise ValueError(
            f"max_new_tokens: the prompt's {tokens} tokens and {request.max_new_tokens} new ones exceed the "
            f"model's context of {context} tokens"
        )
    return tokens


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instruction: str = ""  # empty with a direction: ParroT's translation instruction
    input: str = ""
    hint: str = "none"
    src_lang: str = ""
    tgt_lang: str = ""
    max_new_tokens: int = Field(gt=0, le=4096)
    temperature: float = Field(ge=0)  # 0: greedy (or plain beam search)
    top_p: float = Field(gt=0, le=1)
    beams: int = Field(ge=1, le=MAX_BEAMS)
    seed: int | None = None  # from the page: text, empty for none

    @field_validator("seed", mode="before")
    @classmethod
    def _empty_is_no_seed(cls, value):
        return None if value is None or str(value).strip() == "" else value

    @field_validator("hint")
    @classmethod
    def _known_hint(cls, value: str) -> str:
        if value not in HINTS:
            raise ValueError(f"unknown hint {value!r} (one of {', '.join(HINTS)})")
        return value

    @field_validator("src_lang", "tgt_lang")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value and not is_known(value):
            raise ValueError(f"unknown language code {value!r}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> "Request":
        if bool(self.src_lang) != bool(self.tgt_lang):
            raise ValueError("a translation direction needs both src_lang and tgt_lang")
        if not self.instruction.strip() and not self.src_lang:
            raise ValueError("write an instruction, or choose a translation direction")
        if self.hint != "none" and not self.input.strip():
            raise ValueError("a hint is appended to the input: write the text to translate in `input`")
        return self

    @property
    def is_translation(self) -> bool:
        return bool(self.src_lang)


def parse_request(values: dict) -> Request:
    """The form's values as a Request; ValueError naming each field that is wrong and why."""
    # An emptied text box or dropdown may come as None: the same as empty.
    texts = {key: "" for key in TEXT_FIELDS if values.get(key) is None}
    try:
        return Request(**(values | texts))
    except ValidationError as error:
        problems = (
            f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}" if problem["loc"] else problem["msg"]
            for problem in error.errors()
        )
        raise ValueError("; ".join(problems)) from None


def request_prompt(tokenizer, request: Request, prompt_format: str) -> str:
    """The prompt as training and the `infer` stage build it."""
    source = request.input.strip()
    if not request.instruction.strip():
        return translation_prompt(
            tokenizer, source, request.src_lang, request.tgt_lang, request.hint, prompt_format
        )
    return inference_prompt(
        tokenizer, request.instruction.strip(), with_hint(source, HINTS[request.hint]), prompt_format
    )


def final_output(request: Request, raw: str) -> str:
    return postprocess(raw) if request.is_translation else raw.strip()


def request_generation(request: Request, defaults: Generation) -> Generation:
    """The server's settings (repetition penalty included) with the form's generation settings."""
    return sampling_or_greedy(
        request.max_new_tokens,
        request.temperature,
        request.top_p,
        defaults.repetition_penalty,
        num_beams=request.beams,
    )


def responses(
    model, tokenizer, prompt_format: str, request: Request, defaults: Generation, limits: Limits = Limits()
) -> Iterator[tuple]:
    """(text so far, prompt) while generating, then (final output, prompt); ValueError, before anything is
    generated, for a prompt over the limits."""
    prompt, raw = request_prompt(tokenizer, request, prompt_format), ""
    check_prompt(tokenizer, prompt, request, limits, model_context(model))
    yield raw, prompt
    generation = request_generation(request, defaults)
    templated = prompt_format == "chat"
    pieces = stream(
        model, tokenizer, prompt, generation, templated, request.seed, max_seconds=limits.max_seconds
    )
    for piece in pieces:
        raw += piece
        yield raw, prompt
    yield final_output(request, raw), prompt


def form_values(query: dict[str, str]) -> dict[str, str | float]:
    """The form's fields found in a page address's query; a number that does not parse is left out."""
    values: dict[str, str | float] = {
        key: query[key] for key in FIELDS if key in query and key not in NUMBER_FIELDS
    }
    for key in NUMBER_FIELDS:
        try:
            values[key] = float(query[key])
        except (KeyError, ValueError):
            pass
    return values


def language_choices() -> list[tuple[str, str]]:
    return [("—", "")] + [(f"{names[0]} ({code})", code) for code, names in LANGUAGES.items()]


def hint_choices() -> list[tuple[str, str]]:
    return [(name if text is None else f"{name}: {text}", name) for name, text in HINTS.items()]


def create_app(
    model,
    tokenizer,
    prompt_format: str,
    defaults: Generation,
    model_name: str,
    seed: int | None = None,
    limits: Limits = Limits(),
):
    """The Gradio Blocks app for one loaded model (queued: one generation at a time)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    def Number(value, elem_id: str, **kwargs):
        """A number box whose refusal of a value that is not a number names the field (Gradio's says
        nothing). Its conversion is wrapped, not subclassed: Gradio writes a stub file for a subclass."""
        box = gr.Number(value, elem_id=elem_id, **kwargs)
        convert = box.preprocess

        def preprocess(payload):
            try:
                return convert(payload)
            except (TypeError, ValueError):
                raise gr.Error(f"{elem_id}: a number, not {payload!r}", print_exception=False) from None

        box.preprocess = preprocess
        return box

    def generate(*values) -> Iterator[tuple[str, str]]:
        try:
            request = parse_request(dict(zip(FIELDS, values, strict=True)))
            replies = responses(model, tokenizer, prompt_format, request, defaults, limits)
            first = next(replies)  # the limits are checked before anything is generated
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from None
        yield first
        # Gradio closes this generator when the client goes away; `yield from` closes `replies`, and
        # with it the generation
        yield from replies

    def prefill(asked: gr.Request) -> dict:
        """The form's fields given in the page's URL; `autorun=1` generates right away."""
        query = dict(asked.query_params) if asked else {}
        values = {components[key]: value for key, value in form_values(query).items()}
        return values | {autorun: query.get("autorun") == "1"}

    def generate_if_asked(run: bool, *values) -> Iterator[tuple]:
        if run:
            yield from generate(*values)
        else:
            yield gr.skip(), gr.skip()

    with gr.Blocks(title=f"lingtune · {model_name}", analytics_enabled=False) as app:
        gr.Markdown(f"## lingtune · `{model_name}` · {prompt_format} prompts")
        with gr.Row():
            with gr.Column():
                components = {
                    "instruction": gr.Textbox(
                        label="Instruction (empty with a direction: ParroT's translation instruction)",
                        lines=2,
                        elem_id="instruction",
                    ),
                    "input": gr.Textbox(label="Input", lines=3, elem_id="input"),
                }
                with gr.Row():
                    for key, label in (("src_lang", "From"), ("tgt_lang", "To")):
                        components[key] = gr.Dropdown(language_choices(), value="", label=label, elem_id=key)
                    components["hint"] = gr.Dropdown(
                        hint_choices(), value="none", label="Hint (after the input)", elem_id="hint"
                    )
                run = gr.Button("Generate", variant="primary", elem_id="run")
                # No minimum/maximum on the boxes: Request checks the ranges, naming the setting.
                with gr.Accordion("Generation settings", open=True):
                    with gr.Row():
                        for key, value, label, precision in (
                            ("max_new_tokens", defaults.max_new_tokens, "Max new tokens", 0),
                            ("temperature", defaults.temperature, "Temperature", None),
                            ("top_p", defaults.top_p, "Top-p", None),
                        ):
                            components[key] = Number(value, label=label, precision=precision, elem_id=key)
                    with gr.Row():
                        components["beams"] = Number(1, label="Beams", precision=0, elem_id="beams")
                        # A text box: a number box cannot be left empty (unseeded).
                        components["seed"] = gr.Textbox(
                            "" if seed is None else str(seed), label="Seed", elem_id="seed"
                        )
                    gr.Markdown(
                        f"Temperature 0: greedy. Top-p: when sampling. Beams: 1 to {MAX_BEAMS}; with more "
                        "than 1 the reply arrives whole (beam search does not stream). Seed: empty for none."
                    )
            with gr.Column():
                output = gr.Textbox(label="Output", lines=8, interactive=False, elem_id="output")
                with gr.Accordion("Prompt", open=False, elem_id="prompt-section"):
                    prompt = gr.Textbox(label="Prompt", lines=8, interactive=False, elem_id="prompt")
        autorun = gr.State(False)
        inputs = [components[key] for key in FIELDS]
        # One model, one generation at a time: requests queue instead of sharing the weights.
        run.click(
            generate,
            inputs,
            [output, prompt],
            api_name=API_NAME,
            concurrency_id="model",
            concurrency_limit=1,
        )
        app.load(prefill, None, [*inputs, autorun], api_visibility="private").then(
            generate_if_asked,
            [autorun, *inputs],
            [output, prompt],
            api_visibility="private",
            concurrency_id="model",
            concurrency_limit=1,
        )
    return app


# Gradio's page template loads an iframe-resizer script from a CDN (for pages embedded in other sites) and
# preconnects to Google Fonts; the page works without both, and then asks nothing of any other host.
_OTHER_HOST_TAG = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="https?://[^"]*"[^>]*>(?:\s*</script>)?')


def without_other_hosts(page: str) -> str:
    return _OTHER_HOST_TAG.sub("", page)


class OfflinePage:
    """ASGI middleware: HTML responses without the tags that reach other hosts; everything else untouched."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.datastructures import MutableHeaders

        held: dict = {}  # the start of an HTML response and its body so far

        async def rewriting_send(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                is_page = headers.get("content-type", "").startswith("text/html")
                if is_page and "content-encoding" not in headers:
                    held.update(start=message, body=b"")
                    return
            if message["type"] != "http.response.body" or "start" not in held:
                return await send(message)
            held["body"] += message.get("body", b"")
            if message.get("more_body"):
                return
            body = without_other_hosts(held["body"].decode("utf-8")).encode("utf-8")
            MutableHeaders(raw=held["start"]["headers"])["content-length"] = str(len(body))
            await send(held["start"])
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewriting_send)


class NoUploads:
    """ASGI middleware: Gradio's upload route refused (the app has no file field; the route would store
    any file of any size and serve it back)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").split("/")[-1] == "upload":
            from starlette.responses import JSONResponse

            refusal = JSONResponse({"detail": "this app takes no files: uploads are off"}, status_code=403)
            return await refusal(scope, receive, send)
        return await self.app(scope, receive, send)


def launch(app, host: str, port: int, block: bool = True, queue_size: int = Limits.queue_size) -> None:
    """Serve on host:port, offline: no share link, no server-side rendering (it needs Node), no web fonts,
    no script from a CDN; uploads refused; at most `queue_size` requests waiting."""
    import gradio as gr
    from starlette.middleware import Middleware

    theme = gr.themes.Base(font=("ui-sans-serif", "system-ui", "sans-serif"))  # no Google Fonts request
    app.queue(default_concurrency_limit=1, max_size=queue_size).launch(
        server_name=host,
        server_port=port,
        share=False,
        ssr_mode=False,
        theme=theme,
        quiet=True,
        prevent_thread_lock=not block,
        app_kwargs={"middleware": [Middleware(NoUploads), Middleware(OfflinePage)]},
    )


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Limits()
    parser.add_argument(
        "--max-input-tokens",
        type=int,
        help=f"longest prompt, in tokens (default: the model's context, at most {defaults.max_input_tokens})",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=defaults.max_seconds, help="of generation per request"
    )
    parser.add_argument(
        "--queue-size", type=int, default=defaults.queue_size, help="requests waiting; more are refused"
    )


def limits_from(args: argparse.Namespace, model) -> Limits:
    context = model_context(model) or Limits.max_input_tokens
    return Limits(
        max_input_tokens=args.max_input_tokens or min(context, Limits.max_input_tokens),
        max_seconds=args.max_seconds,
        queue_size=args.queue_size,
    )


def main(args: argparse.Namespace) -> None:
    model, tokenizer = load(args.model, args.trust_remote_code, args.allow_pickle_weights)
    prompt_format, _ = resolve_format(args, tokenizer)
    limits = limits_from(args, model)
    app = create_app(model, tokenizer, prompt_format, generation_from(args), args.model, args.seed, limits)
    print(f"lingtune serve: {args.model} ({prompt_format} prompts) on http://{args.host}:{args.port}/")
    # Gradio 6.15 names a status code Starlette 1.x renamed: a warning for the user to ignore, not ours.
    warnings.filterwarnings("ignore", message=".*HTTP_422_UNPROCESSABLE_ENTITY", module="gradio")
    launch(app, args.host, args.port, queue_size=limits.queue_size)

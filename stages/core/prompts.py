"""Prompts, built by the same code at training and at inference, and ParroT's post-processing."""

import re

from .langs import language_name

# The Stanford Alpaca prompt, verbatim, as ParroT and x-LLM train and evaluate with it.
ALPACA_WITH_INPUT = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:"
)
ALPACA_NO_INPUT = (
    "Below is an instruction that describes a task. "
    "Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Response:"
)
RESPONSE_MARKER = "### Response:"
HINT_MARKER = "\n\n### Hint: "

# ParroT's released models expect these strings exactly.
INFERENCE_INSTRUCTION = "Translate the following sentences from [SRC] to [TGT]."
HINTS: dict[str, str | None] = {
    "none": None,
    "no_errors": "A translation with no errors could be",
    "minor": "A translation with minor errors could be",
    "major": "A translation with major errors could be",
    "preferred": "We prefer to translate it to",
}

# A ChatML-style template with generation markers, so TRL can mask everything but assistant turns.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' }}"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] + eos_token }}{% endgeneration %}"
    "{% else %}{{ message['content'] + eos_token }}{% endif %}"
    "{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


def render_instruction(template: str, src_lang: str, tgt_lang: str, in_lang: str = "en") -> str:
    """Fill a `[SRC]`/`[TGT]` template with language names written in `in_lang`."""
    return template.replace("[SRC]", language_name(src_lang, in_lang)).replace(
        "[TGT]", language_name(tgt_lang, in_lang)
    )


def with_hint(source: str, hint: str | None) -> str:
    """ParroT puts the hint at the end of the input."""
    return source if hint is None else source + HINT_MARKER + hint


def alpaca_prompt(instruction: str, input: str = "") -> str:
    if input:
        return ALPACA_WITH_INPUT.format(instruction=instruction, input=input)
    return ALPACA_NO_INPUT.format(instruction=instruction)


def user_message(instruction: str, input: str = "") -> str:
    """An instruction record as one chat turn."""
    return f"{instruction}\n\n{input}" if input else instruction


def sft_example(instruction: str, input: str, output: str, prompt_format: str) -> dict:
    """One instruction record in TRL's native format for the chosen prompt format."""
    if prompt_format == "alpaca":
        return {"prompt": alpaca_prompt(instruction, input), "completion": output}
    return {
        "messages": [
            {"role": "user", "content": user_message(instruction, input)},
            {"role": "assistant", "content": output},
        ]
    }


def _renders(tokenizer, messages: list[dict], generation_prompt: bool = False) -> str | None:
    """The template's text, or None when the template refuses the messages (raise_exception)."""
    from jinja2.exceptions import TemplateError

    try:
        return tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=generation_prompt
        )
    except TemplateError:
        return None


_SYSTEM_TURN: dict[str, bool] = {}  # per template text: rendering it twice per example adds up


def keeps_system_turn(tokenizer) -> bool:
    """Whether the chat template takes a system turn and keeps it where it is as the conversation grows.

    Gemma's template refuses one; Mistral's moves the system text into the latest user turn, so a
    conversation's rendering would not start with its earlier prefixes.
    """
    template = tokenizer.chat_template or ""
    if template in _SYSTEM_TURN:
        return _SYSTEM_TURN[template]
    system, user, reply = (
        {"role": r, "content": c} for r, c in (("system", "s"), ("user", "u"), ("assistant", "a"))
    )
    short = _renders(tokenizer, [system, user], generation_prompt=True)
    longer = _renders(tokenizer, [system, user, reply, user])
    _SYSTEM_TURN[template] = short is not None and longer is not None and longer.startswith(short)
    return _SYSTEM_TURN[template]


def conversation(tokenizer, messages: list[dict]) -> list[dict]:
    """The messages as the tokenizer's template takes them, the same at training and at inference: where
    the template has no (stable) system turn, the system text opens the first user turn."""
    if not messages or messages[0]["role"] != "system" or keeps_system_turn(tokenizer):
        return messages
    system, first, *rest = messages
    return [{"role": first["role"], "content": f"{system['content']}\n\n{first['content']}"}, *rest]


def chat_text(tokenizer, messages: list[dict], generation_prompt: bool = False) -> str:
    """The conversation rendered by the tokenizer's chat template (after `conversation`)."""
    return tokenizer.apply_chat_template(
        conversation(tokenizer, messages), tokenize=False, add_generation_prompt=generation_prompt
    )


def inference_prompt(tokenizer, instruction: str, input: str, prompt_format: str) -> str:
    """The prompt text for generation, identical to the training prompt up to the response."""
    if prompt_format == "alpaca":
        return alpaca_prompt(instruction, input)
    return chat_text(tokenizer, [{"role": "user", "content": user_message(instruction, input)}], True)


# ParroT's inference.py: `input` is its default `--template 1`; `no_input` its `--template 0` (instruction,
# source and hint in the instruction field); `none` runs without `--inst-file` (the source is the whole
# instruction, and with no instruction line there is no hint either).
TRANSLATION_TEMPLATES = ("input", "no_input", "none")


def translation_prompt(
    tokenizer,
    source: str,
    src_lang: str,
    tgt_lang: str,
    hint: str,
    prompt_format: str,
    template: str = "input",
) -> str:
    """ParroT's inference prompt for one source: the instruction for the direction, the hint after the
    source; `template` places them as ParroT's inference.py does (TRANSLATION_TEMPLATES)."""
    instruction = render_instruction(INFERENCE_INSTRUCTION, src_lang, tgt_lang)
    source = source.strip()  # ParroT strips each input line; x-LLM each test line
    if template == "none":
        return inference_prompt(tokenizer, source, "", prompt_format)
    if template == "no_input":
        return inference_prompt(
            tokenizer, user_message(instruction, with_hint(source, HINTS[hint])), "", prompt_format
        )
    return inference_prompt(tokenizer, instruction, with_hint(source, HINTS[hint]), prompt_format)


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


POSTPROCESS_STYLES = ("lingtune", "parrot", "xllm")


def postprocess(raw: str, style: str = "lingtune") -> str:
    """The translation in a generated response (the new tokens only): what comes before a second
    `### Response:` the model may go on to write (ParroT keeps that part too; an earlier version of ours kept
    the part after it), on one line, the preferred `<p>` span.

    `lingtune` also drops `\r`, takes the first whole `<p>…</p>` span and removes `<v>` marks, for scoring;
    `parrot` is ParroT's inference.py exactly: the text before the first `</p>` after its last `<p>`, marks
    and carriage returns kept, nothing stripped after the cut; `xllm` is x-LLM's inference.py: the
    generated text stripped, its line breaks kept, nothing cut.
    """
    if style == "xllm":
        return raw.strip()
    text = raw.split(RESPONSE_MARKER, 1)[0].strip()
    if style == "parrot":
        text = text.replace("\n", " ")
        return text.split("</p>")[0].split("<p>")[-1] if "</p>" in text else text
    text = text.replace("\r", "").replace("\n", " ")
    if "</p>" in text:
        match = _PARAGRAPH.search(text)
        text = match.group(1) if match else text.split("</p>", 1)[0].replace("<p>", "")
    text = text.replace("<v>", "").replace("</v>", "")
    return text.strip()

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


def inference_prompt(tokenizer, instruction: str, input: str, prompt_format: str) -> str:
    """The prompt text for generation, identical to the training prompt up to the response."""
    if prompt_format == "alpaca":
        return alpaca_prompt(instruction, input)
    messages = [{"role": "user", "content": user_message(instruction, input)}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def translation_prompt(
    tokenizer, source: str, src_lang: str, tgt_lang: str, hint: str, prompt_format: str
) -> str:
    """ParroT's inference prompt for one source: the instruction for the direction, the hint after it."""
    instruction = render_instruction(INFERENCE_INSTRUCTION, src_lang, tgt_lang)
    return inference_prompt(tokenizer, instruction, with_hint(source, HINTS[hint]), prompt_format)


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def postprocess(raw: str) -> str:
    """ParroT's post-processing: the response, on one line; the preferred `<p>` span; no `<v>` marks."""
    text = raw.split(RESPONSE_MARKER, 1)[1] if RESPONSE_MARKER in raw else raw
    text = text.strip().replace("\r", "").replace("\n", " ")
    if "</p>" in text:
        match = _PARAGRAPH.search(text)
        text = match.group(1) if match else text.split("</p>", 1)[0].replace("<p>", "")
    text = text.replace("<v>", "").replace("</v>", "")
    return text.strip()

"""Cutting a message into the pieces a translation model should see, and putting it back together.

A message is a sequence of parts: code (fenced blocks, inline spans), Markdown markers, whitespace and line
breaks are kept verbatim; the text between them is translated sentence by sentence (or line by line), and
a piece longer than the model takes is cut at sentence ends (or, for one overlong sentence, at spaces).
Joining the parts back restores every line break and every piece of code exactly as written.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

FENCE_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})")
MARKDOWN_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)]|#{1,6}|>)[ \t]+")
SENTENCE = re.compile(r"\S(?:.*?\S)??(?=\s*$|(?<=[.!?。！？])\s)", re.S)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")


@dataclass(frozen=True)
class Part:
    text: str
    translate: bool


def has_words(text: str) -> bool:
    """Only text with letters in it is worth a model call: numbers, bullets and rules stay as they are."""
    return any(char.isalpha() for char in text)


def split_text(
    text: str, count_tokens: Callable[[str], int], max_tokens: int, sentences: bool = False
) -> list[Part]:
    """The parts of `text`, in order; `"".join(part.text for part in parts) == text` always holds.

    `sentences`: every sentence on its own, as sentence-level models (OPUS-MT) were trained; otherwise a
    line is cut only where it is longer than `max_tokens`.
    """
    parts: list[Part] = []
    position = 0
    for start, end in fenced_blocks(text):
        parts += prose_parts(text[position:start], count_tokens, max_tokens, sentences)
        parts.append(Part(text[start:end], False))
        position = end
    parts += prose_parts(text[position:], count_tokens, max_tokens, sentences)
    return merge_literals(parts)


def fenced_blocks(text: str) -> list[tuple[int, int]]:
    """Spans of fenced code: from a line opening with ``` or ~~~ through the line closing it with the same
    fence (or to the end of the text, as Markdown renders an unclosed fence)."""
    blocks: list[tuple[int, int]] = []
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    index = 0
    while index < len(lines):
        opening = FENCE_OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        fence = opening.group(1)
        close = next(
            (
                later
                for later in range(index + 1, len(lines))
                if lines[later].strip().startswith(fence) and not lines[later].strip().strip(fence[0])
            ),
            len(lines) - 1,
        )
        blocks.append((starts[index], starts[close + 1]))
        index = close + 1
    return blocks


def prose_parts(
    text: str, count_tokens: Callable[[str], int], max_tokens: int, sentences: bool
) -> list[Part]:
    parts: list[Part] = []
    for line in re.split(r"(\n)", text):
        position = 0
        for code in INLINE_CODE.finditer(line):
            parts += line_parts(line[position : code.start()], count_tokens, max_tokens, sentences)
            parts.append(Part(code.group(0), False))
            position = code.end()
        parts += line_parts(line[position:], count_tokens, max_tokens, sentences)
    return parts


def line_parts(text: str, count_tokens: Callable[[str], int], max_tokens: int, sentences: bool) -> list[Part]:
    """Indentation, Markdown markers (bullets, numbers, headings, quotes) and the spaces around inline
    code stay literal: a model would translate or drop them."""
    marker = MARKDOWN_MARKER.match(text)
    offset = marker.end() if marker else len(text) - len(text.lstrip())
    core = text[offset:].rstrip()
    if not has_words(core):
        return [Part(text, False)] if text else []
    parts: list[Part] = []
    position = 0
    units = sentence_spans(core) if sentences else [(0, len(core))]
    chunks = [(s + a, s + b) for s, e in units for a, b in fit(core[s:e], count_tokens, max_tokens)]
    for start, end in chunks:
        parts += [Part(text[position : offset + start], False), Part(core[start:end], True)]
        position = offset + end
    return parts + [Part(text[position:], False)]


def fit(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[tuple[int, int]]:
    """Spans of `text` made of whole sentences (whole words for an overlong sentence) within `max_tokens`.

    What lies between two spans is the original whitespace, kept literal.
    """
    if count_tokens(text) <= max_tokens:
        return [(0, len(text))]
    units = sentence_spans(text)
    if len(units) <= 1:
        units = [match.span() for match in re.finditer(r"\S+", text)]
        if len(units) <= 1:
            return [(0, len(text))]  # one unbreakable run: the model truncates it, nothing better to do
    spans: list[tuple[int, int]] = []
    for start, end in units:
        if spans and count_tokens(text[spans[-1][0] : end]) <= max_tokens:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [
        (start + inner_start, start + inner_end)
        for start, end in spans
        for inner_start, inner_end in (
            fit(text[start:end], count_tokens, max_tokens) if (start, end) != (0, len(text)) else [(0, end)]
        )
    ]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences end at . ! ? (or their CJK forms) followed by whitespace; the whitespace is not theirs."""
    return [match.span() for match in SENTENCE.finditer(text)]


def merge_literals(parts: list[Part]) -> list[Part]:
    merged: list[Part] = []
    for part in parts:
        if merged and not part.translate and not merged[-1].translate:
            merged[-1] = Part(merged[-1].text + part.text, False)
        elif part.text:
            merged.append(part)
    return merged


def join_parts(parts: list[Part], translations: dict[str, str]) -> str:
    return "".join(translations[part.text] if part.translate else part.text for part in parts)

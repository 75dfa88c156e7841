"""Generation, one way for every caller (infer, chat, serve, the `llm` translation engine).

- `Generation`: the settings `model.generate` is given; `PRESETS` holds ParroT's.
- `encode`: prompts to token ids, special tokens added exactly once. A prompt rendered by a chat template
  already holds the special tokens the template writes (Llama-2's `<s>[INST]`, Llama-3's
  `<|begin_of_text|>`), and TRL tokenizes templated training text without adding any; an Alpaca prompt is
  plain text, which TRL tokenizes with the tokenizer's special tokens (BOS).
- `generate_batch` (one padded batch), `generate_all` (length-sorted batches under a token budget, shared
  across processes) and `stream` (pieces as they come, stoppable).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from threading import Event, Thread
from typing import TYPE_CHECKING

from .batching import token_batches

if TYPE_CHECKING:
    from .team import Team

# torch is imported where generation runs: the commands that only build their arguments (and `lingtune
# score`) stay quick to start.
GENERATION_THREAD = "lingtune-generate"


@dataclass(frozen=True)
class Generation:
    """What model.generate is given; temperature and top_p are used only when sampling."""

    max_new_tokens: int = 256
    num_beams: int = 1
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0


# ParroT's inference.py: `--search-algorithm beam` (its default) is 4 beams, `sample` is nucleus sampling
# at temperature 0.1; both cap at 256 new tokens. Its beam config also carries temperature 0.1 and
# top_p 0.9, inert unless sampling is turned on, as they would be in ParroT.
PRESETS: dict[str, Generation] = {
    "greedy": Generation(),
    "parrot_beam": Generation(num_beams=4, temperature=0.1, top_p=0.9),
    "parrot_sample": Generation(do_sample=True, temperature=0.1, top_p=0.9),
}
GENERATION_KEYS = tuple(field.name for field in fields(Generation))


def resolve_generation(preset: str, overrides: dict) -> Generation:
    """The preset's settings, with every key of `overrides` that is not None taking precedence."""
    return replace(PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None})


def sampling_or_greedy(
    max_new_tokens: int, temperature: float, top_p: float, repetition_penalty: float = 1.0, num_beams: int = 1
) -> Generation:
    """The settings of an interactive reply: temperature 0 is greedy (or plain beam search)."""
    return Generation(
        max_new_tokens=max_new_tokens,
        num_beams=num_beams,
        do_sample=temperature > 0,
        temperature=temperature,
        top_p=top_p,
        repetition_penalty=repetition_penalty,
    )


def stop_token_ids(model, tokenizer) -> list[int]:
    """The tokens that end a reply: the model's generation config (where training wrote the end of turn
    its template uses), then the tokenizer's EOS."""
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = list(configured) if isinstance(configured, list | tuple) else [configured]
    ids = [token for token in ids if token is not None]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


def generate_kwargs(generation: Generation, model, tokenizer) -> dict:
    return {
        "max_new_tokens": generation.max_new_tokens,
        "num_beams": generation.num_beams,
        "do_sample": generation.do_sample,
        # None when not sampling: transformers warns about sampling settings it would ignore.
        "temperature": generation.temperature if generation.do_sample else None,
        "top_p": generation.top_p if generation.do_sample else None,
        "repetition_penalty": generation.repetition_penalty,
        "eos_token_id": stop_token_ids(model, tokenizer),
        "pad_token_id": tokenizer.pad_token_id,
    }


def encode(tokenizer, prompts: list[str], templated: bool, tensors: bool = True):
    """Token ids of the prompts (a padded batch with `tensors`), special tokens added exactly once.

    `templated`: the prompts were rendered by a chat template, which writes its own special tokens.
    """
    return tokenizer(
        prompts,
        add_special_tokens=not templated,
        return_token_type_ids=False,
        **({"return_tensors": "pt", "padding": True} if tensors else {}),
    )


def generate_batch(
    model,
    tokenizer,
    prompts: list[str],
    generation: Generation,
    templated: bool,
    max_seconds: float | None = None,
) -> list[str]:
    """The decoded new tokens of each prompt of one (left-padded) batch; `max_seconds` ends it early.

    `model` is a Transformers model or a `ct2.CTranslate2Model` (`infer.backend: ctranslate2`): the same
    token ids in, the same settings and stop tokens, the new tokens decoded the same way."""
    import torch

    from .ct2 import CTranslate2Model

    if isinstance(model, CTranslate2Model):  # no padding: CTranslate2 takes prompts of any lengths
        ids = encode(tokenizer, prompts, templated, tensors=False)["input_ids"]
        new_tokens = model.generate(ids, tokenizer, generation, stop_token_ids(model, tokenizer))
        return tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
    encoded = encode(tokenizer, prompts, templated).to(model.device)
    kwargs = generate_kwargs(generation, model, tokenizer)
    with torch.inference_mode():
        generated = model.generate(**encoded, **kwargs, max_time=max_seconds)
    new_tokens = generated[:, encoded["input_ids"].shape[1] :]
    return tokenizer.batch_decode(new_tokens, skip_special_tokens=True)


def generate_all(
    model,
    tokenizer,
    prompts: list[str],
    generation: Generation,
    templated: bool,
    batch_tokens: int,
    seed: int,
    team: Team | None = None,
    progress: str = "generate",
) -> list[str] | None:
    """The decoded new tokens of each prompt, in the prompts' order (on process 0; None on the others).

    Length-sorted batches under `batch_tokens`. With several processes each generates every size-th batch;
    a batch's outputs do not depend on which process made it (same batches, reseeded per batch), so any
    process count gives the same outputs.
    """
    import torch
    from tqdm import tqdm

    from .ct2 import CTranslate2Model
    from .team import ALONE

    team = team or ALONE
    lengths = [len(ids) for ids in encode(tokenizer, prompts, templated, tensors=False)["input_ids"]]
    batches = token_batches(lengths, batch_tokens)
    mine = [batches[i] for i in team.mine(len(batches))]
    outputs: dict[int, str] = {}
    with tqdm(total=sum(map(len, mine)), desc=progress, unit="sent", disable=not team.leader) as bar:
        for batch in mine:
            # Reseeded per batch: a batch's samples do not depend on how many batches came before.
            torch.manual_seed(seed)
            if isinstance(model, CTranslate2Model):
                model.reseed(seed)
            texts = generate_batch(model, tokenizer, [prompts[i] for i in batch], generation, templated)
            outputs.update(zip(batch, texts, strict=True))
            bar.update(len(batch))
    parts = team.gather(outputs)
    if parts is None:
        return None
    merged = {index: text for part in parts for index, text in part.items()}
    return [merged[index] for index in range(len(prompts))]


def stream(
    model,
    tokenizer,
    prompt: str,
    generation: Generation,
    templated: bool,
    seed: int | None = None,
    stop: Event | None = None,
    max_seconds: float | None = None,
) -> Iterator[str]:
    """The new text, piece by piece, while the model generates it in a background thread.

    Beam search cannot stream (transformers' streamers take one sequence): with several beams the reply
    comes as one piece. Generation stops early when `stop` is set or the caller closes the iterator (Ctrl-C
    in the terminal, a browser that went away); closing returns once the model is free again. It also
    stops after `max_seconds` of generation.
    """
    import torch

    if generation.num_beams > 1:
        if seed is not None:
            torch.manual_seed(seed)
        yield generate_batch(model, tokenizer, [prompt], generation, templated, max_seconds)[0]
        return
    from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

    stop = stop or Event()

    class Stopped(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

    encoded = encode(tokenizer, [prompt], templated).to(model.device)
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    failure: list[BaseException] = []

    @torch.inference_mode()
    def run() -> None:
        try:
            if seed is not None:
                torch.manual_seed(seed)
            model.generate(
                **encoded,
                streamer=streamer,
                stopping_criteria=StoppingCriteriaList([Stopped()]),
                max_time=max_seconds,
                **generate_kwargs(generation, model, tokenizer),
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

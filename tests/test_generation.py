"""One generation path: `infer`, `chat` and `serve` hand the model the same token ids, with one BOS.

A chat template that writes its own BOS (Llama-2-chat's `<s>[INST]`, Llama-3's `<|begin_of_text|>`,
Mistral's `<s>`) must not get a second one from the tokenizer; an Alpaca prompt gets the tokenizer's one.
The ids are recorded where they reach `model.generate`.
"""

import shutil

import pytest

from stages import infer
from stages.commands.chat import Chat
from stages.commands.webui import parse_request, responses
from stages.core.generation import PRESETS, encode, sampling_or_greedy, stop_token_ids
from stages.core.models import load_causal_lm, load_tokenizer
from stages.core.params import load_params
from stages.core.prompts import INFERENCE_INSTRUCTION, render_instruction, user_message

from .helpers import shared_model, tiny_llama_twin, write_lines, write_params

SOURCE = "The dog sleeps."
GREEDY = sampling_or_greedy(max_new_tokens=2, temperature=0, top_p=1.0)
FAMILIES_WITH_BOS = ("llama2-chat", "llama3-instruct", "llama3.1-instruct", "mistral-v0.3-instruct")


class Recording:
    """The model, with the input ids of every generate call kept (a test double around the real one)."""

    def __init__(self, model):
        self.model, self.calls = model, []

    def __getattr__(self, name):
        return getattr(self.model, name)

    def generate(self, **kwargs):
        self.calls.append(kwargs["input_ids"][0].tolist())
        return self.model.generate(**kwargs)


def bos_template_twin(tiny_lm, folder):
    """The tiny model whose tokenizer adds BOS and whose chat template also writes it."""
    from tokenizers.processors import TemplateProcessing

    shutil.copytree(tiny_lm, folder)
    tokenizer = load_tokenizer(str(folder))
    bos = tokenizer.bos_token
    tokenizer._tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tokenizer.bos_token_id)]
    )
    tokenizer.chat_template = "{{ bos_token }}" + tokenizer.chat_template
    tokenizer.save_pretrained(folder)
    return folder


def ids_of_each_path(folder, workdir, monkeypatch, prompt_format: str) -> dict[str, list[int]]:
    """The ids `infer`, `chat` and `serve` give the model for one en->de translation request."""
    model, tokenizer = load_causal_lm(str(folder)), load_tokenizer(str(folder))
    monkeypatch.chdir(workdir)
    write_lines(workdir / "t.en", [SOURCE])
    write_lines(workdir / "t.de", ["Der Hund schläft."])
    testsets = {"t": {"src": "t.en", "ref": "t.de", "src_lang": "en", "tgt_lang": "de"}}
    write_params(
        workdir,
        base={"model": str(folder), "prompt_format": prompt_format},
        infer={"testsets": testsets, "preset": "greedy", "max_new_tokens": 2},
    )
    params = load_params()
    seen = {}
    recording = Recording(model)
    infer.hypotheses("t", params.infer.testsets["t"], "base", "none", tokenizer, recording, params)
    seen["infer"] = recording.calls.pop()
    instruction = render_instruction(INFERENCE_INSTRUCTION, "en", "de")
    "".join(
        Chat(recording, tokenizer, prompt_format, generation=GREEDY).send(user_message(instruction, SOURCE))
    )
    seen["chat"] = recording.calls.pop()
    form = {"input": SOURCE, "src_lang": "en", "tgt_lang": "de", "hint": "none", "max_new_tokens": 2}
    request = parse_request(form | {"temperature": 0, "top_p": 1.0, "beams": 1})
    list(responses(recording, tokenizer, prompt_format, request, GREEDY))
    seen["serve"] = recording.calls.pop()
    return seen


def assert_one_bos_and_the_same_ids(seen: dict[str, list[int]], bos_id: int | None) -> None:
    assert seen["infer"] == seen["chat"] == seen["serve"]
    if bos_id is not None:
        assert seen["infer"][0] == bos_id and seen["infer"].count(bos_id) == 1


def test_a_template_that_writes_bos_gets_one_bos_in_infer_chat_and_serve(tiny_lm, tmp_path, monkeypatch):
    folder = bos_template_twin(tiny_lm, tmp_path / "twin")
    tokenizer = load_tokenizer(str(folder))
    # The premise: the tokenizer adds a BOS of its own, and the template writes one.
    assert tokenizer("x")["input_ids"][0] == tokenizer.bos_token_id
    templated = tokenizer.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False)
    assert templated.startswith(tokenizer.bos_token)
    seen = ids_of_each_path(folder, tmp_path, monkeypatch, "chat")
    assert_one_bos_and_the_same_ids(seen, tokenizer.bos_token_id)
    # The same ids as the template tokenized as TRL tokenizes training text.
    user = user_message(render_instruction(INFERENCE_INSTRUCTION, "en", "de"), SOURCE)
    trained = tokenizer.apply_chat_template(
        [{"role": "user", "content": user}], tokenize=True, add_generation_prompt=True
    )
    assert seen["infer"] == list(trained)


def test_an_alpaca_prompt_gets_the_tokenizers_one_bos(tiny_lm, tmp_path, monkeypatch):
    folder = bos_template_twin(tiny_lm, tmp_path / "twin")
    tokenizer = load_tokenizer(str(folder))
    seen = ids_of_each_path(folder, tmp_path, monkeypatch, "alpaca")
    # Alpaca has no turns: chat writes the message as an instruction without input, so only infer and
    # serve (instruction + input) build the same prompt.
    assert seen["infer"] == seen["serve"]
    for ids in seen.values():
        assert ids[0] == tokenizer.bos_token_id and ids.count(tokenizer.bos_token_id) == 1


@pytest.mark.parametrize("family", FAMILIES_WITH_BOS)
def test_real_templates_that_write_bos_get_one(family, tmp_path, monkeypatch):
    folder = tiny_llama_twin(load_tokenizer(str(shared_model(family))), tmp_path / "twin")
    tokenizer = load_tokenizer(str(folder))
    seen = ids_of_each_path(folder, tmp_path, monkeypatch, "chat")
    assert_one_bos_and_the_same_ids(seen, tokenizer.bos_token_id)


def test_encode_adds_special_tokens_only_to_plain_prompts(tiny_lm, tmp_path):
    tokenizer = load_tokenizer(str(bos_template_twin(tiny_lm, tmp_path / "twin")))
    plain = encode(tokenizer, ["Hello"], templated=False, tensors=False)["input_ids"][0]
    templated = encode(tokenizer, [tokenizer.bos_token + "Hello"], templated=True, tensors=False)[
        "input_ids"
    ][0]
    assert plain == templated and plain.count(tokenizer.bos_token_id) == 1


def test_generation_stops_at_the_generation_configs_end_of_turn_and_at_eos(tiny_lm):
    model, tokenizer = load_causal_lm(str(tiny_lm)), load_tokenizer(str(tiny_lm))
    assert stop_token_ids(model, tokenizer) == [tokenizer.eos_token_id]
    end_of_turn = tokenizer.convert_tokens_to_ids("<|user|>")
    model.generation_config.eos_token_id = [end_of_turn, tokenizer.eos_token_id]
    try:
        assert stop_token_ids(model, tokenizer) == [end_of_turn, tokenizer.eos_token_id]
    finally:
        model.generation_config.eos_token_id = tokenizer.eos_token_id
    assert PRESETS["parrot_beam"].num_beams == 4 and PRESETS["greedy"].num_beams == 1

"""Real model families through `sft` in chat format: the loss on exactly the assistant turns of the real
template (markers or not), one BOS, and the end of turn the template writes as the stop token.

Twins: the real tokenizer and chat template of each family in ../shared/models with a tiny random Llama.
"""

import json
from pathlib import Path

import pytest

from stages import sft
from stages.core.generation import stop_token_ids
from stages.core.models import load_causal_lm, load_tokenizer
from stages.core.params import load_params
from stages.core.prompts import chat_text, conversation

from .helpers import shared_model, tiny_llama_twin, write_lines, write_sft_params

SYSTEM = "Du bist ein hilfreicher Assistent."
CONVERSATIONS = [
    [("user", "Wie heißt die Hauptstadt von Frankreich?"), ("assistant", "Paris.")],
    [
        ("user", "Hallo!"),
        ("assistant", "Hallo, wie kann ich helfen?"),
        ("user", "Danke."),
        ("assistant", "Gern."),
    ],
    [("user", "Zähle bis drei."), ("assistant", "Eins, zwei, drei.")],
]
# What each family's template writes after an assistant reply (the text of its end-of-turn token).
FAMILIES = {
    "llama2-chat": " </s>",  # ` {{ content }} </s>`
    "llama3-instruct": "<|eot_id|>",
    "llama3.1-instruct": "<|eot_id|>",
    "mistral-v0.3-instruct": "</s>",
    "qwen2.5-instruct": "<|im_end|>",
    "gemma-it": "<end_of_turn>",
    "phi3": "<|end|>",
}


def family_tokenizer(family: str):
    """The family's tokenizer; Gemma's template and special tokens on Llama's vocabulary (Gemma's own is
    not obtainable offline), and Phi-3's (Llama's vocabulary with its turn tokens; its template as TRL
    ships it)."""
    if family == "phi3":
        import trl

        tokenizer = load_tokenizer(str(shared_model("llama1")))
        tokenizer.add_special_tokens(
            {"additional_special_tokens": ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]}
        )
        template = Path(trl.__file__).parent / "chat_templates" / "phi3.jinja"
        tokenizer.chat_template = template.read_text(encoding="utf-8")
        return tokenizer
    if family != "gemma-it":
        return load_tokenizer(str(shared_model(family)))
    gemma = json.loads((shared_model("gemma-it") / "tokenizer_config.json").read_text(encoding="utf-8"))
    tokenizer = load_tokenizer(str(shared_model("llama1")))
    tokenizer.add_special_tokens({"additional_special_tokens": ["<start_of_turn>", "<end_of_turn>"]})
    tokenizer.chat_template = gemma["chat_template"]
    return tokenizer


def write_chat_data(folder) -> list[list[dict]]:
    conversations = [
        [{"role": "system", "content": SYSTEM}] + [{"role": r, "content": c} for r, c in turns]
        for turns in CONVERSATIONS
    ]
    lines = [json.dumps({"messages": m, "source": "threads"}, ensure_ascii=False) for m in conversations * 4]
    write_lines(folder / "data/sft/train.jsonl", lines)
    write_lines(folder / "data/sft/eval.jsonl", lines[:1])
    return conversations


def squeezed(text: str) -> str:
    """Without whitespace: where a template puts spaces between turns is not what is compared."""
    return "".join(text.split())


@pytest.mark.parametrize("family", list(FAMILIES))
def test_sft_trains_exactly_the_assistant_turns_and_stops_at_the_templates_end_of_turn(
    family, in_tmp, monkeypatch
):
    tokenizer = family_tokenizer(family)
    twin = tiny_llama_twin(tokenizer, in_tmp / "twin")
    conversations = write_chat_data(in_tmp)
    write_sft_params(in_tmp, twin, "chat", max_length=512)
    trainer = sft.build_trainer(load_params(), sft.load_split("train"), sft.load_split("eval"))
    tokenizer = trainer.processing_class
    end = FAMILIES[family]
    for row, messages in enumerate(conversations):
        example = trainer.train_dataset[row]
        ids, labels = example["input_ids"], example["labels"]
        trained = [token for token, label in zip(ids, labels, strict=True) if label != -100]
        assert all(label in (-100, token) for token, label in zip(ids, labels, strict=True))
        # Independently: every reply followed by the family's end of turn, nothing else.
        replies = [m["content"] + end for m in messages if m["role"] == "assistant"]
        if family == "phi3":  # the template closes a conversation with EOS, inside TRL's marked reply
            replies[-1] += tokenizer.eos_token
        assert squeezed(tokenizer.decode(trained)) == squeezed("".join(replies))
        # The tokens are the template's text tokenized once: the BOS the template writes, never doubled
        # (Llama-2-chat writes one per turn).
        assert ids == tokenizer(chat_text(tokenizer, messages), add_special_tokens=False)["input_ids"]
        if family == "phi3":  # its template writes no BOS, and training adds none (measured: infer did)
            assert tokenizer.bos_token_id not in ids
        elif tokenizer.bos_token_id is not None and family != "qwen2.5-instruct":
            assert ids[0] == tokenizer.bos_token_id and ids[1] != tokenizer.bos_token_id
    end_id = tokenizer.convert_tokens_to_ids(end.strip())
    stops = sft.end_of_turn_ids(tokenizer, "chat")
    assert stops[0] == end_id
    # infer, chat and serve stop where sft says a turn ends (the generation config it writes).
    model = load_causal_lm(str(twin))
    model.generation_config.eos_token_id = stops
    assert stop_token_ids(model, tokenizer)[0] == end_id


def test_a_template_without_a_system_role_gets_the_system_text_in_the_first_user_turn():
    tokenizer = family_tokenizer("gemma-it")
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Hallo!"}]
    folded = conversation(tokenizer, messages)
    assert folded == [{"role": "user", "content": f"{SYSTEM}\n\nHallo!"}]
    assert chat_text(tokenizer, messages, generation_prompt=True).endswith(
        f"<start_of_turn>user\n{SYSTEM}\n\nHallo!<end_of_turn>\n<start_of_turn>model\n"
    )
    # Llama-2-chat has a system turn of its own: it stays.
    llama2 = family_tokenizer("llama2-chat")
    assert conversation(llama2, messages) == messages

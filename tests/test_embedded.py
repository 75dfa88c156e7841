from stages.core.prompts import CHAT_TEMPLATE
from stages.embedded import build_tokenizer

TEXTS = [
    "昨天疲惫的厨师吃了甜的蛋糕。",
    "Die Männer rufen den hungrigen Arzt.",
    "The men call the doctor.",
] * 20


def test_tokenizer_isolates_cjk_characters_and_round_trips():
    tokenizer = build_tokenizer(TEXTS, vocab_size=400)
    chinese = "昨天疲惫的厨师吃了甜的蛋糕。"
    ids = tokenizer(chinese)["input_ids"]
    assert len(ids) == len(chinese)  # one token per character, never a multi-character chunk
    for text in TEXTS[:3]:
        assert tokenizer.decode(tokenizer(text)["input_ids"]) == text


def test_tokenizer_is_deterministic_and_has_a_chat_template_with_generation_markers():
    first, second = build_tokenizer(TEXTS, 400), build_tokenizer(TEXTS, 400)
    assert first.get_vocab() == second.get_vocab()
    assert first.chat_template == CHAT_TEMPLATE and "{% generation %}" in CHAT_TEMPLATE
    rendered = first.apply_chat_template(
        [{"role": "user", "content": "Hallo"}], tokenize=False, add_generation_prompt=True
    )
    assert rendered == "<|user|>\nHallo</s>\n<|assistant|>\n"

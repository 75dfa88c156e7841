"""`lingtune chat`: prompts as at training, streamed replies, the terminal loop through a pseudo-terminal."""

import io
import sys
import threading

import pytest
import torch

from stages.commands.chat import REPLY_PREFIX, USER_PROMPT, Chat, chat_prompt, converse
from stages.core.generation import GENERATION_THREAD, generate_kwargs, sampling_or_greedy, stream
from stages.core.models import load_causal_lm, load_tokenizer
from stages.core.prompts import alpaca_prompt, inference_prompt

from .conftest import ROOT
from .helpers import expected_reply, write_params

SYSTEM = "Du bist ein hilfreicher Assistent. Antworte auf Deutsch."
GREEDY = sampling_or_greedy(max_new_tokens=10, temperature=0, top_p=1.0)


@pytest.fixture(scope="module")
def loaded(tiny_lm):
    return load_causal_lm(str(tiny_lm)), load_tokenizer(str(tiny_lm))


def test_alpaca_first_turn_is_the_training_prompt_and_later_turns_carry_the_history(loaded):
    _, tokenizer = loaded
    first = [{"role": "user", "content": "Hello"}]
    assert chat_prompt(tokenizer, first, "alpaca") == inference_prompt(tokenizer, "Hello", "", "alpaca")
    later = [*first, {"role": "assistant", "content": "Hallo"}, {"role": "user", "content": "The cat eats."}]
    assert chat_prompt(tokenizer, later, "alpaca") == (
        alpaca_prompt("Hello") + "Hallo" + tokenizer.eos_token + alpaca_prompt("The cat eats.")
    )


def test_chat_format_uses_the_template_with_the_system_prompt(loaded):
    _, tokenizer = loaded
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Hello"}]
    prompt = chat_prompt(tokenizer, messages, "chat")
    assert prompt == tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert prompt.startswith("<|system|>\n" + SYSTEM) and prompt.endswith("<|assistant|>\n")


def test_reply_streams_in_pieces_that_make_the_whole_output(loaded):
    model, tokenizer = loaded
    prompt = alpaca_prompt("Hello")
    # Seeded sampling: the random tiny model's greedy output is one repeated token, handed out at once.
    sampled = sampling_or_greedy(max_new_tokens=20, temperature=1.0, top_p=0.9)
    pieces = list(stream(model, tokenizer, prompt, sampled, templated=False, seed=0))
    assert len(pieces) > 2
    encoded = tokenizer(prompt, return_tensors="pt", return_token_type_ids=False)
    torch.manual_seed(0)
    with torch.inference_mode():
        whole = model.generate(**encoded, **generate_kwargs(sampled, model, tokenizer))
    assert "".join(pieces) == tokenizer.decode(
        whole[0, encoded["input_ids"].shape[1] :], skip_special_tokens=True
    )
    greedy_pieces = list(stream(model, tokenizer, prompt, GREEDY, templated=False))
    assert greedy_pieces == [expected_reply(model, tokenizer, prompt)]


def test_closing_the_reply_stops_generation(loaded):
    model, tokenizer = loaded
    long_greedy = sampling_or_greedy(max_new_tokens=200, temperature=0, top_p=1.0)
    replies = stream(model, tokenizer, "Hello", long_greedy, templated=False)
    next(replies)
    replies.close()  # what Ctrl-C or a closed browser tab does
    assert not any(thread.name == GENERATION_THREAD for thread in threading.enumerate())
    stop = threading.Event()
    stop.set()
    assert len(list(stream(model, tokenizer, "Hello", GREEDY, templated=False, stop=stop))) <= 1


def test_a_failing_generation_reaches_the_caller(loaded):
    _, tokenizer = loaded

    class Broken:
        device = torch.device("cpu")

        def generate(self, **kwargs):
            raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        list(stream(Broken(), tokenizer, "Hello", GREEDY, templated=False))


def test_history_and_new_thread(loaded):
    model, tokenizer = loaded
    chat = Chat(model, tokenizer, "chat", SYSTEM, GREEDY)
    first = "".join(chat.send("Hello"))
    assert [m["role"] for m in chat.messages] == ["system", "user", "assistant"]
    assert chat.messages[2]["content"] == first.strip()
    "".join(chat.send("The cat eats."))
    assert len(chat.messages) == 5
    chat.new_thread()
    assert chat.messages == [{"role": "system", "content": SYSTEM}]
    assert "".join(chat.send("Hello")) == first
    # Alpaca prompts have no system turn: training never saw one.
    assert Chat(model, tokenizer, "alpaca", SYSTEM, GREEDY).messages == []


def test_converse_reads_lines_until_quit(loaded):
    model, tokenizer = loaded
    lines = iter(["Hello", "", ":new", "Hello", ":quit", "never read"])
    out = io.StringIO()
    converse(Chat(model, tokenizer, "alpaca", generation=GREEDY), lambda prompt: next(lines), out)
    reply = expected_reply(model, tokenizer, alpaca_prompt("Hello"))
    assert out.getvalue() == f"{REPLY_PREFIX}{reply}\n(new thread)\n{REPLY_PREFIX}{reply}\n"
    assert next(lines) == "never read"


def test_terminal_chat_through_a_pseudo_terminal(tiny_lm, loaded, tmp_path):
    """`lingtune chat` as a user runs it: params from params.yaml, streamed replies, `:new`, `:quit`."""
    pexpect = pytest.importorskip("pexpect")
    model, tokenizer = loaded
    write_params(tmp_path, base={"prompt_format": "chat"}, threads={"system_prompt": SYSTEM})
    command = [
        "-m", "stages.commands.cli", "chat", str(tiny_lm), "--params", str(tmp_path / "params.yaml"),
        "--temperature", "0", "--max-new-tokens", "10",
    ]  # fmt: skip
    child = pexpect.spawn(sys.executable, command, cwd=str(ROOT), encoding="utf-8", timeout=180)

    def say(line: str) -> str:
        child.sendline(line)
        child.expect_exact("\r\n" + USER_PROMPT)
        # The terminal echoes the line, then the reply follows its prefix; the pty writes \r\n.
        echoed, reply = child.before.replace("\r\n", "\n").split("\n", 1)
        assert echoed == line
        return reply

    try:
        child.expect_exact(USER_PROMPT)
        assert "(chat prompts)" in child.before
        system = {"role": "system", "content": SYSTEM}
        messages = [system, {"role": "user", "content": "Hello"}]
        first = expected_reply(model, tokenizer, chat_prompt(tokenizer, messages, "chat"))
        assert say("Hello") == REPLY_PREFIX + first
        # The second turn is answered with the first in its prompt.
        messages += [{"role": "assistant", "content": first.strip()}, {"role": "user", "content": "Hallo"}]
        second = expected_reply(model, tokenizer, chat_prompt(tokenizer, messages, "chat"))
        assert say("Hallo") == REPLY_PREFIX + second
        assert say(":new") == "(new thread)"
        assert say("Hello") == REPLY_PREFIX + first
        child.sendline(":quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0

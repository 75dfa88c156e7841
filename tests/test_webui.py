"""`lingtune serve`: the Gradio app through Gradio's Python client, and its page in a headless browser."""

import base64
import fcntl
import json
import os
import re
import select
import shutil
import socket
import subprocess
import threading
import time
from io import BytesIO
from urllib.parse import urlencode

import numpy as np
import pytest
import torch

from stages.commands.webui import API_NAME, FIELDS, Limits, create_app, form_values, launch, parse_request
from stages.core.generation import GENERATION_THREAD, sampling_or_greedy
from stages.core.models import load_causal_lm, load_tokenizer
from stages.core.prompts import alpaca_prompt, inference_prompt, postprocess

from .helpers import expected_reply

FORM = {
    "instruction": "",
    "input": "",
    "src_lang": "",
    "tgt_lang": "",
    "hint": "none",
    "max_new_tokens": 10,
    "temperature": 0,
    "top_p": 0.9,
    "beams": 1,
    "seed": "",
}
TRANSLATION = {"src_lang": "en", "tgt_lang": "de", "input": "The dog sleeps.", "hint": "minor"}
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def loaded(tiny_lm):
    return load_causal_lm(str(tiny_lm)), load_tokenizer(str(tiny_lm))


@pytest.fixture(scope="module")
def server(loaded):
    """The app on a real local server, launched as `lingtune serve` launches it (without blocking)."""
    model, tokenizer = loaded
    app = create_app(
        model, tokenizer, "alpaca", sampling_or_greedy(max_new_tokens=10, temperature=0, top_p=0.9), "tiny"
    )
    port = free_port()
    launch(app, "127.0.0.1", port, block=False)
    yield f"http://127.0.0.1:{port}"
    app.close()


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    # Off by its flag and the variable create_app set: the client's telemetry would reach the hub.
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    return Client(server, verbose=False, analytics_enabled=False)


def arguments(**fields) -> list:
    return [(FORM | fields)[key] for key in FIELDS]


def ask(client, **fields) -> tuple[str, str]:
    """(output, prompt) for the form's defaults with `fields` changed, as the page's button sends them."""
    output, prompt = client.predict(*arguments(**fields), api_name=f"/{API_NAME}")
    return output, prompt


INSTRUCTION = "Translate the following sentences from English to German."
# ParroT's inference prompt for TRANSLATION, written out: its instruction, the hint after the input.
TRANSLATION_PROMPT = alpaca_prompt(
    INSTRUCTION, "The dog sleeps.\n\n### Hint: A translation with minor errors could be"
)


def test_translation_builds_the_infer_prompt_with_the_hint(client, loaded):
    model, tokenizer = loaded
    output, prompt = ask(client, **TRANSLATION)
    assert prompt == TRANSLATION_PROMPT
    assert "### Hint: A translation with minor errors could be" in prompt
    assert output == postprocess(expected_reply(model, tokenizer, prompt))


def test_free_instruction_and_settings(client, loaded):
    model, tokenizer = loaded
    output, prompt = ask(client, instruction="Hello", max_new_tokens=3)
    assert prompt == inference_prompt(tokenizer, "Hello", "", "alpaca")
    assert output == expected_reply(model, tokenizer, prompt, new_tokens=3).strip()


def test_beams_give_the_beam_search_reply(client, loaded):
    model, tokenizer = loaded
    output, prompt = ask(client, instruction="Hello", max_new_tokens=6, beams=3)
    encoded = tokenizer(prompt, return_tensors="pt", return_token_type_ids=False)
    with torch.inference_mode():
        beamed = model.generate(
            **encoded, max_new_tokens=6, num_beams=3, do_sample=False, pad_token_id=tokenizer.pad_token_id
        )
    assert (
        output
        == tokenizer.decode(beamed[0, encoded["input_ids"].shape[1] :], skip_special_tokens=True).strip()
    )


def test_the_reply_streams_in_growing_then_ends_as_the_whole_reply(client):
    # Seeded sampling: several words (the streamer hands out whole words), the same in both calls.
    settings = {"instruction": "Hello", "max_new_tokens": 20, "temperature": 1.0, "seed": "0"}
    job = client.submit(*arguments(**settings), api_name=f"/{API_NAME}")
    final, _ = job.result(timeout=120)
    texts = [output for output, _ in job.outputs()]
    assert texts[0] == "" and len(set(texts)) > 3  # the empty box, then several growing texts
    growing = texts[:-1]
    assert all(later.startswith(earlier) for earlier, later in zip(growing, growing[1:], strict=False))
    assert final == texts[-1] == growing[-1].strip() != ""
    assert ask(client, **settings)[0] == final


def test_a_cancelled_reply_stops_its_generation(client, loaded):
    model, _ = loaded
    steps: list[int] = []
    counting = model.register_forward_hook(lambda *_: steps.append(1))
    try:
        # Seeded: the cancelled request would generate exactly what the full one does.
        long = {"instruction": "Hello", "max_new_tokens": 150, "temperature": 1.0, "seed": "0"}
        ask(client, **long)
        full, steps[:] = len(steps), []
        job = client.submit(*arguments(**long), api_name=f"/{API_NAME}")
        deadline = time.monotonic() + 60
        while len(job.outputs()) < 3:  # generating
            assert time.monotonic() < deadline and not job.done(), "the reply did not start streaming"
            time.sleep(0.01)
        job.cancel()
        deadline = time.monotonic() + 30
        while any(thread.name == GENERATION_THREAD for thread in threading.enumerate()):
            assert time.monotonic() < deadline, "the generation went on after the cancel"
            time.sleep(0.05)
    finally:
        counting.remove()
    assert 0 < len(steps) < full
    assert ask(client, **TRANSLATION)[1]  # the model is free for the next request


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"input": "x"}, "write an instruction, or choose a translation direction"),
        ({"src_lang": "en", "input": "x"}, "needs both src_lang and tgt_lang"),
        ({"instruction": "Hi", "hint": "minor"}, "a hint is appended to the input"),
        ({"instruction": "Hi", "temperature": -1}, "temperature: Input should be greater than or equal to 0"),
        ({"instruction": "Hi", "beams": 0}, "beams: Input should be greater than or equal to 1"),
        ({"instruction": "Hi", "max_new_tokens": 0}, "max_new_tokens: Input should be greater than 0"),
        ({"instruction": "Hi", "seed": "one"}, "seed: Input should be a valid integer"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(client, fields, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        ask(client, **fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"instruction": "Hi", "hint": "perfect"}, "hint: Value error, unknown hint 'perfect'"),
        ({"src_lang": "en", "tgt_lang": "xx", "input": "x"}, "tgt_lang: Value error, unknown language code"),
        ({"instruction": "Hi", "top_p": 1.5}, "top_p: Input should be less than or equal to 1"),
    ],
)
def test_values_the_page_cannot_send_are_refused_too(fields, message):
    with pytest.raises(ValueError, match=message):
        parse_request(FORM | fields)


def test_the_address_fills_the_form():
    query = {
        "src_lang": "en",
        "hint": "minor",
        "max_new_tokens": "5",
        "beams": "two",
        "seed": "7",
        "autorun": "1",
    }
    assert form_values(query) == {"src_lang": "en", "hint": "minor", "max_new_tokens": 5.0, "seed": "7"}


def test_the_page_names_no_other_host(server):
    import httpx

    page = httpx.get(server, timeout=30)
    assert page.status_code == 200 and "gradio_config" in page.text  # Gradio's page
    assert int(page.headers["content-length"]) == len(page.content)
    assert "cdnjs.cloudflare.com" not in page.text and "fonts.googleapis.com" not in page.text
    assert "https://" not in "".join(re.findall(r"<(?:script|link)\b[^>]*>", page.text))


def test_serving_reaches_no_other_host(loaded, monkeypatch):
    """Launch, a page load and a request, with every connection and name lookup off this machine noted."""
    import httpx
    from gradio_client import Client

    reached = []
    connect, lookup = socket.socket.connect, socket.getaddrinfo

    def noting_connect(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            reached.append(address)
        return connect(self, address)

    def noting_lookup(host, *args, **kwargs):
        if host not in ("127.0.0.1", "::1", "localhost"):
            reached.append(host)
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", noting_connect)
    monkeypatch.setattr(socket, "getaddrinfo", noting_lookup)
    model, tokenizer = loaded
    app = create_app(
        model, tokenizer, "alpaca", sampling_or_greedy(max_new_tokens=3, temperature=0, top_p=0.9), "tiny"
    )
    port = free_port()
    launch(app, "127.0.0.1", port, block=False)
    try:
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(url, timeout=30).status_code == 200
        output, _ = Client(url, verbose=False, analytics_enabled=False).predict(
            *arguments(instruction="Hello", max_new_tokens=3), api_name=f"/{API_NAME}"
        )
        time.sleep(1)  # background threads (a version check, telemetry) would have started by now
    finally:
        app.close()
    assert output == ask_directly(model, tokenizer, "Hello", 3) and reached == []


def ask_directly(model, tokenizer, instruction: str, new_tokens: int) -> str:
    return expected_reply(
        model, tokenizer, inference_prompt(tokenizer, instruction, "", "alpaca"), new_tokens
    ).strip()


def browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        pytest.skip("no Chromium/Chrome installed (README: Web UI)")
    return found


class DevTools:
    """A headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4: no extra package)."""

    def __init__(self, browser_path: str):
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()

        def wire_fds() -> None:  # in the child: commands come in on fd 3, replies go out on fd 4
            # Moved above 4 first, so that placing one end cannot close the other.
            high_in, high_out = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser, from_browser))
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        command = [browser_path, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        command += ["--remote-debugging-pipe", "--window-size=1200,800", "about:blank"]
        # close_fds=False: the fds placed above must survive; Python's own pipes close on exec anyway.
        self.process = subprocess.Popen(
            command, close_fds=False, preexec_fn=wire_fds, stderr=subprocess.DEVNULL
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._next_id, self.session = b"", 0, None
        self.events: list[dict] = []
        page = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]

    def call(self, method: str, timeout: float = 60, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:  # events arrive between replies: kept for the test to look at
            while b"\0" not in self._buffer:
                assert select.select([self._replies], [], [], deadline - time.monotonic())[0], method
                self._buffer += os.read(self._replies, 1 << 16)
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply
                return reply["result"]
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression: str, what: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            assert time.monotonic() < deadline, what
            time.sleep(0.1)
        return value

    def type_into(self, selector: str, text: str) -> None:
        """Focus an element and type into it as a user would (the page's own input handlers run)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)

    def screenshot(self):
        from PIL import Image

        png = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        return Image.open(BytesIO(png)).convert("RGB"), png

    def box(self, selector: str) -> tuple[int, int, int, int]:
        rect = self.evaluate(
            f"(r => [r.left, r.top, r.right, r.bottom])(document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect())"
        )
        return tuple(round(v) for v in rect)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self._commands)
        os.close(self._replies)


def text_pixels(image, box) -> int:
    """Pixels in `box` far darker than the light box itself: drawn text (anti-aliased, so not all black)."""
    return int((np.asarray(image.crop(box)).sum(axis=-1) < 400).sum())


OUTPUT_BOX = "#output textarea"


def test_the_page_in_a_headless_browser(client, server, loaded, tmp_path):
    """Chromium opens the page (direction and hint from the URL), a user types the instruction and the
    sentence and presses Generate, and the translation appears: its text and a screenshot are checked; the
    page asks nothing of any other host; a shared link with `autorun=1` gives the same translation."""
    expected = ask(client, **TRANSLATION)[0]
    instruction = INSTRUCTION
    chrome = DevTools(browser())
    try:
        chrome.call("Network.enable")
        chrome.call("Page.enable")
        chrome.call(
            "Emulation.setDeviceMetricsOverride", width=1200, height=800, deviceScaleFactor=1, mobile=False
        )
        chrome.call("Page.navigate", url=f"{server}/?__theme=light&src_lang=en&tgt_lang=de&hint=minor")
        chrome.wait_for(
            "(document.querySelector('#hint input')?.value || '').startsWith('minor')",
            "the page did not load, or the address did not fill the form",
        )
        chrome.type_into("#instruction textarea", instruction)
        chrome.type_into("#input textarea", "The dog sleeps.")
        before, _ = chrome.screenshot()
        output_box = chrome.box(OUTPUT_BOX)
        chrome.evaluate("document.querySelector('#run').click()")
        chrome.wait_for(
            f"document.querySelector('{OUTPUT_BOX}').value === {json.dumps(expected)}",
            "the translation did not appear",
            timeout=120,
        )
        time.sleep(0.5)  # the progress overlay fades out
        after, png = chrome.screenshot()
        chrome.evaluate("document.querySelector('#prompt-section button').click()")  # "Prompt": shown
        shown_prompt = chrome.wait_for("document.querySelector('#prompt textarea')?.value", "no prompt shown")
        # A shared link runs by itself: the same request from the address alone gives the same text.
        chrome.call("Page.navigate", url=f"{server}/?{urlencode(TRANSLATION | {'autorun': 1})}")
        chrome.wait_for(
            f"document.querySelector('{OUTPUT_BOX}')?.value === {json.dumps(expected)}",
            "the linked request did not finish",
            timeout=120,
        )
        requested = [
            event["params"]["request"]["url"]
            for event in chrome.events
            if event["method"] == "Network.requestWillBeSent"
        ]
    finally:
        chrome.close()
    (tmp_path / "webui.png").write_bytes(png)
    if os.environ.get("LINGTUNE_SCREENSHOT"):  # keep it to look at
        shutil.copy(tmp_path / "webui.png", os.environ["LINGTUNE_SCREENSHOT"])
    assert shown_prompt == TRANSLATION_PROMPT
    elsewhere = [url for url in requested if not url.startswith((server, "data:", "blob:"))]
    assert requested and not elsewhere, elsewhere
    assert after.size == (1200, 800)
    # The output box was empty, and now shows the reply: dark text on the light box.
    assert expected.strip()
    assert text_pixels(before, output_box) == 0
    assert text_pixels(after, output_box) > 20


# --- limits: one model, one request at a time, so each request is bounded ---------------------------

LIMITS = Limits(max_input_tokens=150, max_seconds=1.0, queue_size=1)  # the Alpaca prompt of "Hi": 101
SLOW_STEP = 0.1  # seconds each forward pass takes in these tests: a long reply would take many seconds


@pytest.fixture(scope="module")
def limited(loaded):
    """A server with tight limits; its model sleeps SLOW_STEP per step while `slow` is set."""
    model, tokenizer = loaded
    generation = sampling_or_greedy(max_new_tokens=10, temperature=0, top_p=0.9)
    app = create_app(model, tokenizer, "alpaca", generation, "tiny", limits=LIMITS)
    port = free_port()
    launch(app, "127.0.0.1", port, block=False, queue_size=LIMITS.queue_size)
    yield f"http://127.0.0.1:{port}"
    app.close()


@pytest.fixture
def slow(loaded):
    model, _ = loaded
    steps: list[int] = []

    def sleep_then_count(*_):
        time.sleep(SLOW_STEP)
        steps.append(1)

    hook = model.register_forward_hook(sleep_then_count)
    yield steps
    hook.remove()


def _limited_client(url):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False)


def _wait_until_idle(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while any(thread.name == GENERATION_THREAD for thread in threading.enumerate()):
        assert time.monotonic() < deadline, "the generation went on"
        time.sleep(0.05)


def test_a_prompt_over_the_token_limit_is_refused_before_generating(limited):
    from gradio_client.exceptions import AppError

    client = _limited_client(limited)
    with pytest.raises(AppError, match=r"input: the prompt is \d+ tokens, this server takes at most 150"):
        ask(client, instruction="Hi", input="The dog sleeps. " * 60)
    started = time.monotonic()
    with pytest.raises(
        AppError, match=r"input: 1\d{6} characters, more than this server's 150 prompt tokens"
    ):
        ask(client, instruction="Hi", input="x" * 1_000_000)  # refused without tokenizing a megabyte
    assert time.monotonic() - started < 20
    with pytest.raises(AppError, match=r"max_new_tokens: .* exceed the model's context of 256 tokens"):
        ask(client, instruction="Hi", max_new_tokens=250)
    assert ask(client, instruction="Hi")[1]  # a request within the limits is served


def test_generation_stops_at_the_time_limit(limited, slow):
    client = _limited_client(limited)
    started = time.monotonic()
    output, _ = ask(client, instruction="Hello", max_new_tokens=150, temperature=1.0, seed="0")
    elapsed = time.monotonic() - started
    # 150 steps would take 15 s; the limit (1 s) ends the reply with what was generated by then
    assert 0 < len(slow) < 30 and elapsed < 8, (len(slow), elapsed)


def test_a_client_that_goes_away_stops_its_generation(server, slow):
    """No cancel: the client's process is killed mid-reply, as a closed browser tab or a dropped line (on
    the server without a tight time limit: 150 steps would take 15 s)."""
    import signal
    import sys

    submit = (
        "import sys, time\n"
        "from gradio_client import Client\n"
        "client = Client(sys.argv[1], verbose=False, analytics_enabled=False)\n"
        f"client.submit(*{arguments(instruction='Hello', max_new_tokens=150, temperature=1.0, seed='0')!r},"
        f" api_name='/{API_NAME}')\n"
        "time.sleep(120)\n"
    )
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False")
    gone = subprocess.Popen([sys.executable, "-c", submit, server], env=env)
    deadline = time.monotonic() + 60
    while len(slow) < 3:
        assert time.monotonic() < deadline and gone.poll() is None, "the reply did not start"
        time.sleep(0.01)
    gone.send_signal(signal.SIGKILL)
    gone.wait()
    _wait_until_idle(5)
    assert len(slow) < 60


def test_a_full_queue_refuses_the_next_request(limited, slow):
    client = _limited_client(limited)
    long = arguments(instruction="Hello", max_new_tokens=150, temperature=1.0, seed="0")
    running = client.submit(*long, api_name=f"/{API_NAME}")
    deadline = time.monotonic() + 30
    while not slow:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    waiting = client.submit(*long, api_name=f"/{API_NAME}")
    time.sleep(0.3)
    refused = client.submit(*long, api_name=f"/{API_NAME}")
    with pytest.raises(Exception, match="(?i)queue is full"):
        refused.result(timeout=30)
    assert running.result(timeout=30) and waiting.result(timeout=30)


def test_uploads_are_refused(limited):
    import httpx

    for path in ("/gradio_api/upload", "/upload"):
        answer = httpx.post(f"{limited}{path}", files={"files": ("x.bin", b"0" * 1024)}, timeout=30)
        assert answer.status_code == 403 and "uploads are off" in answer.text


def test_a_value_of_the_wrong_type_is_named(limited):
    from gradio_client.exceptions import AppError

    client = _limited_client(limited)
    with pytest.raises(AppError, match=r"max_new_tokens: a number, not 'ten'"):
        ask(client, instruction="Hi", max_new_tokens="ten")

import json
from pathlib import Path

import pytest
import yaml

from stages.core.io import InputError, atomic_path, read_jsonl, read_lines, write_jsonl
from stages.core.langs import bleu_tokenizer, language_name
from stages.core.params import ParamsError, load_params
from stages.core.tracking import flatten

from .conftest import ROOT


def test_shipped_params_validate():
    params = load_params(ROOT / "params.yaml")
    assert params.base.prompt_format in ("alpaca", "chat")
    assert set(params.infer.testsets) == {"sample-en-de", "sample-en-zh"}


def _params_with(tmp_path, edit) -> str:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    edit(raw)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


@pytest.mark.parametrize(
    "edit, key",
    [
        (lambda p: p["sft"].update(learning_rat=0.1), "sft.learning_rat: unknown key"),
        (lambda p: p["sft"].update(batch_size="many"), "sft.batch_size"),
        (lambda p: p["base"].update(target_lang="xx"), "base.target_lang: unknown language code 'xx'"),
        (lambda p: p["pairs"]["inputs"][1].update(tgt_lang="klingon"), "pairs.inputs.1.tgt_lang"),
        (lambda p: p.pop("score"), "score: Field required"),
    ],
)
def test_bad_params_name_the_key(tmp_path, edit, key):
    with pytest.raises(ParamsError) as error:
        load_params(_params_with(tmp_path, edit))
    assert key in str(error.value)


def test_read_jsonl_names_file_and_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"a": 2\n')
    with pytest.raises(InputError, match=r"x.jsonl:2: invalid JSON"):
        read_jsonl(path)
    path.write_text('{"a": 1}\n{"b": 2}\n')
    with pytest.raises(InputError, match=r"x.jsonl:2: missing field\(s\) a"):
        read_jsonl(path, required=["a"])


def test_read_lines_rejects_invalid_utf8_with_line(tmp_path):
    path = tmp_path / "t.de"
    path.write_bytes(b"gut\n" + b"\xff\xfe\n")
    with pytest.raises(InputError, match=r"t.de:2: invalid UTF-8"):
        read_lines(path)


def test_atomic_path_leaves_old_output_on_failure(tmp_path):
    target = tmp_path / "out.jsonl"
    write_jsonl(target, [{"id": 1}])
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert [json.loads(line) for line in target.read_text().splitlines()] == [{"id": 1}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_atomic_path_replaces_folder(tmp_path):
    target = tmp_path / "dir"
    target.mkdir()
    (target / "old").write_text("x")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new").write_text("y")
    assert [p.name for p in target.iterdir()] == ["new"]


def test_languages():
    assert language_name("de") == "German"
    assert language_name("zh", "zh") == "中文"
    assert bleu_tokenizer("zh") == "zh" and bleu_tokenizer("de") == "13a"


def test_flatten():
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": "x"}) == {"a.b": 1, "a.c.d": [1, 2], "e": "x"}


def test_read_lines_drops_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n')
    assert read_lines(path) == ['{"a": 1}'] and read_jsonl(path) == [{"a": 1}]


@pytest.fixture
def web_folder(tmp_path, monkeypatch):
    """A local HTTPS server over tmp_path/www with a self-signed certificate the client trusts (through
    SSL_CERT_FILE, as urllib's default context reads it): a real download, no network."""
    import functools
    import http.server
    import ssl
    import subprocess
    import threading

    root = tmp_path / "www"
    root.mkdir()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_url_input_is_downloaded_once_and_read_like_a_file(in_tmp, web_folder, monkeypatch):
    from stages.core.io import local_file, read_lines

    root, base = web_folder
    (root / "test.de").write_text("Hallo\nWelt\n", encoding="utf-8")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputError, match="not downloaded yet .*HF_HUB_OFFLINE is set"):
        read_lines(f"{base}/test.de")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert read_lines(f"{base}/test.de") == ["Hallo", "Welt"]
    cached = local_file(f"{base}/test.de")
    assert cached == Path("data/external/127.0.0.1:" + base.rsplit(":", 1)[1] + "/test.de")
    (root / "test.de").unlink()  # served no more: the copy is what is read from now on
    assert read_lines(f"{base}/test.de") == ["Hallo", "Welt"]
    with pytest.raises(InputError, match="download failed: HTTP Error 404"):
        read_lines(f"{base}/missing.de")
    assert not any(path.name.startswith(".") for path in cached.parent.iterdir())  # no half-written file

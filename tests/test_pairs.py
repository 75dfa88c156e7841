import json

import pytest

from stages import pairs
from stages.core.io import InputError, read_jsonl

from .helpers import write_lines, write_params


def _setup(tmp, en: list[str], de: list[str], test_lines: list[str] = ()):
    write_lines(tmp / "raw/train.en", en)
    write_lines(tmp / "raw/train.de", de)
    write_lines(tmp / "raw/test.de", list(test_lines) or ["nie gesehen."])
    write_params(
        tmp,
        pairs={
            "inputs": [{"path": "raw/train", "src_lang": "en", "tgt_lang": "de"}],
            "exclude": ["raw/test.de"],
        },
    )


def test_every_line_is_accounted_for(in_tmp):
    en = ["The dog.", "The dog.", "  The   cat. ", "Empty.", "Short.", "The test line.", "The bird."]
    de = ["Der Hund.", "Der Hund.", "Die Katze.", "", "Kurz " * 10, "Die Testzeile.", "Der Vogel."]
    _setup(in_tmp, en, de, test_lines=["Die Testzeile."])
    pairs.main()
    report = json.loads((in_tmp / "reports/pairs.json").read_text())["en-de:raw/train"]
    assert report["removed"] == {"empty": 1, "too_long": 0, "ratio": 1, "duplicate": 1, "contaminated": 1}
    assert report["kept"] + sum(report["removed"].values()) == report["read"] == 7
    kept = read_jsonl(in_tmp / "data/pairs/en-de.jsonl")
    assert [(p["src"], p["tgt"]) for p in kept] == [
        ("The dog.", "Der Hund."),
        ("The cat.", "Die Katze."),
        ("The bird.", "Der Vogel."),
    ]
    assert kept[1]["origin"] == "raw/train:3" and kept[1]["id"] == "train:3"


def test_nfc_normalisation_makes_decomposed_umlauts_equal(in_tmp):
    _setup(in_tmp, ["The men.", "The men."], ["Die Ma\u0308nner.", "Die Männer."])
    pairs.main()
    kept = read_jsonl(in_tmp / "data/pairs/en-de.jsonl")
    assert [p["tgt"] for p in kept] == ["Die Männer."]


def test_unequal_files_fail_with_names_and_write_nothing(in_tmp):
    _setup(in_tmp, ["One.", "Two."], ["Eins."])
    with pytest.raises(InputError, match=r"raw/train.de: 1 lines, but raw/train.en has 2"):
        pairs.main()
    assert not (in_tmp / "data").exists() and not (in_tmp / "reports").exists()


def test_invalid_utf8_names_the_line(in_tmp):
    _setup(in_tmp, ["One.", "Two."], ["Eins.", "Zwei."])
    (in_tmp / "raw/train.de").write_bytes(b"Eins.\n\xc3\x28wei.\n")
    with pytest.raises(InputError, match=r"raw/train.de:2: invalid UTF-8"):
        pairs.main()
    assert not (in_tmp / "data").exists()


def test_cjk_length_counts_characters():
    assert pairs.text_length("老师亲了年轻的医生。") == 10
    assert pairs.text_length("The teacher kissed the young doctor.") == 6

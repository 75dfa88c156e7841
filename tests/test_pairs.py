import json

import pytest

from stages import pairs
from stages.core.io import InputError, read_jsonl, read_lines
from stages.core.params import ParamsError

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


# --- input formats -------------------------------------------------------------------------------------

EN = ["The dog.", "The cat.", "The bird."]
DE = ["Der Hund.", "Die Katze.", "Der Vogel."]
DOCS = ["news-1", "news-1", "news-2"]


def _params(tmp, inputs: list[dict], exclude: list[str] = (), **pairs_keys) -> None:
    write_params(tmp, pairs={"inputs": inputs, "exclude": list(exclude), **pairs_keys})


def _write_jsonl(path, records: list[dict]) -> None:
    write_lines(path, [json.dumps(record, ensure_ascii=False) for record in records])


def _text(tmp) -> tuple[dict, list[str]]:
    write_lines(tmp / "raw/train.en", EN)
    write_lines(tmp / "raw/train.de", DE)
    write_lines(tmp / "raw/train.docs", DOCS)
    return {"path": "raw/train", "src_lang": "en", "tgt_lang": "de"}, [
        "raw/train:1",
        "raw/train:2",
        "raw/train:3",
    ]


def _tsv(tmp) -> tuple[dict, list[str]]:
    # default column names (the language codes); quotes are text, not CSV quoting
    write_lines(
        tmp / "raw/train.tsv", ["doc\ten\tde", *("\t".join(row) for row in zip(DOCS, EN, DE, strict=True))]
    )
    spec = {"format": "tsv", "path": "raw/train.tsv", "src_lang": "en", "tgt_lang": "de", "doc_field": "doc"}
    return spec, ["raw/train.tsv:2", "raw/train.tsv:3", "raw/train.tsv:4"]


def _jsonl_flat(tmp) -> tuple[dict, list[str]]:
    records = [{"source": e, "target": d, "docid": doc} for e, d, doc in zip(EN, DE, DOCS, strict=True)]
    _write_jsonl(tmp / "raw/train.jsonl", records)
    spec = {"format": "jsonl", "path": "raw/train.jsonl", "src_lang": "en", "tgt_lang": "de"}
    spec |= {"src_field": "source", "tgt_field": "target", "doc_field": "docid"}
    return spec, ["raw/train.jsonl:1", "raw/train.jsonl:2", "raw/train.jsonl:3"]


def _jsonl_nested(tmp) -> tuple[dict, list[str]]:
    records = [
        {"translation": {"en": e, "de": d}, "doc": doc} for e, d, doc in zip(EN, DE, DOCS, strict=True)
    ]
    _write_jsonl(tmp / "raw/wmt.jsonl", records)
    spec = {
        "format": "jsonl",
        "path": "raw/wmt.jsonl",
        "src_lang": "en",
        "tgt_lang": "de",
        "doc_field": "doc",
    }
    return spec, ["raw/wmt.jsonl:1", "raw/wmt.jsonl:2", "raw/wmt.jsonl:3"]


def _datasets(tmp) -> tuple[dict, list[str]]:
    import datasets

    records = [
        {"translation": {"en": e, "de": d}, "doc": doc} for e, d, doc in zip(EN, DE, DOCS, strict=True)
    ]
    other = datasets.Dataset.from_list([{"translation": {"en": "Other.", "de": "Anderes."}, "doc": "x"}])
    splits = {"validation": datasets.Dataset.from_list(records), "train": other}
    datasets.DatasetDict(splits).save_to_disk(str(tmp / "raw/ds"))
    spec = {"format": "datasets", "path": "raw/ds", "src_lang": "en", "tgt_lang": "de"}
    spec |= {"split": "validation", "doc_field": "doc"}
    return spec, ["raw/ds:validation:0", "raw/ds:validation:1", "raw/ds:validation:2"]


@pytest.mark.parametrize("write", [_text, _tsv, _jsonl_flat, _jsonl_nested, _datasets])
def test_every_format_gives_the_same_pairs(in_tmp, write):
    spec, origins = write(in_tmp)
    _params(in_tmp, [spec])
    pairs.main()
    kept = read_jsonl(in_tmp / "data/pairs/en-de.jsonl")
    assert [(p["src"], p["tgt"], p["doc"]) for p in kept] == list(zip(EN, DE, DOCS, strict=True))
    assert [p["origin"] for p in kept] == origins
    name = spec["path"].rsplit("/", 1)[-1]
    assert [p["id"] for p in kept] == [f"{name}:{origin.split(':', 1)[1]}" for origin in origins]
    report = json.loads((in_tmp / "reports/pairs.json").read_text())
    assert [counts["read"] for counts in report.values()] == [3]


def test_plain_dataset_folder_and_pairs_without_documents(in_tmp):
    import datasets

    datasets.Dataset.from_list([{"en": e, "de": d} for e, d in zip(EN, DE, strict=True)]).save_to_disk(
        str(in_tmp / "ds")
    )
    write_lines(in_tmp / "raw/train.en", ["The fish."])
    write_lines(in_tmp / "raw/train.de", ["Der Fisch."])
    _params(
        in_tmp,
        [
            {"format": "datasets", "path": "ds", "src_lang": "en", "tgt_lang": "de"},
            {"path": "raw/train", "src_lang": "en", "tgt_lang": "de"},
        ],
    )
    pairs.main()
    kept = read_jsonl(in_tmp / "data/pairs/en-de.jsonl")
    assert [p["origin"] for p in kept] == ["ds:train:0", "ds:train:1", "ds:train:2", "raw/train:1"]
    assert {p["doc"] for p in kept} == {None}
    assert set(json.loads((in_tmp / "reports/pairs.json").read_text())) == {
        "en-de:ds:train",
        "en-de:raw/train",
    }


def _nothing_written(tmp) -> bool:
    return not (tmp / "data").exists() and not (tmp / "reports").exists()


def _bad_text_docs(tmp) -> tuple[dict, str]:
    spec, _ = _text(tmp)
    write_lines(tmp / "raw/train.docs", DOCS[:2])
    return spec, r"raw/train.docs: 2 lines, but raw/train.en has 3"


def _bad_tsv_header(tmp) -> tuple[dict, str]:
    spec, _ = _tsv(tmp)
    spec["tgt_field"] = "german"
    return spec, r"raw/train.tsv:1: missing column\(s\) 'german'"


def _bad_tsv_row(tmp) -> tuple[dict, str]:
    spec, _ = _tsv(tmp)
    write_lines(tmp / "raw/train.tsv", ["doc\ten\tde", "d1\tThe dog.\tDer Hund.", "d1\tThe cat."])
    return spec, r"raw/train.tsv:3: 2 TAB-separated fields, header has 3, missing 'de'"


def _bad_jsonl_json(tmp) -> tuple[dict, str]:
    spec, _ = _jsonl_nested(tmp)
    (tmp / "raw/wmt.jsonl").write_text(
        '{"translation": {"en": "a", "de": "b"}, "doc": "1"}\n{"translation": \n'
    )
    return spec, r"raw/wmt.jsonl:2: invalid JSON"


def _bad_jsonl_field(tmp) -> tuple[dict, str]:
    spec, _ = _jsonl_nested(tmp)
    _write_jsonl(
        tmp / "raw/wmt.jsonl",
        [{"translation": {"en": "a", "de": "b"}, "doc": "1"}, {"translation": {"en": "c"}, "doc": "1"}],
    )
    return spec, r"raw/wmt.jsonl:2: missing field 'de'"


def _bad_jsonl_type(tmp) -> tuple[dict, str]:
    spec, _ = _jsonl_flat(tmp)
    _write_jsonl(tmp / "raw/train.jsonl", [{"source": "a", "target": 7, "docid": "1"}])
    return spec, r"raw/train.jsonl:1: field 'target' must be a string, not int"


def _bad_datasets_field(tmp) -> tuple[dict, str]:
    spec, _ = _datasets(tmp)
    spec["src_field"] = "english"
    return spec, r"raw/ds:validation:0: missing field 'english'"


def _bad_datasets_split(tmp) -> tuple[dict, str]:
    spec, _ = _datasets(tmp)
    spec["split"] = "test"
    return spec, r"raw/ds: no split 'test' \(it has validation, train\)"


@pytest.mark.parametrize(
    "write",
    [
        _bad_text_docs,
        _bad_tsv_header,
        _bad_tsv_row,
        _bad_jsonl_json,
        _bad_jsonl_field,
        _bad_jsonl_type,
        _bad_datasets_field,
        _bad_datasets_split,
    ],
)
def test_malformed_input_names_file_and_line_and_writes_nothing(in_tmp, write):
    good, _ = _text(in_tmp)  # a good input first: the bad one must still stop the stage before any write
    write_lines(in_tmp / "raw/good.en", EN)
    write_lines(in_tmp / "raw/good.de", DE)
    spec, message = write(in_tmp)
    _params(in_tmp, [{**good, "path": "raw/good"}, spec])
    with pytest.raises(InputError, match=message):
        pairs.main()
    assert _nothing_written(in_tmp)


def test_missing_input_file_is_named(in_tmp):
    _params(in_tmp, [{"format": "jsonl", "path": "raw/none.jsonl", "src_lang": "en", "tgt_lang": "de"}])
    with pytest.raises(InputError, match=r"raw/none.jsonl: file not found \(from pairs.inputs\)"):
        pairs.main()
    assert _nothing_written(in_tmp)


def test_hub_dataset_offline_is_a_clear_error(in_tmp, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(in_tmp / "hf"))  # an empty cache: nothing to fall back on
    _params(
        in_tmp, [{"format": "datasets", "path": "no-org/no-such-set", "src_lang": "en", "tgt_lang": "de"}]
    )
    with pytest.raises(
        InputError, match=r"^no-org/no-such-set: cannot load the data set .*needs the network"
    ):
        pairs.main()
    assert _nothing_written(in_tmp)


@pytest.fixture
def empty_sacrebleu_cache(in_tmp, monkeypatch):
    """wmt20 as sacreBLEU knows it, with its cache pointed at an empty folder."""
    from sacrebleu.dataset import DATASETS

    dataset = DATASETS["wmt20"]
    monkeypatch.setattr(dataset, "_outdir", str(in_tmp / "sacrebleu/wmt20"))
    monkeypatch.setattr(dataset, "_rawdir", str(in_tmp / "sacrebleu/wmt20/raw"))
    _params(in_tmp, [{"format": "sacrebleu", "path": "wmt20", "src_lang": "en", "tgt_lang": "de"}])
    return dataset


def test_sacrebleu_offline_refuses_to_download(in_tmp, empty_sacrebleu_cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputError) as error:
        pairs.main()
    message = str(error.value)
    assert message.startswith("wmt20 (sacreBLEU test set, en-de): not in sacreBLEU's cache")
    assert "needs the network" in message and "HF_HUB_OFFLINE" in message
    assert _nothing_written(in_tmp) and not (in_tmp / "sacrebleu/wmt20/raw").exists()


def test_sacrebleu_failed_download_is_our_error(in_tmp, empty_sacrebleu_cache, monkeypatch):
    import urllib.error
    import urllib.request

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(
        InputError, match=r"^wmt20 \(sacreBLEU test set, en-de\): downloading it needs the network"
    ):
        pairs.main()
    assert _nothing_written(in_tmp)


def test_sacrebleu_unknown_test_set_or_language_pair(in_tmp):
    _params(in_tmp, [{"format": "sacrebleu", "path": "wmt99", "src_lang": "en", "tgt_lang": "de"}])
    with pytest.raises(InputError, match=r"wmt99 .*not a sacreBLEU test set"):
        pairs.main()
    _params(in_tmp, [{"format": "sacrebleu", "path": "wmt20", "src_lang": "en", "tgt_lang": "ko"}])
    with pytest.raises(InputError, match=r"the test set has no en-ko"):
        pairs.main()
    assert _nothing_written(in_tmp)


@pytest.mark.parametrize(
    "item, key",
    [
        ({"format": "csv"}, r"pairs.inputs.0.format: Input should be 'text', 'tsv'"),
        ({"split": "test"}, r"pairs.inputs.0.split: applies to format datasets only, not 'text'"),
        ({"format": "sacrebleu", "src_field": "src"}, r"pairs.inputs.0.src_field: applies to format tsv"),
        ({"tgt_lang": "xx"}, r"pairs.inputs.0.tgt_lang: unknown language code 'xx'"),
    ],
)
def test_bad_input_params_name_the_key(in_tmp, item, key):
    _params(in_tmp, [{"path": "raw/train", "src_lang": "en", "tgt_lang": "de", **item}])
    with pytest.raises(ParamsError, match=key):
        pairs.main()
    assert _nothing_written(in_tmp)


def test_inputs_whose_ids_would_collide_are_refused(in_tmp):
    for folder in ("a", "b"):
        write_lines(in_tmp / f"{folder}/train.en", EN)
        write_lines(in_tmp / f"{folder}/train.de", DE)
    _params(in_tmp, [{"path": f"{f}/train", "src_lang": "en", "tgt_lang": "de"} for f in ("a", "b")])
    with pytest.raises(InputError, match=r"b/train: id train:1 also comes from another input"):
        pairs.main()
    assert _nothing_written(in_tmp)


# --- real data ---------------------------------------------------------------------------------------


def test_flores_rand50_in_training_data_is_removed_as_contaminated(in_tmp, shared_data):
    flores = shared_data / "flores"
    rand_en, rand_de = (read_lines(flores / f"rand50.{lang}") for lang in ("en", "de"))
    picked = {int(i) for i in read_lines(flores / "rand50.idx")}
    dev_en, dev_de = (read_lines(flores / f"devtest.{lang}") for lang in ("en", "de"))
    others = [(e, d) for i, (e, d) in enumerate(zip(dev_en, dev_de, strict=True)) if i not in picked][:60]
    own = [("The teacher kissed the young doctor.", "Die Lehrerin küsste den jungen Arzt.")]
    # rand50 pairs, interleaved with other devtest pairs; plus one pair each with only one side from rand50
    train = [pair for i, rand in enumerate(zip(rand_en, rand_de, strict=True)) for pair in (rand, others[i])]
    train += (
        others[50:] + own + [(rand_en[0], "Ein ganz anderer Satz."), ("A quite different one.", rand_de[1])]
    )
    write_lines(in_tmp / "raw/train.en", [e for e, _ in train])
    write_lines(in_tmp / "raw/train.de", [d for _, d in train])
    exclude = [str(flores / "rand50.en"), str(flores / "rand50.de")]
    # generous length limits, so that every rand50 pair reaches the contamination filter
    _params(
        in_tmp,
        [{"path": "raw/train", "src_lang": "en", "tgt_lang": "de"}],
        exclude,
        max_chars=5000,
        max_ratio=10,
    )
    pairs.main()
    report = json.loads((in_tmp / "reports/pairs.json").read_text())["en-de:raw/train"]
    assert report["read"] == len(train) == 50 + 60 + 1 + 2
    assert report["removed"] == {"empty": 0, "too_long": 0, "ratio": 0, "duplicate": 0, "contaminated": 52}
    assert report["kept"] + sum(report["removed"].values()) == report["read"]
    kept = read_jsonl(in_tmp / "data/pairs/en-de.jsonl")
    rand50 = set(rand_en) | set(rand_de)
    assert not [p for p in kept if p["src"] in rand50 or p["tgt"] in rand50]
    expected = [(pairs.normalise(e, True), pairs.normalise(d, True)) for e, d in others] + own
    assert [(p["src"], p["tgt"]) for p in kept] == expected

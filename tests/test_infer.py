import json

from stages import infer
from stages.core.io import read_jsonl

from .helpers import write_lines, write_params


def test_length_batches_cover_every_index_longest_first():
    batches = infer.length_batches([3, 9, 1, 7, 5], batch_size=2)
    assert batches == [[1, 3], [4, 0], [2]]


def test_cell_writes_hypotheses_for_every_test_set(in_tmp, tiny_lm, monkeypatch):
    write_lines(in_tmp / "t.en", ["The dog sleeps.", "The cat eats.", "Hello"])
    write_lines(in_tmp / "t.de", ["Der Hund schläft.", "Die Katze isst.", "Hallo"])
    testsets = {
        "a-en-de": {"src": "t.en", "ref": "t.de", "src_lang": "en", "tgt_lang": "de"},
        "a-de-en": {"src": "t.de", "ref": "t.en", "src_lang": "de", "tgt_lang": "en"},
    }
    write_params(
        in_tmp,
        base={"model": str(tiny_lm)},
        infer={"testsets": testsets, "batch_size": 2, "max_new_tokens": 5},
    )
    monkeypatch.setattr("sys.argv", ["infer", "--model", "base", "--hint", "minor"])
    infer.main()
    cell = in_tmp / "data/hyps/base/minor"
    records = read_jsonl(cell / "a-en-de.jsonl")
    assert [r["src"] for r in records] == ["The dog sleeps.", "The cat eats.", "Hello"]
    assert records[0]["prompt"].endswith(
        "### Instruction:\nTranslate the following sentences from English to German.\n\n### Input:\n"
        "The dog sleeps.\n\n### Hint: A translation with minor errors could be\n\n### Response:"
    )
    assert all(r["model"] == "base" and r["hint"] == "minor" and r["tgt_lang"] == "de" for r in records)
    assert (cell / "a-en-de.hyp").read_text().splitlines() == [r["hyp"] for r in records]
    assert len(read_jsonl(cell / "a-de-en.jsonl")) == 3
    assert json.loads((cell / "settings.json").read_text())["max_new_tokens"] == 5


def test_batched_greedy_equals_one_by_one(tiny_lm):
    from stages.core.models import load_causal_lm, load_tokenizer
    from stages.core.params import Infer

    tokenizer, model = load_tokenizer(str(tiny_lm)), load_causal_lm(str(tiny_lm))
    prompts = ["The dog sleeps.", "Hello", "Translate the following sentences from English to German."]
    config = Infer(testsets={}, batch_size=3, max_new_tokens=6)
    batched = infer.generate(model, tokenizer, prompts, config, seed=0)
    single = [
        infer.generate(model, tokenizer, [p], config.model_copy(update={"batch_size": 1}), 0)[0]
        for p in prompts
    ]
    assert batched == single

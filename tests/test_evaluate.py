"""evaluate and judge: benchmarks through lm-evaluation-harness on real data, x-LLM's QA, chat in the
target language, MI-Eval's judging; each figure checked against a computation of its own here."""

import json
import re
import string
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from stages import evaluate, judge
from stages.core.io import read_jsonl

from .helpers import shared_model, tiny_llama_twin, write_lines, write_params


@pytest.fixture(scope="module")
def twin(tmp_path_factory) -> Path:
    """A tiny Llama over Llama-1's real tokenizer (byte fallback: it reads German and Chinese)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(shared_model("llama1"))
    return tiny_llama_twin(tokenizer, tmp_path_factory.mktemp("twin") / "llama1")


def run_cell(folder: Path, model: Path, tasks: dict, monkeypatch, name: str = "base", **base) -> dict:
    write_params(folder, base={"model": str(model)} | base, evaluate={"tasks": tasks, "batch_size": 4})
    monkeypatch.setattr("sys.argv", ["evaluate", "--model", name])
    evaluate.main()
    return json.loads((folder / "data/evals" / name / "results.json").read_text(encoding="utf-8"))


def continuation_logprob(model, tokenizer, context: str, continuation: str) -> float:
    """log P(continuation | context), the model run directly: the joined text encoded once (a context's
    trailing spaces belong to the continuation), the continuation's tokens those after the context's."""
    import torch

    spaces = len(context) - len(context.rstrip())
    if spaces:
        context, continuation = context[:-spaces], context[-spaces:] + continuation
    whole = tokenizer(context + continuation)["input_ids"]
    start = len(tokenizer(context)["input_ids"])
    with torch.no_grad():
        logits = model(torch.tensor([whole])).logits[0].log_softmax(-1)
    return float(sum(logits[i - 1, whole[i]] for i in range(start, len(whole))))


def test_xcopa_through_the_harness_equals_the_likelihood_choice_recomputed(
    twin, shared_data, in_tmp, monkeypatch
):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    data = shared_data / "xcopa/zh/val.zh.jsonl"
    tasks = {"xcopa-zh": {"kind": "lm_eval", "task": "xcopa_zh", "data": str(data), "limit": 40}}
    result = run_cell(in_tmp, twin, tasks, monkeypatch)["xcopa-zh"]
    items = read_jsonl(data)[:40]
    samples = read_jsonl(in_tmp / "data/evals/base/xcopa-zh.jsonl")
    assert result["items"] == len(samples) == 40 and result["task"] == "xcopa_zh"
    assert result["lm_eval"] == "0.4.13" and result["n_shot"] == 0 and result["task_version"] == 1.0
    model, tokenizer = AutoModelForCausalLM.from_pretrained(twin).eval(), AutoTokenizer.from_pretrained(twin)
    correct = []
    for sample in samples:
        item = items[sample["doc_id"]]
        (context, first), (_, second) = sample["arguments"]
        # the harness's prompt is the file's premise without its full stop, then the connective
        assert context.startswith(item["premise"].strip()[:-1]) and sample["target"] == item["label"]
        assert [first.strip(), second.strip()] == [item["choice1"], item["choice2"]]
        scores = [continuation_logprob(model, tokenizer, context, choice) for choice in (first, second)]
        assert scores == pytest.approx([response[0] for response in sample["responses"]], abs=1e-3)
        correct.append(scores.index(max(scores)) == item["label"])
    assert result["metrics"]["acc"] == pytest.approx(sum(correct) / len(correct), abs=1e-4)


ARTICLES = {"en": r"a|an|the", "de": r"ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des"}


def squad_normalise(text: str, lang: str = "en") -> str:
    """SQuAD v1.1's answer normalisation (MLQA's for German: its articles, every Unicode punctuation mark):
    lower case, no punctuation, no articles, single spaces."""
    marks = set(string.punctuation) if lang == "en" else None
    text = "".join(
        c for c in text.lower() if not (c in marks if marks else unicodedata.category(c).startswith("P"))
    )
    return " ".join(re.sub(rf"\b({ARTICLES[lang]})\b", " ", text).split())


def squad_f1(prediction: str, gold: str, lang: str = "en") -> float:
    ours, theirs = squad_normalise(prediction, lang).split(), squad_normalise(gold, lang).split()
    common = sum((Counter(ours) & Counter(theirs)).values())
    if not ours or not theirs:
        return float(ours == theirs)
    if not common:
        return 0.0
    precision, recall = common / len(ours), common / len(theirs)
    return 2 * precision * recall / (precision + recall)


def test_xquad_through_the_harness_on_squad_json_equals_em_and_f1_recomputed(
    twin, shared_data, in_tmp, monkeypatch
):
    """XQuAD's own release (SQuAD v1.1 JSON) read into the hub's layout; the harness's xquad_de."""
    data = shared_data / "xquad/xquad.de.json"
    tasks = {"xquad-de": {"kind": "lm_eval", "task": "xquad_de", "data": str(data), "limit": 12}}
    result = run_cell(in_tmp, twin, tasks, monkeypatch)["xquad-de"]
    samples = read_jsonl(in_tmp / "data/evals/base/xquad-de.jsonl")
    squad = json.loads(data.read_text(encoding="utf-8"))
    first_paragraph = squad["data"][0]["paragraphs"][0]
    assert len(samples) == 12 and samples[0]["arguments"][0][0].startswith(
        f"Kontext: {first_paragraph['context']}"
    )
    assert samples[0]["target"] == first_paragraph["qas"][0]["answers"][0]["text"]
    answers = [sample["responses"][0] for sample in samples]
    em = [
        float(squad_normalise(a) == squad_normalise(s["target"]))
        for a, s in zip(answers, samples, strict=True)
    ]
    f1 = [squad_f1(a, s["target"]) for a, s in zip(answers, samples, strict=True)]
    assert result["metrics"]["exact_match"] == pytest.approx(sum(em) / len(em), abs=1e-4)
    assert result["metrics"]["f1"] == pytest.approx(sum(f1) / len(f1), abs=1e-4)


def test_xllm_qa_scores_its_answers_as_squad_and_x_llm_do(shared_data, in_tmp, monkeypatch, tiny_lm):
    """x-LLM's protocol on XQuAD German: its prompt in the model's format, the answer stripped; match, EM and
    F1 recomputed here. The answers come from a stand-in for the model (some right, some partly, some not),
    so the figures are not all zero."""
    squad = json.loads((shared_data / "xquad/xquad.de.json").read_text(encoding="utf-8"))
    golds = [qa["answers"][0]["text"] for qa in squad["data"][0]["paragraphs"][0]["qas"]][:4]
    answers = [f"  {golds[0]} \n", f"Die {golds[1]} wohl", "nichts", golds[3].upper()]
    monkeypatch.setattr(
        evaluate, "generate", lambda model, tokenizer, texts, spec, params: answers[: len(texts)]
    )
    (in_tmp / "prompts.yaml").write_text(
        'instruction: {de: "Beantworte die Frage."}\ntemplate: {de: "K: {context}\\nF: {question}\\nA: "}\n'
    )
    tasks = {
        "qa-de": {
            "kind": "xllm_qa",
            "data": str(shared_data / "xquad/xquad.de.json"),
            "prompts": "prompts.yaml",
            "lang": "de",
            "limit": 4,
        }
    }
    result = run_cell(in_tmp, tiny_lm, tasks, monkeypatch)["qa-de"]
    records = read_jsonl(in_tmp / "data/evals/base/qa-de.jsonl")
    context = squad["data"][0]["paragraphs"][0]["context"]
    question = squad["data"][0]["paragraphs"][0]["qas"][0]["question"]
    assert records[0]["prompt"].endswith(
        "### Instruction:\nBeantworte die Frage.\n\n### Input:\n"
        f"K: {context}\nF: {question}\nA: \n\n### Response:"
    )
    assert [r["answer"] for r in records] == [a.strip() for a in answers]
    match = [float(g.lower() in a.strip().lower()) for g, a in zip(golds, answers, strict=True)]
    em = [
        float(squad_normalise(a, "de") == squad_normalise(g, "de"))
        for g, a in zip(golds, answers, strict=True)
    ]
    f1 = [squad_f1(a, g, "de") for g, a in zip(golds, answers, strict=True)]
    assert result["metrics"]["match"] == pytest.approx(sum(match) / 4) and sum(match) == 3
    assert result["metrics"]["exact_match"] == pytest.approx(sum(em) / 4) and sum(em) == 2
    assert result["metrics"]["f1"] == pytest.approx(sum(f1) / 4, abs=1e-4) and 0.5 < sum(f1) / 4 < 1


def test_x_llms_own_prompt_file_is_read_as_literals(in_tmp):
    (in_tmp / "xquad.py").write_text(
        "import os\n_INSTRUCTIONS = {\n'de': 'Antworte.',\n}\n"
        "_TEMPLATES = {\n'de': '''\\\nK: {context}\nA: ''',\n}\n"
        "raise SystemExit('never run')\n"
    )
    prompts = evaluate.read_qa_prompts("xquad.py")
    assert prompts == {"instruction": {"de": "Antworte."}, "template": {"de": "K: {context}\nA: "}}


CHAT = [
    {
        "prompt": "Bitte erkläre diesen Satz: Der Hund sieht die Katze.",
        "reference": "Der Hund schaut die Katze an.",
    },
    {
        "prompt": "Was passiert in diesem Satz? Die Frau kauft das Buch.",
        "reference": "Die Frau bezahlt das Buch.",
    },
    {
        "prompt": "Kannst du diese Geschichte fortsetzen? Das Kind isst den Apfel.",
        "reference": "Dann spielt es im Garten.",
    },
]


@pytest.mark.parametrize(
    "answers, on_target",
    [
        (
            [
                "The dog is looking at the cat right now.",
                "The woman pays for the book.",
                "Then it plays outside.",
            ],
            0.0,
        ),
        ([item["reference"] for item in CHAT], 1.0),
    ],
)
def test_chat_answers_are_checked_for_the_target_language(answers, on_target, in_tmp, monkeypatch, tiny_lm):
    """A model answering in English is off target every time; the German references are on target."""
    write_lines(in_tmp / "chat.jsonl", [json.dumps(item, ensure_ascii=False) for item in CHAT])
    monkeypatch.setattr(evaluate, "generate", lambda model, tokenizer, texts, spec, params: answers)
    tasks = {"chat-de": {"kind": "chat", "prompts": "chat.jsonl", "lang": "de"}}
    result = run_cell(in_tmp, tiny_lm, tasks, monkeypatch)["chat-de"]
    assert result["metrics"]["on_target"] == on_target
    assert result["metrics"]["empty"] == 0 and result["metrics"]["repeats_prompt"] == 0
    assert result["metrics"]["mean_words"] == pytest.approx(
        sum(len(a.split()) for a in answers) / 3, abs=0.01
    )
    assert result["identifier"].startswith("py3langid:")
    records = read_jsonl(in_tmp / "data/evals/base/chat-de.jsonl")
    assert [r["lang"] for r in records] == (["en"] * 3 if on_target == 0 else ["de"] * 3)


def test_empty_and_repeated_answers_are_counted():
    metrics, items = evaluate.chat_figures(
        ["", "Bitte erkläre diesen Satz: Der Hund.  Gut.", "Ja, gern."],
        ["a", "Bitte erkläre diesen Satz: Der Hund.", "b"],
        "de",
    )
    assert [i["empty"] for i in items] == [True, False, False]
    assert [i["repeats_prompt"] for i in items] == [False, True, False]
    assert metrics["empty"] == pytest.approx(1 / 3, abs=1e-4) and metrics["repeats_prompt"] == pytest.approx(
        1 / 3, abs=1e-4
    )


def write_answers(folder: Path, model: str, answers: list[str]) -> None:
    from stages.core import langid

    target = langid.target_labels("de")
    records = [
        {
            "id": f"c:{i}",
            "prompt": item["prompt"],
            "answer": answer,
            "on_target": langid.identify(answer) in target,
        }
        for i, (item, answer) in enumerate(zip(CHAT, answers, strict=True))
    ]
    write_lines(
        folder / f"data/evals/{model}/chat-de.jsonl", [json.dumps(r, ensure_ascii=False) for r in records]
    )


def test_the_judge_swaps_positions_and_a_wrong_language_answer_loses(twin, in_tmp):
    """A tiny local judge: asked only where both answers are German, once in each order; where one answer
    is English it loses without the judge."""
    write_answers(
        in_tmp,
        "base",
        ["Der Hund schaut die Katze an.", "The woman pays for the book.", "Dann spielt es im Garten."],
    )
    write_answers(
        in_tmp,
        "sft",
        [
            "Die Katze wird vom Hund gesehen.",
            "Die Frau bezahlt das Buch.",
            "The child plays in the garden now.",
        ],
    )
    write_params(
        in_tmp,
        base={"model": str(twin)},
        infer={"models": ["base", "sft"]},
        evaluate={"tasks": {"chat-de": {"kind": "chat", "prompts": "chat.jsonl", "lang": "de"}}},
        judge={"model": str(twin), "against": "base"},
    )
    judge.main()
    records = read_jsonl(in_tmp / "data/judge/judgements.jsonl")
    result = json.loads((in_tmp / "data/judge/results.json").read_text())["chat-de"]["sft"]
    first, second, third = records
    assert second["outcome"] == "win" and "off the language" in second["why"] and "judge_orders" not in second
    assert third["outcome"] == "loss" and "judge_orders" not in third
    # asked in both orders; a judge that prefers one position whatever it reads gives a tie
    assert len(first["judge_orders"]) == 2 and set(first["judge_orders"]) <= {1, 2}
    wins = (first["judge_orders"][0] == 1) + (first["judge_orders"][1] == 2)
    assert first["outcome"] == {2: "win", 1: "tie", 0: "loss"}[wins]
    assert (result["wins"], result["ties"], result["losses"]) == (
        1 + (first["outcome"] == "win"),
        int(first["outcome"] == "tie"),
        1 + (first["outcome"] == "loss"),
    )
    prompts = [
        judge.judge_prompt(
            CHAT[0]["prompt"], "Die Katze wird vom Hund gesehen.", "Der Hund schaut die Katze an."
        ),
        judge.judge_prompt(
            CHAT[0]["prompt"], "Der Hund schaut die Katze an.", "Die Katze wird vom Hund gesehen."
        ),
    ]
    from stages.core.models import load_causal_lm, load_tokenizer

    assert (
        judge.preference(load_causal_lm(str(twin)), load_tokenizer(str(twin)), prompts, 1024)
        == first["judge_orders"]
    )


def test_the_judge_is_off_by_default(in_tmp):
    write_params(in_tmp)
    judge.main()
    assert json.loads((in_tmp / "data/judge/results.json").read_text()) == {}
    assert "judge.model is empty" in (in_tmp / "data/judge/README.md").read_text()


def test_chat_prompts_can_be_oasst_root_prompts_in_the_language(shared_data):
    """OASST as the prompt source: its root prompts in the task's language, deleted ones left out (the
    validation split, which training does not read, when it is a hub id or saved folder)."""
    rows = read_jsonl(shared_data / "oasst/oasst1-validation.en.jsonl")
    prompts = evaluate.read_chat_prompts(
        str(shared_data / "oasst/oasst1-validation.en.jsonl"), "en", "validation"
    )
    roots = [r["text"] for r in rows if r["parent_id"] is None and not r["deleted"]]
    assert [p["prompt"] for p in prompts] == roots and len(roots) > 150
    assert evaluate.read_chat_prompts(str(shared_data / "oasst/oasst1-validation.en.jsonl"), "de", "x") == []

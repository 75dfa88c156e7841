import pytest

from stages.core.prompts import (
    HINTS,
    INFERENCE_INSTRUCTION,
    alpaca_prompt,
    postprocess,
    render_instruction,
    sft_example,
    with_hint,
)


def test_parrot_inference_strings_are_exact():
    assert render_instruction(INFERENCE_INSTRUCTION, "zh", "en") == (
        "Translate the following sentences from Chinese to English."
    )
    assert HINTS["no_errors"] == "A translation with no errors could be"
    assert HINTS["minor"] == "A translation with minor errors could be"
    assert HINTS["major"] == "A translation with major errors could be"
    assert HINTS["preferred"] == "We prefer to translate it to"


def test_hint_sits_at_the_end_of_the_input():
    assert (
        with_hint("Hallo.", HINTS["minor"]) == "Hallo.\n\n### Hint: A translation with minor errors could be"
    )
    assert with_hint("Hallo.", None) == "Hallo."


def test_training_and_inference_prompts_match():
    example = sft_example("Translate.", "Hallo.", "Hello.", "alpaca")
    assert example["prompt"] == alpaca_prompt("Translate.", "Hallo.")
    assert example["prompt"].endswith("### Input:\nHallo.\n\n### Response:")
    assert alpaca_prompt("Name three animals.").endswith(
        "### Instruction:\nName three animals.\n\n### Response:"
    )
    chat = sft_example("Translate.", "Hallo.", "Hello.", "chat")
    assert chat["messages"] == [
        {"role": "user", "content": "Translate.\n\nHallo."},
        {"role": "assistant", "content": "Hello."},
    ]


@pytest.mark.parametrize(
    "raw, expected",
    [
        (" Der Hund schläft. ", "Der Hund schläft."),
        ("Der Hund.\n\n### Response: Die Katze.", "Der Hund."),  # the model began another response
        ("Zeile eins\nZeile zwei", "Zeile eins Zeile zwei"),
        ("<p>Gut.</p> rather than <p>Schlecht.</p>", "Gut."),
        ("Der <v>Katze</v> schläft.", "Der Katze schläft."),
        ("<p>Der <v>Hund</v>.</p> rather than <p>x</p>", "Der Hund."),
        ("", ""),
    ],
)
def test_postprocess(raw, expected):
    assert postprocess(raw) == expected


@pytest.mark.parametrize(
    "raw, parrot, ours",
    [
        (" Der Hund.\r\nZwei ", "Der Hund.\r Zwei", "Der Hund. Zwei"),
        ("<p> a </p> rather than <p>b</p>", " a ", "a"),
        ("<p>x <p>y</p> z</p>", "y", "x <p>y"),
        ("Der <v>Katze</v>. ### Response: x", "Der <v>Katze</v>.", "Der Katze."),
    ],
)
def test_parrot_postprocessing_as_its_inference_script(raw, parrot, ours):
    # ParroT: split("### Response:")[1].strip(), newlines as spaces, the first </p> after the last <p>.
    assert postprocess(raw, "parrot") == parrot
    assert postprocess(raw) == ours

"""Each translation engine on a tiny local model of its real architecture class."""

import io
import json
import os
from pathlib import Path

import pytest
import sentencepiece as spm
import torch

from stages.core.ct2 import model_identity
from stages.core.engines import (
    CausalTranslator,
    CTranslate2Translator,
    Hop,
    Seq2SeqTranslator,
    load_translator,
    route,
)
from stages.core.params import Translate
from stages.embedded.marian import build_tiny_marian

TEXTS = ["The dog sleeps.", "The cat eats the fish.", "Hello", "The bird sings a song today."]
EN = ["The dog sleeps.", "The cat eats.", "The bird sings.", "The dog eats."]
DE = ["Der Hund schläft.", "Die Katze isst.", "Der Vogel singt.", "Der Hund isst."]


def _spm(folder: Path, symbols: list[str] = ()) -> Path:
    """A SentencePiece model trained in a second on toy text, with `symbols` as whole pieces."""
    writer = io.BytesIO()
    with open(os.devnull, "w") as quiet:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter((TEXTS + EN + DE) * 5),
            model_writer=writer,
            vocab_size=120,
            hard_vocab_limit=False,
            character_coverage=1.0,
            user_defined_symbols=list(symbols),
            logstream=quiet,
        )
    path = folder / "spm.model"
    path.write_bytes(writer.getvalue())
    return path


def _vocab_size(tokenizer) -> int:
    """Language tokens sit after the SentencePiece vocabulary, then M2M-100's 8 made-up words (as in its
    released config: 128004 pieces + 100 languages + 8 = 128112)."""
    top = max([*tokenizer.get_vocab().values(), *getattr(tokenizer, "lang_token_to_id", {}).values()])
    return top + 1 + getattr(tokenizer, "num_madeup_words", 0)


def _tiny_m2m_config(vocab_size: int, tokenizer):
    from transformers import M2M100Config

    return M2M100Config(vocab_size=vocab_size, **_tiny_bart_sizes(), **_special_ids(tokenizer))


def _tiny_bart_sizes() -> dict:
    """One tiny layer each side, for the BART-shaped translators (M2M-100, mBART, SeamlessM4T's text part)."""
    return dict(
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
    )


def _special_ids(tokenizer) -> dict:
    """The special ids as the released configs set them: the decoder starts from EOS."""
    return dict(
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )


@pytest.fixture(scope="module")
def tiny_m2m100(tmp_path_factory) -> Path:
    from transformers import M2M100ForConditionalGeneration, M2M100Tokenizer
    from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

    folder = tmp_path_factory.mktemp("m2m100")
    model_file = _spm(folder)
    pieces = spm.SentencePieceProcessor(model_file=str(model_file))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for index in range(pieces.get_piece_size()):
        vocab.setdefault(pieces.id_to_piece(index), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab))
    # As in facebook/m2m100_418M's files: the language tokens listed as additional special tokens.
    codes = FAIRSEQ_LANGUAGE_CODES["m2m100"]
    tokenizer = M2M100Tokenizer(
        str(folder / "vocab.json"), str(model_file), additional_special_tokens=[f"__{c}__" for c in codes]
    )
    torch.manual_seed(0)
    model = M2M100ForConditionalGeneration(_tiny_m2m_config(_vocab_size(tokenizer), tokenizer))
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_nllb(tmp_path_factory) -> Path:
    from transformers import M2M100ForConditionalGeneration, NllbTokenizer

    folder = tmp_path_factory.mktemp("nllb")
    tokenizer = NllbTokenizer(str(_spm(folder)))
    torch.manual_seed(0)
    model = M2M100ForConditionalGeneration(_tiny_m2m_config(_vocab_size(tokenizer), tokenizer))
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_madlad(tmp_path_factory) -> Path:
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    folder = tmp_path_factory.mktemp("madlad")
    # MADLAD-400's vocabulary holds a `<2xx>` piece per language; so does this one.
    tokenizer = T5Tokenizer(str(_spm(folder, ["<2de>", "<2en>"])), extra_ids=0)
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_heads=2,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    tokenizer.save_pretrained(folder)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_mbart50(tmp_path_factory) -> Path:
    """mBART-50's tokenizer class (its 52 language codes after a SentencePiece vocabulary) and model class."""
    from transformers import MBart50Tokenizer, MBartConfig, MBartForConditionalGeneration

    folder = tmp_path_factory.mktemp("mbart50")
    # the released special_tokens_map.json names <s> as BOS; the class alone does not
    tokenizer = MBart50Tokenizer(str(_spm(folder)), src_lang="en_XX", bos_token="<s>")
    config = MBartConfig(
        vocab_size=len(tokenizer),
        **_tiny_bart_sizes(),
        **_special_ids(tokenizer),  # as facebook/mbart-large-50-many-to-many-mmt
        forced_eos_token_id=tokenizer.eos_token_id,
        # keys of the released config.json that CTranslate2's converter reads
        normalize_before=True,
        add_final_layer_norm=True,
        scale_embedding=True,
        tokenizer_class="MBart50Tokenizer",
    )
    torch.manual_seed(0)
    tokenizer.save_pretrained(folder)
    MBartForConditionalGeneration(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_seamless(tmp_path_factory) -> Path:
    """SeamlessM4T v2's tokenizer class (`__xxx__` language tokens) and text-to-text model class, its
    generation config mapping each written language to its decoder token as the released one does."""
    from transformers import SeamlessM4TTokenizer, SeamlessM4Tv2Config, SeamlessM4Tv2ForTextToText

    folder = tmp_path_factory.mktemp("seamless")
    languages = ["eng", "deu", "cmn"]
    tokenizer = SeamlessM4TTokenizer(
        str(_spm(folder)), src_lang="eng", additional_special_tokens=[f"__{c}__" for c in languages]
    )
    sizes = _tiny_bart_sizes()
    config = SeamlessM4Tv2Config(
        vocab_size=len(tokenizer),
        hidden_size=sizes.pop("d_model"),
        **sizes,
        speech_encoder_layers=1,
        speech_encoder_attention_heads=2,
        speech_encoder_intermediate_size=32,
        t2u_encoder_layers=1,
        t2u_decoder_layers=1,
        t2u_encoder_attention_heads=2,
        t2u_decoder_attention_heads=2,
        t2u_encoder_ffn_dim=32,
        t2u_decoder_ffn_dim=32,
        **_special_ids(tokenizer),
    )
    torch.manual_seed(0)
    model = SeamlessM4Tv2ForTextToText(config)
    model.generation_config._from_model_config = False  # saved as its own file, as the released one
    model.generation_config.text_decoder_lang_to_code_id = {
        c: tokenizer.convert_tokens_to_ids(f"__{c}__") for c in languages
    }
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


def test_mbart50_reads_its_source_code_and_forces_the_target_code(tiny_mbart50, tmp_path):
    config = _config(engine="mbart50", model=str(tiny_mbart50))
    [hop] = route(config, "en", "zh")
    assert (hop.src, hop.tgt) == ("en_XX", "zh_CN")
    translator = load_translator(config, hop, Path("unused"))
    assert type(translator.model).__name__ == "MBartForConditionalGeneration"
    en, zh = (translator.tokenizer.convert_tokens_to_ids(code) for code in ("en_XX", "zh_CN"))
    assert translator.tokenizer(["The dog"])["input_ids"][0][0] == en
    generated = translator.generate(TEXTS, 6)
    assert generated[:, 1].tolist() == [zh] * len(TEXTS)  # after the decoder start </s>
    outputs = translator.translate(TEXTS, 6)
    assert len(outputs) == len(TEXTS) and not any("zh_CN" in text for text in outputs)
    fast = CTranslate2Translator("mbart50", hop, tmp_path / "ct2", "default")
    assert fast.translate(TEXTS, 6) == outputs  # the same greedy tokens on CTranslate2
    assert route(config, "pt-BR", "de")[0].src == "pt_XX"
    with pytest.raises(LookupError, match="mBART-50 does not know language 'da'"):
        route(config, "da", "de")


def test_seamless_reads_its_source_token_and_is_told_the_target(tiny_seamless):
    config = _config(engine="seamless", model=str(tiny_seamless))
    [hop] = route(config, "en", "zh")
    assert (hop.src, hop.tgt) == ("eng", "cmn")  # Mandarin: SeamlessM4T has no `zho`
    translator = load_translator(config, hop, Path("unused"))
    assert type(translator.model).__name__ == "SeamlessM4Tv2ForTextToText"
    tokens = translator.tokenizer.convert_ids_to_tokens(translator.tokenizer(["The dog"])["input_ids"][0])
    assert tokens[0] == "__eng__"
    generated = translator.generate(TEXTS, 6)
    assert generated[:, 1].tolist() == [translator.tokenizer.convert_tokens_to_ids("__cmn__")] * len(TEXTS)
    outputs = translator.translate(TEXTS, 6)
    assert len(outputs) == len(TEXTS) and not any("__" in text for text in outputs)
    [hop] = route(config, "en", "fr")
    with pytest.raises(LookupError, match="does not write 'fra' \\(its target languages: cmn, deu, eng\\)"):
        load_translator(config, hop, Path("unused"))
    with pytest.raises(ValueError, match="the seamless engine runs on transformers only"):
        _config(engine="seamless", model=str(tiny_seamless), backend="ctranslate2")


@pytest.fixture(scope="module")
def trained_marian(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("marian") / "opus-mt-en-de"
    build_tiny_marian(folder, EN * 10, DE * 10, seed=0, steps=150)
    return folder


def _config(**values) -> Translate:
    base = {"batch_tokens": 256, "max_new_tokens_ratio": 1.5, "oasst": "o", "alpaca": "a"}
    return Translate(**(base | values))


def test_m2m100_reads_the_source_code_and_forces_the_target_token(tiny_m2m100):
    [hop] = route(_config(engine="m2m100", model=str(tiny_m2m100)), "en", "de")
    translator = load_translator(_config(engine="m2m100", model=str(tiny_m2m100)), hop, Path("unused"))
    assert type(translator.model).__name__ == "M2M100ForConditionalGeneration"
    en, de = translator.tokenizer.get_lang_id("en"), translator.tokenizer.get_lang_id("de")
    assert translator.tokenizer(["The dog"])["input_ids"][0][0] == en
    generated = translator.generate(TEXTS, 6)
    assert generated[:, 1].tolist() == [de] * len(TEXTS)
    outputs = translator.translate(TEXTS, 6)
    assert len(outputs) == len(TEXTS) and outputs == translator.translate(TEXTS, 6)


def test_nllb_uses_flores_codes(tiny_nllb):
    config = _config(engine="nllb", model=str(tiny_nllb))
    [hop] = route(config, "en", "de")
    assert (hop.src, hop.tgt) == ("eng_Latn", "deu_Latn")
    translator = load_translator(config, hop, Path("unused"))
    target = translator.tokenizer.convert_tokens_to_ids("deu_Latn")
    assert target != translator.tokenizer.unk_token_id
    assert (
        translator.tokenizer.convert_tokens_to_ids("eng_Latn")
        in translator.tokenizer(["The dog"])["input_ids"][0]
    )
    assert translator.generate(TEXTS, 5)[:, 1].tolist() == [target] * len(TEXTS)
    with pytest.raises(LookupError, match="no NLLB-200 code"):
        route(config, "xx", "de")


def test_madlad_puts_the_target_token_in_front(tiny_madlad):
    config = _config(engine="madlad", model=str(tiny_madlad))
    [hop] = route(config, "en", "de")
    translator = load_translator(config, hop, Path("unused"))
    assert type(translator.model).__name__ == "T5ForConditionalGeneration"
    marker = translator.tokenizer.convert_tokens_to_ids("<2de>")
    ids = translator.tokenizer(translator.inputs(["The dog sleeps."]))["input_ids"][0]
    assert ids[0] == marker or ids[1] == marker
    assert len(translator.translate(TEXTS, 5)) == len(TEXTS)


def test_llm_prompts_in_towers_words_through_the_chat_template(tiny_lm):
    config = _config(engine="llm", model=str(tiny_lm))
    [hop] = route(config, "en", "de")
    translator = load_translator(config, hop, Path("unused"))
    assert isinstance(translator, CausalTranslator)
    assert type(translator.model).__name__ == "LlamaForCausalLM"
    [prompt] = translator.prompts(["The dog sleeps."])
    assert (
        "Translate the following text from English into German.\nEnglish: The dog sleeps.\nGerman:" in prompt
    )
    assert prompt.startswith("<|user|>")  # the model's own chat template, not a hard-coded one
    lengths, source = translator.lengths(TEXTS), translator.source_lengths(TEXTS)
    assert all(full > alone for full, alone in zip(lengths, source, strict=True))
    outputs = translator.translate(TEXTS, 8)
    assert len(outputs) == len(TEXTS) and all("\n" not in text for text in outputs)
    assert outputs == translator.translate(TEXTS, 8)


def test_llm_on_ctranslate2_translates_as_on_transformers(tiny_lm, tmp_path):
    """translate.backend ctranslate2 for the llm engine: the causal LM converted once into the cache, the
    same prompts and greedy tokens on the one generation path."""
    from stages.core.ct2 import CTranslate2Model

    slow = load_translator(
        _config(engine="llm", model=str(tiny_lm)),
        route(_config(engine="llm", model=str(tiny_lm)), "en", "de")[0],
        Path("unused"),
    )
    config = _config(engine="llm", model=str(tiny_lm), backend="ctranslate2")
    [hop] = route(config, "en", "de")
    fast = load_translator(config, hop, tmp_path / "ct2")
    assert isinstance(fast.model, CTranslate2Model)
    [folder] = (tmp_path / "ct2").iterdir()
    assert (folder / "model.bin").is_file() and folder.name.startswith("tiny_lm")
    assert fast.translate(TEXTS, 8) == slow.translate(TEXTS, 8)


def test_llm_without_a_chat_template_gets_chatml(tiny_lm, tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    tokenizer.chat_template = None
    folder = tmp_path / "plain"
    tokenizer.save_pretrained(folder)
    for path in tiny_lm.iterdir():
        if not (folder / path.name).exists():
            (folder / path.name).write_bytes(path.read_bytes())
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    translator = CausalTranslator(Hop(str(folder), "en", "de"), _config().prompt)
    assert translator.prompts(["Hi"])[0].startswith("<|im_start|>user\nTranslate the following text")


def test_ctranslate2_matches_transformers_on_marian(trained_marian, tmp_path):
    hop = Hop(str(trained_marian), "en", "de")
    reference = Seq2SeqTranslator("opus-mt", hop).translate(EN, 20)
    assert reference == DE
    fast = CTranslate2Translator("opus-mt", hop, tmp_path / "ct2", "default")
    assert fast.translate(EN, 20) == reference
    [converted] = (tmp_path / "ct2").iterdir()
    assert (converted / "model.bin").exists() and model_identity(str(trained_marian))[:16] in converted.name
    # Converted once: a second load reuses the folder.
    stamp = (converted / "model.bin").stat().st_mtime_ns
    CTranslate2Translator("opus-mt", hop, tmp_path / "ct2", "default")
    assert (converted / "model.bin").stat().st_mtime_ns == stamp


def test_ctranslate2_forces_the_m2m100_target_token(tiny_m2m100, tmp_path):
    config = _config(engine="m2m100", model=str(tiny_m2m100))
    [hop] = route(config, "en", "de")
    reference = load_translator(config, hop, tmp_path)
    fast = CTranslate2Translator("m2m100", hop, tmp_path / "ct2", "default")
    results = fast.model.translate_batch(
        [fast.tokenizer.convert_ids_to_tokens(ids) for ids in fast.tokenizer(TEXTS)["input_ids"]],
        target_prefix=[["__de__"]] * len(TEXTS),
        max_decoding_length=5,
    )
    assert all(result.hypotheses[0][0] == "__de__" for result in results)
    assert fast.translate(TEXTS, 5) == reference.translate(TEXTS, 5)


def test_params_need_a_model_for_multilingual_engines():
    with pytest.raises(ValueError, match="engine 'nllb' needs a model"):
        _config(engine="nllb")
    assert _config(engine="llm", model="m", backend="ctranslate2").backend == "ctranslate2"


def _tiny_marian_of(source: Path, folder: Path) -> Path:
    """A tiny random MarianMT with a real OPUS-MT tokenizer and its config's special-token ids."""
    import shutil

    from transformers import MarianConfig, MarianMTModel

    shutil.copytree(source, folder)
    real = json.loads((source / "config.json").read_text(encoding="utf-8"))
    keep = ("vocab_size", "pad_token_id", "eos_token_id", "decoder_start_token_id", "bos_token_id")
    small = dict(d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2)
    small |= dict(decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32)
    torch.manual_seed(0)
    MarianMTModel(MarianConfig(**{k: real[k] for k in keep if k in real}, **small)).save_pretrained(folder)
    return folder


def test_a_multi_target_opus_model_gets_its_target_token_and_a_single_target_one_none(tmp_path):
    from .helpers import shared_model

    multi = _tiny_marian_of(shared_model("opus-mt-tc-big-en-pt"), tmp_path / "opus-mt-tc-big-en-pt")
    translator = Seq2SeqTranslator("opus-mt", Hop(str(multi), "en", "pt"))
    ids = translator.input_ids(["The dog sleeps."])[0]
    tokens = translator.tokenizer.convert_ids_to_tokens(ids)
    # Measured before: `▁The ▁dog … </s>`, no target token; the model needs `>>por<<` first.
    assert tokens[0] == ">>por<<" and tokens[-1] == "</s>" and ">>por<<" not in tokens[1:]
    assert len(translator.translate(["The dog sleeps."], 4)) == 1
    single = _tiny_marian_of(shared_model("opus-mt-en-mg"), tmp_path / "opus-mt-en-mg")
    translator = Seq2SeqTranslator("opus-mt", Hop(str(single), "en", "mg"))
    assert translator.target_token is None
    assert not translator.tokenizer.convert_ids_to_tokens(translator.input_ids(["The dog."])[0])[
        0
    ].startswith(">>")


def test_opus_target_tokens_follow_opus_codes_and_a_missing_one_is_named():
    from stages.core.engines import opus_target_token

    class Vocabulary:  # a test double: only what the lookup reads
        def __init__(self, *tokens):
            self.tokens = {token: index for index, token in enumerate(tokens)}

        def get_vocab(self):
            return self.tokens

    zh = Vocabulary(">>cmn_Hans<<", ">>cmn_Hant<<", ">>yue_Hant<<", "▁the")
    assert opus_target_token(zh, "zh", "opus-mt-en-zh") == ">>cmn_Hans<<"
    assert opus_target_token(Vocabulary(">>deu<<", ">>nld<<"), "de", "m") == ">>deu<<"
    assert opus_target_token(Vocabulary("▁the"), "de", "m") is None
    with pytest.raises(LookupError, match="opus-mt-en-zh is a multi-target OPUS-MT model .* 'de'"):
        opus_target_token(zh, "de", "opus-mt-en-zh")


def test_an_engine_that_lacks_a_language_is_refused_up_front(tmp_path):
    import yaml

    from stages.core.engines import model_code
    from stages.core.params import ParamsError, load_params

    from .helpers import SHIPPED

    raw = SHIPPED | {"base": SHIPPED["base"] | {"target_lang": "eu"}}
    raw["translate"] = SHIPPED["translate"] | {"engine": "m2m100", "model": "facebook/m2m100_418M"}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ParamsError) as error:
        load_params(tmp_path / "params.yaml")
    assert "M2M-100 does not know language 'eu'" in dict(error.value.problems)["base.target_lang"]
    with pytest.raises(LookupError, match="M2M-100 does not know language 'eu'"):
        model_code("m2m100", "eu")  # a source language met in the data
    assert model_code("madlad", "eu") == "eu" and model_code("nllb", "eu") == "eus_Latn"


def test_ctranslate2_agrees_where_the_model_is_unsure(trained_marian, tmp_path):
    """The decoder starts from `<pad>`, whose embedding row stays zero as in OPUS-MT models: CTranslate2
    (which drops the row and starts from a zero vector) and Transformers then decode alike, also on
    sentences the model never saw, where a different start changes the output."""
    hop = Hop(str(trained_marian), "en", "de")
    reference = Seq2SeqTranslator("opus-mt", hop)
    pad = reference.tokenizer.pad_token_id
    assert not reference.model.get_input_embeddings().weight[pad].any()
    unseen = [" ".join(reversed(text.rstrip(".").split())) + "." for text in EN]
    unseen += [f"{a.rstrip('.')} and {b.lower()}" for a, b in zip(EN, EN[1:], strict=False)]
    fast = CTranslate2Translator("opus-mt", hop, tmp_path / "ct2", "default")
    assert fast.translate(unseen, 20) == reference.translate(unseen, 20)
    # At the length cap Transformers puts the forced EOS in place of the last token: the same text
    for cap in (2, 3):
        assert fast.translate(EN + unseen, cap) == reference.translate(EN + unseen, cap)

"""`lingtune export`: a LoRA adapter merged into its base, and GGUF files read back."""

import json
import os

import numpy as np
import pytest
import torch
import yaml

from stages.commands import cli, export
from stages.core.io import InputError
from stages.core.models import load_causal_lm, load_tokenizer

from .helpers import SHIPPED

PROMPT = "Translate the following sentences from English to German.\n\nThe dog sleeps."


@pytest.fixture(scope="module")
def adapter(tiny_lm, tmp_path_factory):
    """A LoRA adapter on the tiny Llama, randomly initialised so that it changes what the model says."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    config = LoraConfig(
        r=4,
        lora_alpha=8,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        init_lora_weights=False,
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_lm), config)
    folder = tmp_path_factory.mktemp("adapter")
    model.save_pretrained(folder)  # no tokenizer: the base's is found through adapter_config.json
    return folder


def greedy(model, tokenizer, new_tokens: int = 16) -> list[int]:
    encoded = tokenizer(PROMPT, return_tensors="pt", return_token_type_ids=False)
    with torch.inference_mode():
        output = model.generate(
            **encoded, max_new_tokens=new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id
        )
    return output[0, encoded["input_ids"].shape[1] :].tolist()


@pytest.fixture(scope="module")
def merged(adapter, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    reports = folder / "reports"
    reports.mkdir()
    metrics = {"sample-en-de": {"sft": {"none": {"bleu": 76.57, "chrf": 88.17, "off_target": 0.0}}}}
    (reports / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    (reports / "train.json").write_text(json.dumps({"train_loss": 0.81, "steps": 40}), encoding="utf-8")
    (folder / "params.yaml").write_text(yaml.safe_dump(SHIPPED), encoding="utf-8")
    out = folder / "merged"
    args = ["export", "merge", str(adapter), str(out), "--params", str(folder / "params.yaml")]
    cli.main([*args, "--reports", str(reports)])
    return out


def test_merged_model_generates_what_the_adapter_on_its_base_generates(tiny_lm, adapter, merged):
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(str(merged))
    on_base = greedy(load_causal_lm(str(adapter)), tokenizer)
    reloaded = AutoModelForCausalLM.from_pretrained(merged)
    assert greedy(reloaded, tokenizer) == on_base
    # The adapter matters: the base alone says something else.
    assert greedy(AutoModelForCausalLM.from_pretrained(tiny_lm), tokenizer) != on_base
    assert not any(".lora_" in name for name in reloaded.state_dict())


def test_merged_folder_has_safetensors_tokenizer_chat_template_generation_config(tiny_lm, merged):
    names = {path.name for path in merged.iterdir()}
    assert {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json"} <= names
    assert "adapter_config.json" not in names and "pytorch_model.bin" not in names
    tokenizer = load_tokenizer(str(merged))
    assert tokenizer.chat_template == load_tokenizer(str(tiny_lm)).chat_template
    generation = json.loads((merged / "generation_config.json").read_text())
    assert generation["eos_token_id"] == tokenizer.eos_token_id
    assert json.loads((merged / "config.json").read_text())["dtype"] == "float32"  # the base's dtype


def test_merged_weights_keep_the_bases_dtype(tiny_lm, tmp_path):
    from peft import LoraConfig, get_peft_model
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_lm, dtype=torch.bfloat16)
    base.save_pretrained(tmp_path / "base")
    load_tokenizer(str(tiny_lm)).save_pretrained(tmp_path / "base")
    lora = LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False, task_type="CAUSAL_LM")
    get_peft_model(AutoModelForCausalLM.from_pretrained(tmp_path / "base"), lora).save_pretrained(
        tmp_path / "a"
    )
    cli.main(["export", "merge", str(tmp_path / "a"), str(tmp_path / "m"), "--reports", str(tmp_path)])
    with safe_open(tmp_path / "m" / "model.safetensors", "pt") as weights:
        assert weights.get_tensor("model.layers.0.self_attn.q_proj.weight").dtype == torch.bfloat16
    cli.main(["export", "merge", str(tmp_path / "a"), str(tmp_path / "m32"), "--dtype", "float32"])
    with safe_open(tmp_path / "m32" / "model.safetensors", "pt") as weights:
        assert weights.get_tensor("model.layers.0.self_attn.q_proj.weight").dtype == torch.float32


def test_model_card_names_base_data_params_and_metrics(tiny_lm, merged):
    card = (merged / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert header["base_model"] == str(tiny_lm)
    assert header["language"] == ["de", "en", "zh"]
    assert SHIPPED["sft_data"]["mix"] in card
    assert f"| `learning_rate` | {SHIPPED['sft']['learning_rate']} |" in card
    assert "| sample-en-de | sft | none | 76.57 | 88.17 | 0.00 |" in card
    assert "train_loss 0.81, steps 40" in card


def test_model_card_without_reports_says_so(tmp_path):
    card = export.model_card("m", "base/model", {}, tmp_path)
    assert "No scores were found" in card and "base_model: base/model" in card


def test_merge_refuses_a_full_model(tiny_lm, tmp_path, capsys):
    with pytest.raises(InputError, match="not a PEFT adapter folder"):
        export.merge(cli.build_parser().parse_args(["export", "merge", str(tiny_lm), str(tmp_path / "out")]))
    # Through the command: one line naming the folder, exit status 1, no traceback.
    with pytest.raises(SystemExit) as done:
        cli.main(["export", "merge", str(tiny_lm), str(tmp_path / "out")])
    assert done.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("lingtune export: ") and "not a PEFT adapter folder" in error
    assert "Traceback" not in error and not (tmp_path / "out").exists()


@pytest.mark.network
def test_push_uploads_the_merged_folder(merged):
    repo = os.environ.get("LINGTUNE_TEST_HUB_REPO")
    if not repo:
        pytest.skip("set LINGTUNE_TEST_HUB_REPO to a hub repository you may write to")
    from huggingface_hub import HfApi

    export.push(merged, repo, private=True)
    assert {"README.md", "model.safetensors"} <= set(HfApi().list_repo_files(repo))


# --- GGUF ----------------------------------------------------------------------------------------------


def read_gguf(path):
    from gguf import GGUFReader

    reader = GGUFReader(path)
    return reader, {tensor.name: tensor for tensor in reader.tensors}


def field(reader, key):
    return reader.fields[key].contents()


@pytest.mark.parametrize("outtype", ["f32", "f16"])
def test_gguf_reads_back_with_the_models_tensors(tiny_lm, tmp_path, outtype):
    from transformers import AutoModelForCausalLM

    path = tmp_path / "tiny.gguf"
    cli.main(["export", "gguf", str(tiny_lm), str(path), "--outtype", outtype])
    reader, tensors = read_gguf(path)
    model = AutoModelForCausalLM.from_pretrained(tiny_lm)
    config, weights = model.config, model.state_dict()
    expected = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight"}
    for hf, gguf_name in [
        ("input_layernorm", "attn_norm"),
        ("self_attn.q_proj", "attn_q"),
        ("self_attn.k_proj", "attn_k"),
        ("self_attn.v_proj", "attn_v"),
        ("self_attn.o_proj", "attn_output"),
        ("post_attention_layernorm", "ffn_norm"),
        ("mlp.gate_proj", "ffn_gate"),
        ("mlp.up_proj", "ffn_up"),
        ("mlp.down_proj", "ffn_down"),
    ]:
        expected[f"blk.0.{gguf_name}.weight"] = f"model.layers.0.{hf}.weight"
    # Tied embeddings: no separate output tensor, llama.cpp reuses token_embd.
    assert set(tensors) == set(expected)
    for name, hf_name in expected.items():
        # GGUF stores dimensions innermost first: the reverse of PyTorch's order.
        assert list(tensors[name].shape) == list(weights[hf_name].shape)[::-1], name
        assert tensors[name].data.shape == tuple(weights[hf_name].shape), name
    tolerance = 1e-3 if outtype == "f16" else 0
    np.testing.assert_allclose(
        tensors["token_embd.weight"].data, weights["model.embed_tokens.weight"].numpy(), atol=tolerance
    )
    np.testing.assert_allclose(
        tensors["blk.0.attn_v.weight"].data, weights["model.layers.0.self_attn.v_proj.weight"], atol=tolerance
    )
    assert tensors["blk.0.attn_norm.weight"].data.dtype == np.float32  # norms stay float32
    assert tensors["blk.0.ffn_up.weight"].data.dtype == (np.float16 if outtype == "f16" else np.float32)
    assert field(reader, "general.architecture") == "llama"
    assert field(reader, "llama.block_count") == config.num_hidden_layers
    assert field(reader, "llama.embedding_length") == config.hidden_size
    assert field(reader, "llama.attention.head_count") == config.num_attention_heads
    assert field(reader, "llama.rope.dimension_count") == config.hidden_size // config.num_attention_heads
    tokenizer = load_tokenizer(str(tiny_lm))
    tokens = field(reader, "tokenizer.ggml.tokens")
    assert len(tokens) == config.vocab_size
    assert tokens[:50] == tokenizer.convert_ids_to_tokens(list(range(50)))
    assert field(reader, "tokenizer.ggml.model") == "gpt2"
    assert field(reader, "tokenizer.ggml.eos_token_id") == tokenizer.eos_token_id
    assert len(field(reader, "tokenizer.ggml.merges")) > 0
    assert field(reader, "tokenizer.chat_template") == export.without_generation_markers(
        tokenizer.chat_template
    )


def rope_hf(vectors: np.ndarray, position: int, base: float) -> np.ndarray:
    """Hugging Face's Llama: dimension i turns with i + d/2."""
    half = vectors.shape[-1] // 2
    angle = position * base ** (-np.arange(half) * 2 / vectors.shape[-1])
    first, second = vectors[..., :half], vectors[..., half:]
    cos, sin = np.cos(angle), np.sin(angle)
    return np.concatenate([first * cos - second * sin, second * cos + first * sin], axis=-1)


def rope_ggml(vectors: np.ndarray, position: int, base: float) -> np.ndarray:
    """GGML's normal rope (llama.cpp's Llama): dimension 2i turns with 2i + 1."""
    half = vectors.shape[-1] // 2
    angle = position * base ** (-np.arange(half) * 2 / vectors.shape[-1])
    even, odd = vectors[..., 0::2], vectors[..., 1::2]
    cos, sin = np.cos(angle), np.sin(angle)
    turned = np.empty_like(vectors)
    turned[..., 0::2], turned[..., 1::2] = even * cos - odd * sin, odd * cos + even * sin
    return turned


def attention_scores(weights: dict, config, rope) -> np.ndarray:
    """Layer 0's query-key scores of every head for two random inputs at positions 7 and 3."""
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    head_dim = config.hidden_size // heads
    rng = np.random.default_rng(0)
    query_in, key_in = rng.normal(size=config.hidden_size), rng.normal(size=config.hidden_size)
    q = rope((weights["q"] @ query_in).reshape(heads, head_dim), 7, config.rope_theta)
    k = rope((weights["k"] @ key_in).reshape(kv_heads, head_dim), 3, config.rope_theta)
    return (q * np.repeat(k, heads // kv_heads, axis=0)).sum(-1)  # grouped: heads share a key head


def test_gguf_q_and_k_give_the_same_attention_scores_under_llama_cpp_rope(adapter, tmp_path):
    """An adapter is merged on the way; q/k rows reordered for GGML leave the attention scores unchanged."""
    path = tmp_path / "adapter.gguf"
    cli.main(["export", "gguf", str(adapter), str(path), "--outtype", "f32"])
    _, tensors = read_gguf(path)
    model, _ = export.merged_model(str(adapter))
    layer = model.model.layers[0].self_attn
    hf = {"q": layer.q_proj.weight.detach().numpy(), "k": layer.k_proj.weight.detach().numpy()}
    ggml = {"q": tensors["blk.0.attn_q.weight"].data, "k": tensors["blk.0.attn_k.weight"].data}
    expected = attention_scores(hf, model.config, rope_hf)
    np.testing.assert_allclose(
        attention_scores(ggml, model.config, rope_ggml), expected, rtol=1e-4, atol=1e-5
    )
    # Without the reordering the scores would differ: the check has teeth.
    assert not np.allclose(attention_scores(hf, model.config, rope_ggml), expected, rtol=1e-3)


def test_gguf_grouped_query_attention_keeps_scores(tiny_lm, tmp_path):
    """Llama-2-70B/Llama-3 style: fewer key/value heads than query heads."""
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = load_tokenizer(str(tiny_lm))
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=1,
        num_attention_heads=4,
        num_key_value_heads=2,
        rope_theta=500000.0,
    )
    model = LlamaForCausalLM(config)
    export.write_gguf(model, tokenizer, tmp_path / "gqa.gguf", float16=False, name="gqa")
    reader, tensors = read_gguf(tmp_path / "gqa.gguf")
    assert field(reader, "llama.attention.head_count_kv") == 2
    assert field(reader, "llama.rope.freq_base") == 500000.0
    assert "output.weight" in tensors  # untied: its own output projection
    layer = model.model.layers[0].self_attn
    hf = {"q": layer.q_proj.weight.detach().numpy(), "k": layer.k_proj.weight.detach().numpy()}
    ggml = {"q": tensors["blk.0.attn_q.weight"].data, "k": tensors["blk.0.attn_k.weight"].data}
    assert tensors["blk.0.attn_k.weight"].data.shape == (32, 64)
    expected = attention_scores(hf, config, rope_hf)
    np.testing.assert_allclose(attention_scores(ggml, config, rope_ggml), expected, rtol=1e-4, atol=1e-5)


def test_gguf_runs_in_llama_cpp_as_in_transformers(adapter, tmp_path):
    """The merged adapter in llama.cpp itself: same tokens, same logits (to float16), same greedy reply."""
    llama_cpp = pytest.importorskip("llama_cpp", reason="pip install llama-cpp-python (README: Export)")
    path = tmp_path / "adapter.gguf"
    cli.main(["export", "gguf", str(adapter), str(path)])
    model, tokenizer = export.merged_model(str(adapter))
    runtime = llama_cpp.Llama(model_path=str(path), n_ctx=256, logits_all=True, verbose=False, n_threads=1)
    ids = tokenizer(PROMPT)["input_ids"]
    assert runtime.tokenize(PROMPT.encode(), add_bos=False, special=True) == ids
    runtime.eval(ids)
    with torch.inference_mode():
        logits = model(torch.tensor([ids])).logits[0, -1].numpy()
    np.testing.assert_allclose(np.asarray(runtime.scores[len(ids) - 1]), logits, atol=0.05)
    reply = []
    for token in runtime.generate(ids, top_k=1, temp=0.0, reset=True):
        if token == runtime.token_eos() or len(reply) == 12:
            break
        reply.append(token)
    expected = greedy(model, tokenizer, 12)
    if tokenizer.eos_token_id in expected:
        expected = expected[: expected.index(tokenizer.eos_token_id)]
    assert reply == expected and reply


def test_the_gguf_chat_template_renders_as_the_tokenizers_without_generation_markers(tiny_lm, tmp_path):
    """Jinja (llama-cpp-python, llama.cpp) knows no `{% generation %}`: written without it, same rendering."""
    import jinja2

    tokenizer = load_tokenizer(str(tiny_lm))
    assert "{% generation %}" in tokenizer.chat_template
    model = load_causal_lm(str(tiny_lm))
    export.write_gguf(model, tokenizer, tmp_path / "m.gguf", float16=False, name="m")
    reader, _ = read_gguf(tmp_path / "m.gguf")
    written = field(reader, "tokenizer.chat_template")
    assert "{% generation %}" not in written and "endgeneration" not in written
    messages = [{"role": "user", "content": "Hallo"}, {"role": "assistant", "content": "Hello"}]
    rendered = (
        jinja2.Environment()
        .from_string(written)
        .render(
            messages=messages,
            bos_token=tokenizer.bos_token,
            eos_token=tokenizer.eos_token,
            add_generation_prompt=False,
        )
    )
    assert rendered == tokenizer.apply_chat_template(messages, tokenize=False)


def test_gguf_refuses_other_architectures(tmp_path):
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=16, n_head=2, vocab_size=50))
    with pytest.raises(ValueError, match="Llama architecture"):
        export.write_gguf(model, None, tmp_path / "x.gguf", float16=False, name="x")
    assert not (tmp_path / "x.gguf").exists()


@pytest.mark.parametrize(
    "family, reference",
    [("llama1", "llama-spm"), ("llama3-instruct", "llama-bpe"), ("qwen2.5-instruct", "qwen2")],
)
def test_gguf_vocabulary_equals_llama_cpps_own(family, reference, tmp_path):
    """Tokens, scores and token types as llama.cpp's own vocabulary files hold them (a twin's export)."""
    from .helpers import shared_model, tiny_llama_twin

    tokenizer = load_tokenizer(str(shared_model(family)))
    vocab_file = shared_model("vocab") / f"ggml-vocab-{reference}.gguf"
    model = load_causal_lm(str(tiny_llama_twin(tokenizer, tmp_path / "twin")))
    export.write_gguf(model, tokenizer, tmp_path / "twin.gguf", float16=False, name="twin")
    ours, _ = read_gguf(tmp_path / "twin.gguf")
    theirs, _ = read_gguf(vocab_file)
    for key in ("tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type"):
        assert field(ours, key) == field(theirs, key), key
    if "tokenizer.ggml.scores" in theirs.fields:  # SentencePiece: the merge order llama.cpp follows
        assert field(ours, "tokenizer.ggml.scores") == field(theirs, "tokenizer.ggml.scores")
    assert field(ours, "tokenizer.ggml.pre") == field(theirs, "tokenizer.ggml.pre")
    if tokenizer.bos_token is not None:  # Qwen2 has none (llama.cpp's converter names one it never adds)
        assert field(ours, "tokenizer.ggml.bos_token_id") == field(theirs, "tokenizer.ggml.bos_token_id")


@pytest.mark.parametrize(
    "family, reference",
    [("llama1", "llama-spm"), ("llama3-instruct", "llama-bpe"), ("qwen2.5-instruct", "qwen2")],
)
def test_llama_cpp_tokenizes_its_46_reference_strings_right_from_our_export(family, reference, tmp_path):
    """llama.cpp's own tokenizer test strings, through the vocabulary we export: the ids it expects."""
    llama_cpp = pytest.importorskip("llama_cpp", reason="pip install llama-cpp-python (README: Export)")
    from .helpers import shared_model, tiny_llama_twin

    tokenizer = load_tokenizer(str(shared_model(family)))
    model = load_causal_lm(str(tiny_llama_twin(tokenizer, tmp_path / "twin")))
    export.write_gguf(model, tokenizer, tmp_path / "twin.gguf", float16=False, name="twin")
    runtime = llama_cpp.Llama(model_path=str(tmp_path / "twin.gguf"), vocab_only=True, verbose=False)
    vocab = shared_model("vocab") / f"ggml-vocab-{reference}.gguf"
    strings = vocab.with_suffix(".gguf.inp").read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n")[:-1]
    expected = vocab.with_suffix(".gguf.out").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(strings) == len(expected) == 46
    wrong = [
        text
        for text, ids in zip(strings, expected, strict=True)
        if runtime.tokenize(text.encode(), add_bos=False, special=False) != [int(i) for i in ids.split()]
    ]
    assert not wrong, f"{len(wrong)} of 46 tokenized differently, e.g. {wrong[:3]}"


def _tiny_of(config_class, tokenizer, **extra):
    torch.manual_seed(0)
    widths = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4)
    return config_class(vocab_size=len(tokenizer), num_key_value_heads=2, **widths, **extra)


def test_gguf_mistral_is_a_llama_and_qwen2_keeps_its_biases_and_rotary_halves(tiny_lm, tmp_path):
    from transformers import MistralConfig, MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM

    tokenizer = load_tokenizer(str(tiny_lm))
    mistral = MistralForCausalLM(_tiny_of(MistralConfig, tokenizer, sliding_window=None))
    export.write_gguf(mistral, tokenizer, tmp_path / "mistral.gguf", float16=False, name="m")
    reader, tensors = read_gguf(tmp_path / "mistral.gguf")
    assert field(reader, "general.architecture") == "llama"  # as llama.cpp's converter writes Mistral
    q = mistral.model.layers[0].self_attn.q_proj.weight.detach().numpy()
    np.testing.assert_array_equal(tensors["blk.0.attn_q.weight"].data, export.interleave_rotary(q, 4))
    qwen = Qwen2ForCausalLM(_tiny_of(Qwen2Config, tokenizer))
    export.write_gguf(qwen, tokenizer, tmp_path / "qwen.gguf", float16=False, name="q")
    reader, tensors = read_gguf(tmp_path / "qwen.gguf")
    assert field(reader, "general.architecture") == "qwen2"
    assert field(reader, "qwen2.attention.head_count_kv") == 2
    attention = qwen.model.layers[0].self_attn
    # llama.cpp's Qwen2 rotates halves, as Transformers does: rows unchanged; the q/k/v biases kept.
    np.testing.assert_array_equal(
        tensors["blk.0.attn_q.weight"].data, attention.q_proj.weight.detach().numpy()
    )
    np.testing.assert_array_equal(tensors["blk.0.attn_k.bias"].data, attention.k_proj.bias.detach().numpy())
    assert "blk.0.attn_v.bias" in tensors


def test_gguf_llama3_rope_scaling_becomes_llama_cpps_frequency_factors(tiny_lm, tmp_path):
    import math

    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = load_tokenizer(str(tiny_lm))
    scaling = dict(
        rope_type="llama3",
        factor=8.0,
        low_freq_factor=1.0,
        high_freq_factor=4.0,
        original_max_position_embeddings=64,
    )
    config = _tiny_of(LlamaConfig, tokenizer, rope_scaling=scaling, max_position_embeddings=512)
    export.write_gguf(LlamaForCausalLM(config), tokenizer, tmp_path / "l31.gguf", float16=False, name="l")
    _, tensors = read_gguf(tmp_path / "l31.gguf")
    # Independently, Meta's published rule: high frequencies kept, low ones divided by `factor`, a smooth
    # blend between (wavelengths against the original context).
    head_dim, theta = 32 // 4, config.rope_theta
    expected = []
    for i in range(0, head_dim, 2):
        wavelength = 2 * math.pi * theta ** (i / head_dim)
        low, high = 64 / 1.0, 64 / 4.0
        if wavelength < high:
            expected.append(1.0)
        elif wavelength > low:
            expected.append(8.0)
        else:
            smooth = (64 / wavelength - 1.0) / (4.0 - 1.0)
            expected.append(1 / ((1 - smooth) / 8.0 + smooth))
    np.testing.assert_allclose(tensors["rope_freqs.weight"].data, expected, rtol=1e-5)

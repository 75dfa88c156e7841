"""`lingtune export`: take a trained model where people run models.

- `merge ADAPTER OUT`: a LoRA adapter merged into its base, saved as safetensors with the tokenizer, its
  chat template, the generation config and a model card (README.md: data, parameters, metrics from
  reports/); `--push REPO` uploads the folder to the model hub.
- `gguf MODEL OUT.gguf`: one GGUF file (weights, hyper-parameters, tokenizer, chat template) for
  llama.cpp-style runtimes, written with the `gguf` package; Llama-architecture models, full or adapter.
"""

import argparse
import json
import re
import tempfile
from pathlib import Path

import yaml

from stages.core.io import InputError, atomic_path
from stages.core.params import PARAMS_FILE

from .chat import load

# torch, numpy, gguf and the model loaders are imported where used: `lingtune score` stays quick to start.
DTYPES = ("float32", "float16", "bfloat16")


def merged_model(adapter: str, trust_remote_code: bool = False, allow_pickle: bool = False):
    """(model, tokenizer): the adapter's weights folded into its base, in float32 until saved."""
    from stages.core.models import is_adapter

    if not is_adapter(adapter):
        raise InputError(adapter, "not a PEFT adapter folder (no adapter_config.json)")
    model, tokenizer = load(adapter, trust_remote_code, allow_pickle)
    model = model.float().merge_and_unload()
    # Generation stops where training put the end of each response.
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def save_dtype(base_model: str, dtype: str, trust_remote_code: bool = False):
    """The torch dtype asked for; `auto`: the one the base model is stored in (float32 when it names none)."""
    import torch
    from transformers import AutoConfig

    if dtype != "auto":
        return getattr(torch, dtype)
    # The loaded config says float32 on CPU; the base's own config says how it was published.
    stored = AutoConfig.from_pretrained(base_model, trust_remote_code=trust_remote_code).dtype
    return getattr(torch, stored) if isinstance(stored, str) else stored or torch.float32


# --- the model card --------------------------------------------------------------------------------------


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def metrics_table(metrics: dict) -> str:
    """reports/metrics.json (test set -> model -> hint -> metric) as one Markdown table."""
    rows = [
        (testset, model, hint, figures)
        for testset, models in metrics.items()
        for model, hints in models.items()
        for hint, figures in hints.items()
    ]
    if not rows:
        return "No scores were found (run the pipeline's `score` stage first)."
    names = [name for name in ("bleu", "chrf", "chrfpp", "ter", "comet", "off_target") if name in rows[0][3]]
    lines = [
        "| test set | model | hint | " + " | ".join(names) + " |",
        "| --- | --- | --- | " + " | ".join("---:" for _ in names) + " |",
    ]
    for testset, model, hint, figures in rows:
        values = " | ".join(f"{figures[name]:.2f}" if name in figures else "" for name in names)
        lines.append(f"| {testset} | {model} | {hint} | {values} |")
    return "\n".join(lines)


def prompt_section(prompt_format: str) -> str:
    """How to prompt the model: as at training, or its answers are those of an untrained format."""
    if prompt_format == "chat":
        return "Prompt it with the chat template shipped with the tokenizer (`apply_chat_template`)."
    from stages.core.prompts import ALPACA_WITH_INPUT

    return f"Prompt it with the Alpaca prompt it was trained on:\n\n```text\n{ALPACA_WITH_INPUT}\n```"


def model_card(title: str, base_model: str, params: dict, reports: Path) -> str:
    """README.md for the hub: what the model was trained on, how, and how it scores."""
    base, sft_data, sft = params.get("base", {}), params.get("sft_data", {}), params.get("sft", {})
    testsets = params.get("infer", {}).get("testsets", {}).values()
    languages = {spec.get(key) for spec in testsets for key in ("src_lang", "tgt_lang")}
    languages = sorted(lang for lang in languages | {base.get("target_lang")} if lang)
    header = {
        "base_model": base_model,
        "library_name": "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["lingtune", "translation", "lora-merged"],
    }
    if languages:
        header["language"] = languages
    train = read_json(reports / "train.json")
    training = "\n".join(
        f"| `{key}` | {value if isinstance(value, str) else json.dumps(value)} |"
        for key, value in sft.items()
    )
    inputs = [spec.get("path", "") for spec in params.get("pairs", {}).get("inputs", [])]
    figures = ", ".join(f"{key} {value}" for key, value in train.items() if not isinstance(value, list))
    return f"""---
{yaml.safe_dump(header, sort_keys=False, allow_unicode=True).strip()}
---

# {title}

Fine-tuned from `{base_model}` with lingtune (a LoRA adapter, merged into the base weights).
{prompt_section(base.get("prompt_format", "alpaca"))}

## Data

- SFT mix: `{sft_data.get("mix", "?")}`
- Parallel data: {", ".join(f"`{path}`" for path in inputs) or "none"}
- OASST/Alpaca translated into: `{base.get("target_lang", "?")}`

## Training

| parameter | value |
| --- | --- |
{training or "| (no `sft` parameters found) | |"}

{f"Training run: {figures}." if figures else ""}

## Results

{metrics_table(read_json(reports / "metrics.json"))}

Scores by sacreBLEU (BLEU, chrF) and COMET, as the `score` stage reports them; signatures in
`reports/signatures.json` of the training repository.
"""


def write_card(out: Path, title: str, base_model: str, params_file: Path, reports: Path) -> None:
    params = yaml.safe_load(params_file.read_text(encoding="utf-8")) if params_file.exists() else None
    (out / "README.md").write_text(model_card(title, base_model, params or {}, reports), encoding="utf-8")


def push(folder: Path, repo: str, private: bool) -> str:
    """Upload the folder to the hub (needs the network and a token: `hf auth login`)."""
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo, private=private, exist_ok=True)
    return api.upload_folder(folder_path=str(folder), repo_id=repo, commit_message="Upload from lingtune").oid


def merge(args: argparse.Namespace) -> None:
    model, tokenizer = merged_model(args.adapter, args.trust_remote_code, args.allow_pickle_weights)
    base_model = json.loads((Path(args.adapter) / "adapter_config.json").read_text(encoding="utf-8"))[
        "base_model_name_or_path"
    ]
    out = Path(args.out)
    with atomic_path(out) as tmp:
        dtype = save_dtype(base_model, args.dtype, args.trust_remote_code)
        model.to(dtype).save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        write_card(tmp, args.push or out.name, base_model, Path(args.params), Path(args.reports))
    print(f"export merge: {args.adapter} on {base_model} -> {out}")
    if args.push:
        print(f"export merge: pushed {out} to {args.push} (revision {push(out, args.push, args.private)})")


# --- GGUF ---------------------------------------------------------------------------------------------


def interleave_rotary(weight, heads: int):
    """Rows of a q/k projection reordered for GGML's rotary embedding.

    Hugging Face's Llama rotates each head's dimension i with dimension i + head_dim/2; GGML's (`LLAMA`
    rope mode) rotates neighbours 2i and 2i+1. Interleaving the two halves of each head keeps every
    attention score unchanged.
    """
    shape, rows = weight.shape, weight.shape[0]
    matrix = weight.reshape(rows, -1)  # a bias is one column
    return matrix.reshape(heads, 2, rows // heads // 2, -1).swapaxes(1, 2).reshape(shape)


def gguf_vocab(folder: Path):
    """The tokenizer, read by the `gguf` package's readers, as llama.cpp's converter reads it.

    SentencePiece first (tokenizer.model): its piece scores and types are what llama.cpp's tokenizer
    merges by; the fast-tokenizer reader (LlamaHfVocab) writes -1000 for every score, and llama.cpp then
    splits words differently (`paired` -> ` pair|ed`). Byte-level BPE (Llama 3, Qwen2) next.
    """
    from gguf.vocab import BpeVocab, LlamaHfVocab, SentencePieceVocab

    for reader in (SentencePieceVocab, BpeVocab, LlamaHfVocab):
        try:
            return reader(folder)
        except (FileNotFoundError, TypeError):
            continue
    raise InputError(
        folder, "no tokenizer the GGUF export understands (tokenizer.json BPE or tokenizer.model)"
    )


PADDING_TOKEN = re.compile(r"\[PAD\d+\]")


def token_types(tokenizer, texts: list[str], types: list, first_added: int) -> list:
    """llama.cpp's token types: an added token from `first_added` on is CONTROL when the tokenizer marks it
    special (Llama 3's `<|start_header_id|>`: the runtime must never make it from plain text), else
    USER_DEFINED; padding rows (`[PAD123]`) are USER_DEFINED; other tokens keep their reader's type."""
    import gguf

    types = list(types)
    for index, added in tokenizer.added_tokens_decoder.items():
        if first_added <= index < len(types):
            types[index] = gguf.TokenType.CONTROL if added.special else gguf.TokenType.USER_DEFINED
    for index, text in enumerate(texts):
        if PADDING_TOKEN.fullmatch(text):
            types[index] = gguf.TokenType.USER_DEFINED
    return types


def pre_tokenizer(folder: Path) -> str:
    """llama.cpp's name for a byte-level BPE pre-tokenizer: Llama 3 splits digits in threes, Qwen2 one by
    one (the split regex of tokenizer.json); anything else is GPT-2's default."""
    pattern = json.dumps(json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["pre_tokenizer"])
    if r"\\p{N}{1,3}" in pattern:
        return "llama-bpe"
    if r"\\p{N}|" in pattern:
        return "qwen2"
    return "default"


def add_tokenizer(writer, folder: Path, tokenizer, vocab_size: int) -> None:
    import gguf

    vocab = gguf_vocab(folder)
    tokens, scores, types = [], [], []
    for text, score, kind in vocab.all_tokens():
        tokens.append(text.decode("utf-8") if isinstance(text, bytes) else text)
        scores.append(score)
        types.append(kind)
    if len(tokens) > vocab_size:
        raise InputError(
            folder, f"the tokenizer has {len(tokens)} tokens, the model's embedding {vocab_size}"
        )
    # Embedding rows beyond the tokenizer (padded vocabularies) need names of their own.
    for index in range(len(tokens), vocab_size):
        tokens.append(f"[PAD{index}]")
        scores.append(-1000.0)
        types.append(gguf.TokenType.USER_DEFINED)
    # As llama.cpp's converter: SentencePiece's own piece types stand (unknown, control, byte) and only the
    # tokens added after its pieces are typed by the tokenizer; in byte-level BPE every added token is.
    first_added = (
        getattr(vocab, "vocab_size_base", tokenizer.vocab_size) if vocab.tokenizer_model == "llama" else 0
    )
    types = token_types(tokenizer, tokens, types, first_added)
    writer.add_tokenizer_model(vocab.tokenizer_model)
    writer.add_tokenizer_pre(pre_tokenizer(folder) if vocab.tokenizer_model == "gpt2" else "default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    special = gguf.SpecialVocab(folder, load_merges=vocab.tokenizer_model == "gpt2", n_vocab=vocab_size)
    if isinstance(special.chat_template, str):
        special.chat_template = without_generation_markers(special.chat_template)
    special.add_to_gguf(writer, quiet=True)


def without_generation_markers(template: str) -> str:
    """The template as runtimes read it: `{% generation %}` is Transformers' training-only tag, unknown to
    Jinja (llama-cpp-python refuses the file) and to llama.cpp. `if true` keeps its whitespace control."""
    template = re.sub(r"(\{%-?\s*)endgeneration(\s*-?%\})", r"\1endif\2", template)
    return re.sub(r"(\{%-?\s*)generation(\s*-?%\})", r"\1if true\2", template)


# Transformers' model types -> llama.cpp's architecture, and whether q/k rows are reordered for its
# rotary embedding (llama.cpp's Llama rope rotates neighbours; Qwen2's, like Transformers', halves).
# Mistral is a Llama to llama.cpp (its converter writes it so).
ARCHITECTURES = {"llama": ("LLAMA", True), "mistral": ("LLAMA", True), "qwen2": ("QWEN2", False)}


def architecture(config) -> tuple:
    """(gguf.MODEL_ARCH, interleave q/k) for a model config; InputError naming the supported ones."""
    import gguf

    if config.model_type not in ARCHITECTURES:
        raise InputError(
            config._name_or_path or "model",
            f"GGUF export supports the Llama architecture (also {', '.join(sorted(ARCHITECTURES))}), "
            f"not {config.model_type!r}",
        )
    arch, interleave = ARCHITECTURES[config.model_type]
    return getattr(gguf.MODEL_ARCH, arch), interleave


def llama3_rope_factors(config):
    """Llama 3.1's frequency scaling as llama.cpp reads it: one factor per rotary frequency (the `rope_freqs`
    tensor), the ratio of the plain inverse frequencies to Transformers' llama3-scaled ones."""
    import numpy as np
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    plain = config.__class__.from_dict(config.to_dict() | {"rope_scaling": None})
    base, _ = ROPE_INIT_FUNCTIONS["default"](plain, "cpu")
    scaled, _ = ROPE_INIT_FUNCTIONS["llama3"](config, "cpu")
    return (base / scaled).numpy().astype(np.float32)


def add_hyperparameters(writer, config, name: str, float16: bool) -> None:
    import gguf

    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    writer.add_name(name)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads or config.num_attention_heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(float(getattr(config, "rope_theta", 10000.0)))
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if float16 else gguf.LlamaFileType.ALL_F32)
    scaling = getattr(config, "rope_scaling", None)
    kind = scaling.get("rope_type", scaling.get("type")) if scaling else None
    if kind == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(scaling["factor"]))
    elif kind not in (None, "default", "llama3"):  # llama3: the rope_freqs tensor (gguf_tensors)
        where = config._name_or_path or "model"
        raise InputError(where, f"rope scaling {kind!r} is not supported by this export (linear, llama3)")


def gguf_tensors(model, float16: bool) -> dict:
    """GGUF tensor name -> numpy array: Llama weights named as llama.cpp expects, q/k rows interleaved."""
    import gguf
    import numpy as np

    config = model.config
    arch, interleave = architecture(config)
    names = gguf.get_tensor_name_map(arch, config.num_hidden_layers)
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads or config.num_attention_heads
    tensors = {}
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight" and config.tie_word_embeddings:
            continue  # tied: llama.cpp reads the output projection from the token embedding
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise ValueError(f"no GGUF name for tensor {hf_name!r}")
        array = tensor.detach().float().cpu().numpy()
        if interleave and hf_name.endswith(("q_proj.weight", "q_proj.bias")):
            array = interleave_rotary(array, heads)
        elif interleave and hf_name.endswith(("k_proj.weight", "k_proj.bias")):
            array = interleave_rotary(array, kv_heads)
        # Norm weights (1-D) stay float32, as llama.cpp computes them.
        tensors[name] = array.astype(np.float16 if float16 and array.ndim > 1 else np.float32)
    scaling = getattr(config, "rope_scaling", None) or {}
    if scaling.get("rope_type", scaling.get("type")) == "llama3":
        tensors[gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FREQS] + ".weight"] = llama3_rope_factors(config)
    return tensors


def write_gguf(model, tokenizer, out: Path, float16: bool, name: str) -> int:
    """Write the GGUF file atomically; returns how many tensors it holds."""
    import gguf

    arch, _ = architecture(model.config)
    tensors = gguf_tensors(model, float16)
    with tempfile.TemporaryDirectory() as tokenizer_dir, atomic_path(out) as tmp:
        # The gguf package reads tokenizers from files: the loaded one (adapter, hub id or folder) saved here.
        tokenizer.save_pretrained(tokenizer_dir)
        writer = gguf.GGUFWriter(tmp, gguf.MODEL_ARCH_NAMES[arch])
        add_hyperparameters(writer, model.config, name, float16)
        add_tokenizer(writer, Path(tokenizer_dir), tokenizer, model.config.vocab_size)
        for tensor_name, array in tensors.items():
            writer.add_tensor(tensor_name, array)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
    return len(tensors)


def to_gguf(args: argparse.Namespace) -> None:
    from stages.core.models import is_adapter

    if is_adapter(args.model):
        model, tokenizer = merged_model(args.model, args.trust_remote_code, args.allow_pickle_weights)
    else:
        model, tokenizer = load(args.model, args.trust_remote_code, args.allow_pickle_weights)
    out = Path(args.out)
    count = write_gguf(model.float(), tokenizer, out, args.outtype == "f16", args.name or out.stem)
    print(f"export gguf: {args.model} -> {out} ({count} tensors, {args.outtype})")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="export", required=True)
    merging = kinds.add_parser("merge", help="merge a LoRA adapter into its base; safetensors + model card")
    merging.add_argument("adapter", help="PEFT adapter folder")
    merging.add_argument("out", help="folder to write")
    merging.add_argument("--dtype", choices=["auto", *DTYPES], default="auto", help="auto: the base's dtype")
    merging.add_argument("--push", metavar="REPO", help="also upload to this hub repository (network)")
    merging.add_argument("--private", action="store_true", help="create the hub repository private")
    merging.add_argument("--params", default=str(PARAMS_FILE), help="parameters quoted in the model card")
    merging.add_argument("--reports", default="reports", help="train.json and metrics.json for the card")
    merging.add_argument("--trust-remote-code", action="store_true")
    merging.add_argument(
        "--allow-pickle-weights",
        action="store_true",
        help="also load .bin (pickle) weights, not only safetensors",
    )
    merging.set_defaults(run=merge)
    converting = kinds.add_parser("gguf", help="one GGUF file for llama.cpp-style runtimes (Llama)")
    converting.add_argument("model", help="model folder, PEFT adapter folder (merged first) or hub id")
    converting.add_argument("out", help="the .gguf file to write")
    converting.add_argument("--outtype", choices=["f16", "f32"], default="f16", help="2-D weights (f16)")
    converting.add_argument("--name", help="general.name in the file (default: the file's stem)")
    converting.add_argument("--trust-remote-code", action="store_true")
    converting.add_argument(
        "--allow-pickle-weights",
        action="store_true",
        help="also load .bin (pickle) weights, not only safetensors",
    )
    converting.set_defaults(run=to_gguf)

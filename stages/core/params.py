"""params.yaml, validated on load: an unknown key, a wrong type or an unknown language stops the stage.

Each group of the file is one model below; stages read their own group (and `base`).
"""

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .io import download_target, is_url
from .langs import engine_language_problem, is_known

PARAMS_FILE = Path("params.yaml")


class ParamsError(ValueError):
    """Parameters that do not validate; `problems` holds each offending key with its message."""

    def __init__(self, text: str, problems: list[tuple[str, str]] | None = None):
        super().__init__(text)
        self.problems = problems or []


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _language(code: str) -> str:
    if not is_known(code):
        raise ValueError(f"unknown language code {code!r}")
    return code


class Base(Group):
    seed: int = 42
    model: str  # hub id or local path of the base causal LM
    trust_remote_code: bool = False
    allow_pickle_weights: bool = (
        False  # .bin weights (pickle) are refused unless true; safetensors always load
    )
    prompt_format: Literal["alpaca", "chat"] = "alpaca"
    target_lang: str  # the chat language: OASST and Alpaca are translated into it

    _lang = field_validator("target_lang")(_language)


class Embedded(Group):
    vocab_size: int = Field(gt=256)
    hidden_size: int = Field(gt=0)
    intermediate_size: int = Field(gt=0)
    layers: int = Field(gt=0)
    heads: int = Field(gt=0)
    max_positions: int = Field(gt=0)
    translator_steps: int = Field(ge=0)  # training steps of each tiny translator (0: untrained)
    translators: dict[str, str]  # "<src>-<tgt>" -> line-aligned training files <prefix>.<src>/<prefix>.<tgt>


class PairFiles(Group):
    # text: line-aligned <path>.<src_lang>/<path>.<tgt_lang> (+ optional <path>.docs); tsv, jsonl: one file;
    # datasets: a hub id or a save_to_disk folder; sacrebleu: a test set name (wmt20, flores200, …)
    format: Literal["text", "tsv", "jsonl", "datasets", "sacrebleu"] = "text"
    path: str
    src_lang: str
    tgt_lang: str
    src_field: str | None = None  # tsv/jsonl/datasets: column of the source (default: src_lang)
    tgt_field: str | None = None  # … of the target (default: tgt_lang)
    doc_field: str | None = None  # … of the document id (default: none)
    split: str = "train"  # datasets: the split to read
    config: str | None = None  # datasets: the hub configuration (de-en for wmt/wmt19)
    # a corpus name (x-LLM's `ncwm`): its translation records are also the mix source
    # translation_<corpus>_<src>-<tgt>
    corpus: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]+$")

    _langs = field_validator("src_lang", "tgt_lang")(_language)

    @field_validator("src_field", "tgt_field", "doc_field", "split", "config")
    @classmethod
    def _fits_format(cls, value, info):
        # Only keys written in params.yaml get here (defaults are not validated): a key the format
        # would silently ignore is a mistake worth naming.
        allowed = ("tsv", "jsonl", "datasets") if info.field_name.endswith("_field") else ("datasets",)
        given = info.data.get("format")
        if given is not None and given not in allowed:
            raise ValueError(f"applies to format {' or '.join(allowed)} only, not {given!r}")
        return value


class Pairs(Group):
    inputs: list[PairFiles]
    nfc: bool = True
    collapse_whitespace: bool = True  # runs of spaces (non-breaking ones too) become one space
    filters: bool = True  # false: keep every pair as read (ParroT filters nothing); the keys below unused
    max_chars: int = Field(gt=0)
    max_ratio: float = Field(ge=1.0)
    dedup: bool = True
    exclude: list[str] = []  # test-set files: any pair side found in them is removed


class MqmFile(Group):
    path: str
    src_lang: str
    tgt_lang: str

    _langs = field_validator("src_lang", "tgt_lang")(_language)


class CometFile(Group):
    """System translations of one source file, to be rated by COMET (InstructMT's COMET-score data)."""

    src: str  # line-aligned sources
    ref: str = ""  # line-aligned references ("": none, for a reference-free model such as COMET-Kiwi)
    hyps: dict[str, str] = Field(min_length=2)  # system name -> its line-aligned translations, in order
    src_lang: str
    tgt_lang: str

    _langs = field_validator("src_lang", "tgt_lang")(_language)


class Instructions(Group):
    directions: Literal["forward", "both"] = "both"
    templates: str  # one instruction template per line, naming [SRC], [TGT], both or neither
    instruction_lang: Literal["en", "zh", "de", "ja"] = "en"  # de, ja: ParroT's names, for de/en/ja/zh
    # seeded: one generator (instructions.seed) over everything; parrot: ParroT's draws, reseeded per input
    # file and direction (convert_pair_to_alpaca.py), context from the preceding lines of the file
    # cycle: template k mod n for the pair on line k of its input (x-LLM's translation loader)
    draws: Literal["seeded", "parrot", "cycle"] = "seeded"
    seed: int | None = None  # the draws' seed (null: base.seed; ParroT's script: 0)
    mqm: list[MqmFile] = []
    min_gap: float = Field(default=1.0, ge=0)
    # lingtune: one error-hint record per error of a rating (one no-error record per clean rating), one
    # hint wording, preference pairs of every two systems; instructmt: InstructMT's scripts exactly (a
    # record per annotation row, wordings drawn from the paired files below, the best system against each)
    hint_style: Literal["lingtune", "instructmt"] = "lingtune"
    hint_templates: str = ""  # instructmt: "instruction###hint" per line, [SEV]/[ERR] in the hint
    preference_templates: str = ""  # instructmt: "instruction###hint" per line, for preference records
    max_context: int = Field(default=0, ge=0)  # preceding lines of the same document (ParroT: 3; 0: off)
    eos: str = "</s>"  # appended to each response in parrot.jsonl, as ParroT's training files do
    # InstructMT's COMET-score variants: system translations rated by COMET become error hints (a severity
    # from the score) and preference pairs (a gap of at least comet_min_gap; InstructMT: 1/25)
    comet: list[CometFile] = []
    comet_model: str = "Unbabel/wmt22-comet-da"  # a hub id or a local checkpoint, as score.comet_model
    comet_min_gap: float = Field(default=0.04, ge=0)
    comet_no_errors: float = 0.85  # a score at least this: "no errors"
    comet_minor: float = 0.75  # at least this (below comet_no_errors): "minor errors"; below: "major errors"

    @model_validator(mode="after")
    def _instructmt_files(self) -> "Instructions":
        if self.comet_minor > self.comet_no_errors:
            raise ValueError("comet_minor must not exceed comet_no_errors")
        if self.comet and not self.comet_model:
            raise ValueError("comet lists system translations to rate: name a comet_model")
        if self.hint_style == "instructmt" and (self.mqm or self.comet):
            missing = [k for k in ("hint_templates", "preference_templates") if not getattr(self, k)]
            if missing:
                raise ValueError(f"hint_style instructmt draws its wordings from {' and '.join(missing)}")
        return self


class Translate(Group):
    engine: Literal["opus-mt", "m2m100", "nllb", "madlad", "mbart50", "seamless", "llm"] = "opus-mt"
    model_root: str = "Helsinki-NLP"  # opus-mt: a hub organisation or a local folder of opus-mt-* models
    model: str = Field(default="", validate_default=True)  # the other engines: hub id or local folder
    backend: Literal["transformers", "ctranslate2"] = "transformers"  # ctranslate2: seq2seq engines only
    ct2_compute_type: str = "default"  # CTranslate2's quantization: default, int8, float16, int8_float16 …
    # llm: the user turn, in the model's chat template (ChatML when it has none); TowerInstruct's wording
    prompt: str = "Translate the following text from {src} into {tgt}.\n{src}: {text}\n{tgt}:"
    pivot: str = "en"
    batch_tokens: int = Field(gt=0)
    max_new_tokens_ratio: float = Field(gt=0)
    # sentence: each sentence on its own (sentence-level models: OPUS-MT, NLLB); line: whole lines, cut at
    # sentence ends only beyond max_segment_tokens
    segment: Literal["sentence", "line"] = "sentence"
    max_segment_tokens: int = Field(default=200, gt=0)
    processes: int = Field(default=1, gt=0)  # the dvc.yaml command launches this many with torchrun
    oasst: str
    oasst_split: str = "train"  # a datasets id or saved folder: the split to read
    alpaca: str

    _lang = field_validator("pivot")(_language)

    @field_validator("model")
    @classmethod
    def _model_for_engine(cls, model: str, info) -> str:
        engine = info.data.get("engine")
        if engine not in (None, "opus-mt") and not model:
            raise ValueError(f"engine {engine!r} needs a model (hub id or local folder)")
        return model

    @field_validator("backend")
    @classmethod
    def _backend_for_engine(cls, backend: str, info) -> str:
        if backend == "ctranslate2" and info.data.get("engine") == "seamless":
            raise ValueError("the seamless engine runs on transformers only (CTranslate2 cannot convert it)")
        return backend


class Threads(Group):
    tree_states: list[str] = ["ready_for_export"]
    system_prompt: str = ""  # a system turn, written in the target language; "" for none
    all_paths: bool = False  # every root-to-leaf path instead of the best-ranked one
    # llama2_v0.2 / llama2_v0.3: each thread also gets `text` as that LLaMa2lang tag wrote it; chat: as
    # LLaMa2lang HEAD writes it (the base model's chat template, a system turn always first)
    text_template: Literal["none", "llama2_v0.2", "llama2_v0.3", "chat"] = "none"
    end_on_assistant: bool = True  # false: keep a thread's trailing user turns, as LLaMa2lang HEAD does
    # conversational: TRL's message lists; text: LLaMa2lang HEAD's DPO pairs (the prompt rendered by the
    # base model's chat template without its BOS, chosen and rejected as plain text)
    preference_format: Literal["conversational", "text"] = "conversational"


class SftData(Group):
    mix: str = Field(min_length=1)  # x-LLM-style: sources and aliases joined by "+", each optionally [a:b]
    counts: dict[str, int] = {}  # source -> examples to take after slicing (-1 or absent: all; more: repeats)
    aliases: str = "configs/mixes.yaml"  # alias -> a mix or a list of them; "" for none
    alpaca_zh: str = ""  # Chinese Alpaca, open-chinese/alpaca-chinese-dataset layout (zh_* fields); "": none
    eval_share: float = Field(ge=0, lt=1)
    shuffle: bool = True  # false: examples in mix order, as x-LLM's data set holds them

    @field_validator("counts")
    @classmethod
    def _counts(cls, counts: dict[str, int]) -> dict[str, int]:
        bad = [name for name, count in counts.items() if count < -1]
        if bad:
            raise ValueError(f"{', '.join(bad)}: a count is -1 (all) or a number of examples")
        return counts


class Tuning(Group):
    """What the training stages (sft, preference) share: mode, LoRA, precision, launcher."""

    mode: Literal["full", "lora", "qlora"] = "full"  # qlora: 4-bit NF4 base (bitsandbytes) + LoRA
    # A preset fills the lora_* keys (core/training.py LORA_PRESETS); a lora_* key written (not null) wins.
    preset: Literal["none", "parrot", "llama2lang"] = "none"
    lora_r: int | None = Field(default=None, gt=0)
    lora_alpha: float | None = Field(default=None, gt=0)
    lora_dropout: float | None = Field(default=None, ge=0, lt=1)
    lora_target_modules: list[str] | Literal["all-linear"] | None = None
    use_dora: bool = False  # DoRA (weight-decomposed LoRA) for lora and qlora
    epochs: float = Field(gt=0)
    max_steps: int | None = Field(default=None, gt=0)  # stop after this many optimizer steps; null: epochs
    learning_rate: float = Field(gt=0)
    lr_scheduler: str = "cosine"
    warmup_ratio: float = Field(default=0.0, ge=0, lt=1)
    weight_decay: float = Field(default=0.0, ge=0)
    batch_size: int = Field(gt=0)  # per process
    gradient_accumulation_steps: int = Field(default=1, gt=0)
    max_length: int = Field(gt=0)
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2"] = "sdpa"
    gradient_checkpointing: bool = False
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"  # auto: bf16 where native, else fp32
    launcher: Literal["python", "torchrun", "accelerate"] = "python"
    processes: int = Field(default=1, gt=0)  # per node; the dvc.yaml command passes it to the launcher
    launcher_args: list[str] = []  # more launcher flags (multi-node: --nnodes, --rdzv_endpoint …)
    deepspeed: str = ""  # a DeepSpeed config (configs/deepspeed/zero2.json …); "" for none
    mlflow: bool = True  # report_to MLflow, into the project's store
    logging_steps: int = Field(default=10, gt=0)

    @field_validator("lora_target_modules")
    @classmethod
    def _some_modules(cls, modules):
        if isinstance(modules, list) and not modules:
            raise ValueError("name at least one module, or all-linear")
        return modules

    @field_validator("deepspeed")
    @classmethod
    def _existing_file(cls, path: str) -> str:
        if path and not Path(path).is_file():
            raise ValueError(f"no such file {path!r}")
        return path


class Sft(Tuning):
    merge: bool = False  # lora/qlora: also write the adapter merged into its base, models/sft/merged
    packing: bool = False  # best-fit packing, padding-free: no attention across packed examples
    group_by_length: bool = True  # batches of similar length pad less (ignored when packing)
    chat_template: str = ""  # chat format: a Jinja file with generation markers, for a base without them
    checkpoint_steps: int = Field(default=100, gt=0)  # a killed run resumes from the last of these

    @field_validator("chat_template")
    @classmethod
    def _template_file(cls, path: str) -> str:
        if path and not Path(path).is_file():
            raise ValueError(f"no such file {path!r}")
        return path


class Preference(Tuning):
    method: Literal["none", "dpo", "orpo"] = "none"  # none: the stage writes a note and trains nothing
    model: str = "models/sft"  # the policy to tune (a model or PEFT adapter folder, or a hub id)
    beta: float = Field(default=0.1, gt=0)  # DPO's KL weight; ORPO's odds-ratio weight (lambda)


class TestSet(Group):
    # text: line-aligned files `src` and `ref`; datasets: `path` a hub id or save_to_disk folder, `split`,
    # `config`, `src_field`/`ref_field`; sacrebleu: `path` a test set name (wmt22, flores200, …)
    format: Literal["text", "datasets", "sacrebleu"] = "text"
    src: str | None = None
    ref: str | list[str] | None = None  # one reference file, or several in order (the first is `ref`)
    path: str | None = None
    split: str = "test"
    config: str | None = None
    src_field: str | None = None  # datasets: the source column (default: src_lang, or under `translation`)
    # datasets: the reference column(s) (default: tgt_lang); sacrebleu: which of `ref:A`, `ref:B`, … in
    # order (default: all, in sacreBLEU's order)
    ref_field: str | list[str] | None = None
    src_lang: str
    tgt_lang: str

    _langs = field_validator("src_lang", "tgt_lang")(_language)

    @field_validator("ref", "ref_field")
    @classmethod
    def _some_ref(cls, ref: str | list[str] | None) -> str | list[str] | None:
        if isinstance(ref, list) and not ref:
            raise ValueError("a test set needs at least one reference")
        return ref

    @model_validator(mode="after")
    def _keys_fit_format(self) -> "TestSet":
        needs = {"text": ("src", "ref"), "datasets": ("path",), "sacrebleu": ("path",)}[self.format]
        missing = [key for key in needs if getattr(self, key) is None]
        if missing:
            raise ValueError(f"format {self.format} needs {' and '.join(missing)}")
        given = self.model_fields_set
        wrong = {
            "text": {"path", "split", "config", "src_field", "ref_field"},
            "datasets": {"src", "ref"},
            "sacrebleu": {"src", "ref", "split", "config", "src_field"},
        }[self.format] & given
        if wrong:
            raise ValueError(f"{', '.join(sorted(wrong))}: not used by format {self.format}")
        return self

    @property
    def refs(self) -> list[str]:
        """Every reference: files (text) or fields (datasets, sacrebleu), in the order written."""
        refs = self.ref if self.format == "text" else self.ref_field
        if refs is None:
            return [self.tgt_lang] if self.format == "datasets" else []
        return [refs] if isinstance(refs, str) else list(refs)


class Infer(Group):
    # Rows of the infer matrix: `base` (base.model), `sft` (models/sft), or any folder under models/
    # holding a full model or a PEFT adapter (loaded on its base).
    models: list[str] = ["base", "sft"]
    testsets: dict[str, TestSet]
    batch_tokens: int = Field(default=8192, gt=0)  # padded prompt tokens x rows per batch
    processes: int = Field(default=1, gt=0)  # the dvc.yaml command starts this many with torchrun
    # A preset (stages/core/generation.py PRESETS) gives every generation key; a key written here (not
    # null) wins.
    # ParroT's own settings unless params say otherwise (the embedded default writes greedy: tiny model)
    preset: Literal["greedy", "parrot_beam", "parrot_sample"] = "parrot_beam"
    max_new_tokens: int | None = Field(default=None, gt=0)
    num_beams: int | None = Field(default=None, gt=0)
    do_sample: bool | None = None
    temperature: float | None = Field(default=None, gt=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    repetition_penalty: float | None = Field(default=None, gt=0)
    # lingtune: one line, the preferred <p> span, <v> marks removed for scoring; parrot: ParroT's exactly;
    # xllm: x-LLM's (stripped, line breaks kept)
    postprocess: Literal["lingtune", "parrot", "xllm"] = "lingtune"
    # ParroT's inference templates: input (--template 1), no_input (--template 0), none (no --inst-file)
    template: Literal["input", "no_input", "none"] = "input"
    # ctranslate2: the `convert` stage converts each model (an adapter merged first) into models/ct2/<name>
    backend: Literal["transformers", "ctranslate2"] = "transformers"
    ct2_compute_type: str = "default"  # CTranslate2's: default (the weights' type), int8, float16, bfloat16 …

    @field_validator("testsets")
    @classmethod
    def _testset_names(cls, testsets: dict) -> dict:
        # A name becomes a file name under data/hyps/<model>/<hint>/ and a key of reports/metrics.json.
        bad = [
            name
            for name in testsets
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) or ".." in name or name == "tasks"
        ]
        if bad:
            raise ValueError(
                f"{', '.join(map(repr, bad))}: a test-set name is letters, digits, '_', '.' or '-' "
                "(not first, no '..'; not `tasks`, the evaluation tasks' key in reports/metrics.json)"
            )
        return testsets

    @field_validator("models")
    @classmethod
    def _model_names(cls, names: list[str]) -> list[str]:
        if not names:
            raise ValueError("list at least one model (base, sft, or a folder name under models/)")
        bad = [name for name in names if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.]*", name) or ".." in name]
        if bad:
            # A name becomes a DVC stage name (infer@<name>-<hint>) and a folder under models/ and data/hyps/.
            raise ValueError(
                f"{', '.join(bad)}: a model name is letters, digits, '_' or '.' (not first, no '..')"
            )
        if len(set(names)) != len(names):
            raise ValueError("a model is listed twice")
        return names


class EvalTask(Group):
    """One task of `evaluate.tasks` (README: Evaluation)."""

    # lm_eval: an lm-evaluation-harness task; xllm_qa: x-LLM's generative QA protocol; chat: answers to
    # held-out prompts, checked for the language they are in
    kind: Literal["lm_eval", "xllm_qa", "chat"]
    task: str = ""  # lm_eval: the harness's task name (xcopa_zh, xquad_de, belebele_deu_Latn, …)
    # a local file standing for the task's evaluation split (the hub layout as JSON Lines, or SQuAD v1.1
    # JSON for question answering); "": the task's own hub data (lm_eval)
    data: str = ""
    fewshot_data: str = ""  # lm_eval with num_fewshot > 0 and local data: where the examples come from
    num_fewshot: int | None = Field(default=None, ge=0)  # lm_eval: null for the task's own setting
    # xllm_qa: the per-language instruction and Context/Question/Answer template, a YAML file
    # {instruction: {lang: …}, template: {lang: …}} or x-LLM's own data/xquad/xquad.py (by URL);
    # chat: the prompts, JSON Lines {prompt, reference?}, one prompt a line, or OASST (its root prompts in
    # `lang`: OpenAssistant/oasst1's validation split is kept out of training)
    prompts: str = ""
    lang: str = ""  # xllm_qa, chat: the language of the items and of the answers wanted
    split: str = "validation"  # chat prompts from OASST (a hub id or saved folder): the split to read
    limit: int | None = Field(default=None, gt=0)  # the first N items only
    max_new_tokens: int = Field(default=64, gt=0)  # xllm_qa, chat (lm_eval: the task's own)

    @model_validator(mode="after")
    def _what_the_kind_needs(self) -> "EvalTask":
        if self.kind == "lm_eval" and not self.task:
            raise ValueError("kind lm_eval names the harness's task (task: xcopa_zh, …)")
        if self.kind in ("xllm_qa", "chat"):
            missing = [
                k
                for k in ("prompts", "lang") + (("data",) if self.kind == "xllm_qa" else ())
                if not getattr(self, k)
            ]
            if missing:
                raise ValueError(f"kind {self.kind} needs {', '.join(missing)}")
            _language(self.lang)
        if self.num_fewshot and self.data and not self.fewshot_data:
            raise ValueError(
                "num_fewshot with local data needs fewshot_data (examples kept apart from the items)"
            )
        return self


class Evaluate(Group):
    # task name (a file name under data/evals/<model>/ and a key of reports/metrics.json) -> its settings
    tasks: dict[str, EvalTask] = {}
    batch_size: int = Field(default=8, gt=0)  # lm_eval's batch size

    @field_validator("tasks")
    @classmethod
    def _task_names(cls, tasks: dict) -> dict:
        bad = [
            name for name in tasks if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) or ".." in name
        ]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))}: a task name is letters, digits, '_', '.' or '-'")
        return tasks


class Judge(Group):
    # MI-Eval's pairwise judging of the chat tasks' answers by a local causal LM (a folder or hub id); ""
    # is off. Each infer model but `against` is judged against `against`, in both answer orders.
    model: str = ""
    against: str = "base"
    max_length: int = Field(default=1024, gt=0)  # judge prompts are cut to this many tokens (from the left)


class Score(Group):
    comet_model: str  # hub id (Unbabel/wmt22-comet-da) or a local checkpoint folder; "" for none
    comet_batch_size: int = Field(gt=0)
    comet_gpus: int = Field(default=0, ge=0)  # GPUs for COMET's predict; 0 runs on the CPU
    # reference-free COMET (Unbabel/wmt22-cometkiwi-da: non-commercial licence, gated); "" for none
    comet_kiwi_model: str = ""
    bleu_tokenize: str = "auto"  # auto: zh for Chinese, ja-mecab for Japanese, 13a otherwise
    chrf_plus: bool = False  # also chrF++ (chrF with word bigrams) as `chrfpp`
    ter: bool = False  # also TER as `ter`


def _url_problems(node, key: str = "") -> list[tuple[str, str]]:
    """(key, message) for every URL in the raw parameters that would not be fetched safely."""
    if isinstance(node, dict):
        return [p for name, value in node.items() for p in _url_problems(value, f"{key}.{name}".lstrip("."))]
    if isinstance(node, list):
        return [p for index, value in enumerate(node) for p in _url_problems(value, f"{key}[{index}]")]
    if isinstance(node, str) and is_url(node):
        try:
            download_target(node)
        except ValueError as error:
            return [(key, str(error))]
    return []


class Params(Group):
    base: Base
    embedded: Embedded
    pairs: Pairs
    instructions: Instructions
    translate: Translate
    threads: Threads
    sft_data: SftData
    sft: Sft
    preference: Preference
    infer: Infer
    evaluate: Evaluate = Evaluate()
    judge: Judge = Judge()
    score: Score

    @model_validator(mode="before")
    @classmethod
    def _urls_are_https_inside_data_external(cls, raw):
        """Every URL, under any key: https only, saved inside data/external (`..` would escape it)."""
        problems = _url_problems(raw)
        if problems:
            raise _errors_at(problems, raw)
        return raw

    @model_validator(mode="after")
    def _engine_knows_the_languages(self) -> "Params":
        """The translation engine takes the target language (and the pivot) at all: M2M-100 has no
        Basque, NLLB no code outside its table. Source languages are checked as the stage meets them."""
        engine = self.translate.engine
        for key, lang in (
            ("base.target_lang", self.base.target_lang),
            ("translate.pivot", self.translate.pivot),
        ):
            problem = engine_language_problem(engine, lang)
            if problem:
                raise _errors_at([(key, f"{problem} (translate.engine {engine})")], lang)
        return self


def _errors_at(problems: list[tuple[str, str]], value) -> ValidationError:
    """A validation error for each (dotted key, message), located as pydantic locates a field's own."""
    from pydantic_core import InitErrorDetails, PydanticCustomError

    details = [
        InitErrorDetails(
            type=PydanticCustomError("value_error", message), loc=tuple(key.split(".")), input=value
        )
        for key, message in problems
    ]
    return ValidationError.from_exception_data("Params", details)


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    """(dotted key, message) for each error pydantic found."""
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(file)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (misspelled?)"
        problems.append((key, message))
    return problems


def load_params(path: str | Path = PARAMS_FILE) -> Params:
    """The validated parameters; errors name every offending key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ParamsError(
            f"{path}: not valid YAML: {error}", [("(file)", f"not valid YAML: {error}")]
        ) from None
    try:
        return Params.model_validate(raw or {})
    except ValidationError as error:
        problems = _problems(error)
        lines = "\n".join(f"  {key}: {message}" for key, message in problems)
        raise ParamsError(f"{path}: invalid parameters\n{lines}", problems) from None


def load_raw(path: str | Path = PARAMS_FILE) -> dict:
    """The file as written, for recording a run's parameters."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}

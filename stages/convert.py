"""convert: one model of the infer matrix converted to CTranslate2, for `infer.backend: ctranslate2`.

Run as `python -m stages.convert --model {base,sft,<name>}`, once per model (a DVC matrix over
`infer.models`, as infer): with `infer.backend: ctranslate2` the model (full weights, or a PEFT adapter merged
into its base first) is converted for `infer.ct2_compute_type` into models/ct2/<name>, which every infer cell
of that model decodes with; with `transformers` the folder holds only a note. DVC reruns it when the model,
the backend or the compute type changes, so a model is converted once, not once per hint.
"""

import argparse
from pathlib import Path

from stages.core import ct2
from stages.core.io import atomic_path, write_text
from stages.core.models import infer_model_path
from stages.core.params import load_params

OUT_ROOT = Path("models/ct2")
NOTE = "infer.backend is transformers: nothing converted. Set it to ctranslate2 (README: Inference).\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    params = load_params()
    out = OUT_ROOT / args.model
    if params.infer.backend != "ctranslate2":
        with atomic_path(out) as tmp:
            tmp.mkdir()
            write_text(tmp / "README.md", NOTE)
        return
    path = infer_model_path(args.model, params)
    out.parent.mkdir(parents=True, exist_ok=True)
    ct2.convert(
        path,
        out,
        params.infer.ct2_compute_type,
        params.base.allow_pickle_weights,
        trust_remote_code=params.base.trust_remote_code,
    )
    print(f"convert {args.model}: {path} -> {out} ({params.infer.ct2_compute_type})")


if __name__ == "__main__":
    main()

"""validate: params.yaml checked whole, before any stage runs (every stage depends on this one).

DVC removes a stage's outputs before the stage reads its params, so a misspelled `sft` key would cost a
retrain from scratch (sft's checkpoints cannot come back from the run cache). This stage depends on all of
params.yaml: a bad key, type or language, an unknown top-level group, or an unsafe URL stops `dvc repro`
here, in seconds, with every other output left as it was. Writes reports/params.json, which stays the same
for every valid params file, so a valid change reruns only the stages that read the changed keys.
"""

import sys

from stages.core.io import write_json
from stages.core.params import PARAMS_FILE, ParamsError, load_params

OUT = "reports/params.json"


def main() -> None:
    try:
        params = load_params(PARAMS_FILE)
    except ParamsError as error:
        sys.exit(f"validate: {error}")
    write_json(OUT, {"valid": True, "groups": sorted(type(params).model_fields)})
    print(f"validate: {PARAMS_FILE} is valid")


if __name__ == "__main__":
    main()

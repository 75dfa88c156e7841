"""Small inputs for stage tests: a params.yaml beside them, written from the shipped one."""

import copy
from pathlib import Path

import yaml

from .conftest import ROOT

SHIPPED = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))


def write_params(folder: Path, **groups) -> dict:
    """The shipped params with some groups' keys replaced; written to folder/params.yaml."""
    params = copy.deepcopy(SHIPPED)
    for group, values in groups.items():
        params[group].update(values)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return params


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path

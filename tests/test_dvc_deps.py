"""DVC sees every change that can change a stage's output: each stage's `stages/core/*` deps in dvc.yaml are
exactly the core modules it imports, directly or through other core modules (lazy imports included)."""

import ast
import re
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

CORE = ROOT / "stages" / "core"
STAGE_MODULE = re.compile(r"-m stages\.(\w+)")


def imported_core_modules(path: Path) -> set[str]:
    """Names of the stages/core modules `path` imports anywhere in its code."""
    in_core = path.parent == CORE
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("stages.core.")}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module == "stages.core" or node.level == 1 and in_core and not module:
                found |= {alias.name for alias in node.names}  # `from stages.core import langid`
            elif node.level == 0 and module.startswith("stages.core."):
                found.add(module.split(".")[2])
            elif node.level == 1 and in_core:
                found.add(module.split(".")[0])
    return {name for name in found if (CORE / f"{name}.py").exists()}


def core_closure(path: Path) -> set[str]:
    """The core modules `path` needs, following imports from core module to core module."""
    needed, todo = set(), list(imported_core_modules(path))
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(imported_core_modules(CORE / f"{name}.py"))
    return needed


def stage_files(module: str) -> list[Path]:
    """A stage's own code: stages/<module>.py, or every file of the stages/<module>/ package."""
    single = ROOT / "stages" / f"{module}.py"
    return [single] if single.exists() else sorted((ROOT / "stages" / module).glob("*.py"))


def stages() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


@pytest.mark.parametrize("name", sorted(stages()))
def test_core_deps_equal_the_core_modules_the_stage_imports(name):
    stage = stages()[name]
    module = STAGE_MODULE.search(stage["cmd"]).group(1)
    files = stage_files(module)
    assert files, f"{name}: no code for stages.{module}"
    needed = set().union(*(core_closure(path) for path in files))
    listed = {Path(dep).stem for dep in stage["deps"] if dep.startswith("stages/core/")}
    assert listed == needed, (
        f"dvc.yaml stage {name}: add {sorted(needed - listed)}, remove {sorted(listed - needed)} "
        "(stages/core/<name>.py)"
    )
    own = {str(path.relative_to(ROOT)) for path in files}
    folder = f"stages/{module}" if len(files) > 1 or files[0].parent.name == module else None
    assert own <= set(stage["deps"]) or folder in stage["deps"], f"{name}: its own code is not a dep"


def test_the_closure_follows_imports_through_core(tmp_path):
    # infer imports generation, which imports batching: batching is needed although infer never names it.
    assert {"generation", "batching", "team"} <= core_closure(ROOT / "stages" / "infer.py")


def test_the_committed_lock_records_this_code_params_and_sample():
    """dvc.lock is committed with the run of exactly this code, these params and this sample, so a fresh
    clone's `dvc repro` writes the same hashes back (git status stays empty) and `dvc pull` finds them:
    no stage may have a git-tracked dependency, a parameter or a command that differs from its lock entry
    (outputs, and the deps that are other stages' outputs, are absent in a fresh clone: not checked)."""
    import json
    import shutil
    import subprocess
    import sys

    dvc = shutil.which("dvc", path=str(Path(sys.executable).parent))
    status = json.loads(
        subprocess.run([dvc, "status", "--json"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    )
    tracked = set(
        subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    stale = {}
    for stage, changes in status.items():
        for change in changes:
            if change == "changed command":
                stale[stage] = "command"
            elif isinstance(change, dict):
                for path, what in change.get("changed deps", {}).items():
                    if (
                        isinstance(what, dict)
                        or path in tracked
                        or any(f.startswith(f"{path}/") for f in tracked)
                    ):
                        stale.setdefault(stage, {})[path] = what
    assert not stale, f"dvc.lock is stale: rerun `dvc repro` and commit dvc.lock ({stale})"

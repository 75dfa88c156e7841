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

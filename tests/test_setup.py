"""Set-up that cannot drift: every lock pins every package with the hashes of its files, and the
installers set-up uses refuse a file whose hash differs."""

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

LOCKS = ("requirements.lock", "requirements-cuda.lock", "requirements-uv.lock")
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)")


def requirements(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of a requirements file, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    found = {}
    for line in joined.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        pin = PIN.match(line)
        assert pin, f"{path.name}: not pinned with ==: {line[:80]}"
        name = re.sub(r"[-_.]+", "-", pin[1]).lower()
        found[name] = pin[2], re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
    return found


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_package_is_pinned_with_hashes(lock):
    locked = requirements(ROOT / lock)
    assert locked and all(hashes for _, hashes in locked.values()), lock


def test_the_locks_hold_the_pins_of_requirements_in():
    wanted = {name: version for name, (version, _) in requirements(ROOT / "requirements.in").items()}
    for lock in LOCKS[:2]:
        locked = {name: version.split("+")[0] for name, (version, _) in requirements(ROOT / lock).items()}
        assert {name: locked.get(name) for name in wanted} == wanted, lock
    cpu, cuda = requirements(ROOT / "requirements.lock"), requirements(ROOT / "requirements-cuda.lock")
    assert cpu["torch"][0] == "2.13.0+cpu" and not any(name.startswith("nvidia-") for name in cpu)
    assert cuda["torch"][0] == "2.13.0" and "nvidia-nccl-cu13" in cuda


def test_set_up_installs_only_with_hashes():
    makefile = re.sub(r"\\\n\s*", " ", (ROOT / "Makefile").read_text(encoding="utf-8"))  # joined lines
    commands = [part for line in makefile.splitlines() for part in line.split(";")]
    installs = [part for part in commands if re.search(r"(pip|uv pip) install .*-r ", part)]
    assert len(installs) == 3 and all("--require-hashes" in line for line in installs), installs


def _installers() -> list[list[str]]:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    pip = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-cache-dir"]
    return [pip] + ([[uv, "pip", "install", "--no-cache"]] if uv else [])


@pytest.mark.parametrize("installer", _installers(), ids=lambda command: Path(command[0]).name)
def test_a_file_whose_hash_differs_is_refused(installer, tmp_path):
    project = tmp_path / "tinypkg"
    (project / "tinypkg").mkdir(parents=True)
    (project / "tinypkg" / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "tinypkg"\nversion = "1.0"\n[build-system]\nrequires = ["setuptools"]\n'
        'build-backend = "setuptools.build_meta"\n'
    )
    wheels = tmp_path / "wheels"
    build = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(wheels),
    ]
    subprocess.run([*build, str(project)], check=True, capture_output=True)
    [wheel] = wheels.glob("*.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    offline = ["--no-index", "--find-links", str(wheels), "--require-hashes"]
    if Path(installer[0]).name == "uv":
        offline += ["--python", sys.executable]
    for name, hash_ in (("wrong", "0" * 64), ("right", digest)):
        (tmp_path / f"{name}.txt").write_text(f"tinypkg==1.0 --hash=sha256:{hash_}\n")
        target = tmp_path / f"target-{name}"
        done = subprocess.run(
            [*installer, *offline, "--target", str(target), "-r", str(tmp_path / f"{name}.txt")],
            capture_output=True,
            text=True,
        )
        if name == "wrong":
            assert done.returncode != 0 and "hash" in (done.stdout + done.stderr).lower()
            assert not (target / "tinypkg").exists()
        else:
            assert done.returncode == 0, done.stderr
            assert (target / "tinypkg" / "__init__.py").is_file()

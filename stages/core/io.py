"""Reading and writing the pipeline's files: JSON Lines with located errors, atomic outputs."""

import contextlib
import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """Bad input, located at a file (and line, or params key) so the user can fix it.

    `key`: the params key to change, when the input is a parameter (the message names it too).
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None, key: str | None = None):
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.key, self.message = str(path), line, key, message


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each non-blank line; a bad line names the file and line."""
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(path, f"invalid JSON ({error.msg})", number) from None
        if not isinstance(record, dict):
            raise InputError(path, "a record must be a JSON object", number)
        yield number, record


def read_jsonl(path: str | Path, required: Iterable[str] = ()) -> list[dict[str, Any]]:
    """All records of a JSON Lines file; a bad line or a missing key names the file and line."""
    required = tuple(required)
    records = []
    for number, record in iter_jsonl(path):
        missing = [key for key in required if key not in record]
        if missing:
            raise InputError(path, f"missing field(s) {', '.join(missing)}", number)
        records.append(record)
    return records


EXTERNAL = Path("data/external")


def offline() -> bool:
    """The project's one switch for "download nothing" (the hub's own), for every downloader."""
    return os.environ.get("HF_HUB_OFFLINE", "").upper() in {"1", "ON", "YES", "TRUE"}


def is_url(path: str | Path) -> bool:
    """Any URL: the https ones are fetched, every other scheme is refused by `download_target`."""
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", str(path)) is not None


def download_target(url: str) -> Path:
    """Where an input URL is downloaded: data/external/<host>/<path>. ValueError for anything but an
    https URL to a file whose path stays inside data/external (no `..`, no user, no empty host)."""
    import posixpath
    from urllib.parse import unquote, urlsplit

    if "://" in url and not url.startswith("https://"):
        raise ValueError(f"{url!r}: only https:// URLs are fetched")
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = posixpath.normpath("/" + unquote(parts.path)).lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", host) or parts.username or not path or path == ".":
        raise ValueError(f"{url!r}: not a well-formed https:// URL to a file")
    if any(part == ".." for part in unquote(parts.path).split("/")):
        raise ValueError(f"{url!r}: a URL path with '..' would be saved outside {EXTERNAL}")
    target = EXTERNAL / (host + (f":{parts.port}" if parts.port else "")) / path
    if not target.resolve().is_relative_to(EXTERNAL.resolve()):
        raise ValueError(f"{url!r}: would be saved outside {EXTERNAL}")
    return target


@functools.cache
def stage_deps() -> tuple[Path, ...] | None:
    """The resolved deps of the DVC stage this process runs for (DVC names it in DVC_STAGE), as DVC reads
    them from dvc.yaml; None outside DVC, or where DVC cannot say (the check is advice, never a failure)."""
    stage = os.environ.get("DVC_STAGE")
    if not stage:
        return None
    try:
        from dvc.repo import Repo

        with Repo(os.getcwd()) as repo:
            [resolved] = repo.stage.collect(stage)
            return tuple(Path(dep.fs_path).resolve() for dep in resolved.deps)
    except Exception:  # noqa: BLE001 - any DVC trouble only skips the advice
        return None


@functools.cache
def tracked_input(path: str | Path) -> Path:
    """`path`, after a warning if the running DVC stage does not list it (or a folder above it) in its
    deps: DVC would not rerun the stage when the file changes, and would restore old results from its
    run cache."""
    deps = stage_deps()
    resolved = Path(path).resolve()
    if deps is not None and not any(dep == resolved or dep in resolved.parents for dep in deps):
        stage = os.environ["DVC_STAGE"]
        print(
            f"{stage}: warning: {path} is read but is not among the stage's deps in dvc.yaml, so DVC will "
            f"not see it change; add `- {path}` (or its folder) under stages.{stage.split('@')[0]}.deps",
            flush=True,
        )
    return Path(path)


def local_file(path: str | Path) -> Path:
    """A local path as it is; an https URL downloaded once into data/external/<host>/<path>.

    A downloaded file is taken as immutable (published data sets do not change under their URL): it is
    fetched again only if deleted. Nothing is fetched when HF_HUB_OFFLINE is set.
    """
    if not is_url(path):
        if not Path(path).is_file():
            raise InputError(path, "file not found")
        return tracked_input(path)
    from urllib.request import urlopen

    try:
        target = download_target(str(path))
    except ValueError as error:
        raise InputError(path, str(error)) from None
    if target.is_file():
        return target
    if offline():
        raise InputError(path, f"not downloaded yet ({target}), and HF_HUB_OFFLINE is set")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urlopen(str(path), timeout=60) as response, atomic_path(target) as tmp:
            tmp.write_bytes(response.read())
    except OSError as error:  # URLError and HTTPError are OSErrors
        raise InputError(path, f"download failed: {error}") from None
    return target


def read_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file (or URL), without line ends; invalid UTF-8 names the line."""
    data = local_file(path).read_bytes()
    # A byte-order mark is an encoding artefact, not text: it would end up in the first record.
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    decoded = []
    for number, raw in enumerate(lines, start=1):
        try:
            decoded.append(raw.decode("utf-8").removesuffix("\r"))
        except UnicodeDecodeError:
            raise InputError(path, "invalid UTF-8", number) from None
    return decoded


ALPACA_FIELDS = ("instruction", "input", "output")


def read_alpaca(path: str | Path, fields: tuple[str, str, str] = ALPACA_FIELDS) -> list[dict]:
    """A JSON list of Alpaca records as `{instruction, input, output}`; `fields` name them in the file."""
    try:
        records = json.loads(local_file(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(path, f"invalid JSON ({error.msg})", error.lineno) from None
    if not isinstance(records, list):
        raise InputError(path, "expected a JSON list of Alpaca records")
    instruction, input, output = fields
    result = []
    for index, record in enumerate(records):
        # Alpaca records often leave out an empty input; instruction and output are required.
        missing = [f for f in (instruction, output) if not isinstance(record, dict) or f not in record]
        if missing:
            raise InputError(path, f"record {index}: missing field(s) {', '.join(missing)}")
        wrong = [f for f in (instruction, input, output) if f in record and not isinstance(record[f], str)]
        if wrong:
            kinds = ", ".join(f"{f!r} is {type(record[f]).__name__}" for f in wrong)
            raise InputError(path, f"record {index}: a field must be text ({kinds})")
        result.append(
            {"instruction": record[instruction], "input": record.get(input, ""), "output": record[output]}
        )
    return result


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=False)


def remove_stale_siblings(target: Path) -> list[Path]:
    """Remove the temporary siblings a killed writer of `target` left (`.<name>.<8 random characters>`,
    as `atomic_path` makes them): for a 7B model, tens of GB. Only `target`'s writer makes them, and one
    runs at a time, so any found at its start are stale. Returns what was removed."""
    pattern = re.compile(re.escape(f".{target.name}.") + r"[a-z0-9_]{8}")
    stale = [p for p in target.parent.iterdir() if p.is_dir() and pattern.fullmatch(p.name)]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A temporary sibling of `target` that replaces it only if the block succeeds.

    Works for files and folders alike: a killed or failed stage leaves the old output (or none),
    never a half-written one.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_siblings(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent)) / target.name
    try:
        yield tmp
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp.parent, ignore_errors=True)


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records atomically; returns how many were written."""
    count = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as out:
        for record in records:
            out.write(dumps(record) + "\n")
            count += 1
    return count


def write_json(path: str | Path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


TIMINGS = Path("reports/timings")


def write_timings(name: str, figures: dict[str, Any]) -> None:
    """Wall times, speeds and memory of one stage run, in reports/timings/<name>.json: never a DVC output,
    since they differ from run to run and every hashed output must not (a fresh clone's `dvc repro` gives
    the committed dvc.lock). `track` logs them with the run."""
    write_json(TIMINGS / f"{name}.json", figures)

"""Data that comes by name rather than as a file: Hugging Face `datasets` and sacreBLEU's test sets.

Both raise `InputError` naming what was asked for, and neither downloads anything when HF_HUB_OFFLINE is
set (sacreBLEU has no switch of its own: the project's one switch for "download nothing" covers it).
"""

from pathlib import Path

from .io import InputError, offline, tracked_input


def load_hf_dataset(path: str, config: str | None, split: str, key: str = "format datasets"):
    """One split of a data set: a folder written by save_to_disk, or a hub id (network or local cache).

    A folder holding a single Dataset is taken as the split asked for.
    """
    import datasets  # imported here: a second of start-up that only this source needs

    folder = Path(path)
    if folder.is_dir():
        tracked_input(folder)
    try:
        if (folder / "dataset_dict.json").exists() or (folder / "state.json").exists():
            loaded = datasets.load_from_disk(str(folder))
        else:
            loaded = datasets.load_dataset(path, config, split=split)
    except (OSError, ValueError) as error:  # ConnectionError and FileNotFoundError are OSErrors
        raise InputError(
            path,
            f"cannot load the data set ({key}): {error}. A hub id needs the network "
            "(or the Hugging Face cache when HF_HUB_OFFLINE is set); a folder must come from save_to_disk",
        ) from None
    if isinstance(loaded, datasets.DatasetDict):
        if split not in loaded:
            raise InputError(path, f"no split {split!r} (it has {', '.join(loaded)})")
        loaded = loaded[split]
    return loaded


def _sacrebleu_cached(dataset) -> bool:
    # sacreBLEU keeps each archive it downloads under <SACREBLEU>/<name>/raw and fetches only missing ones.
    archives = [Path(dataset._rawdir, dataset._get_tarball_filename(url)) for url in dataset.data]
    return all(path.exists() and path.stat().st_size > 0 for path in archives)


def sacrebleu_files(name: str, src_lang: str, tgt_lang: str) -> dict[str, Path]:
    """A sacreBLEU test set's files for one language pair, by field (`src`, `ref` or `ref:A`…, `docid`…)."""
    from sacrebleu.dataset import DATASETS

    langpair = f"{src_lang}-{tgt_lang}"
    where = f"{name} (sacreBLEU test set, {langpair})"
    dataset = DATASETS.get(name)
    if dataset is None:
        raise InputError(where, "not a sacreBLEU test set name (`sacrebleu --list` shows them)")
    if langpair not in dataset.langpairs:
        raise InputError(
            where, f"the test set has no {langpair} (it has {', '.join(sorted(dataset.langpairs))})"
        )
    need = f"downloading it needs the network ({', '.join(dataset.data)})"
    if offline() and not _sacrebleu_cached(dataset):
        raise InputError(
            where, f"not in sacreBLEU's cache ({dataset._outdir}) and {need}, but HF_HUB_OFFLINE is set"
        )
    try:
        paths = dataset.get_files(langpair)
    except (OSError, SystemExit) as error:  # sacreBLEU exits (after logging why) on SSL and checksum errors
        detail = "see sacreBLEU's message above" if isinstance(error, SystemExit) else str(error)
        raise InputError(where, f"{need}, and it failed: {detail}") from None
    return {field: Path(path) for field, path in zip(dataset.fieldnames(langpair), paths, strict=True)}


def reference_fields(files: dict[str, Path]) -> list[str]:
    """sacreBLEU's reference fields in its own order (`ref`, or `ref:A`, `ref:B`, …)."""
    return [field for field in files if field.startswith("ref")]

"""Which manifests to check for a list of changed files (a pre-commit hook's view).

Each file is checked with the clearsky.yaml found in its folder or above; files under no
clearsky.yaml are not this tool's and are left out. A changed clearsky.yaml, or a changed AOI
file (.geojson, .json, .wkt), has its whole folder checked: any manifest may depend on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reconciler.manifest.loader import CONFIG_NAMES, find_config

MANIFEST_SUFFIXES = (".yaml", ".yml")


def changed_groups(files: Sequence[str | Path]) -> tuple[list[list[Path]], list[Path]]:
    """(groups of paths to load together, one per clearsky.yaml; files left out)."""
    groups: dict[Path, set[Path]] = {}
    whole: set[Path] = set()
    left_out: list[Path] = []
    for name in files:
        path = Path(name)
        config = find_config(path) if path.exists() else None
        if config is None:
            left_out.append(path)
            continue
        folder = config.parent
        if path.name in CONFIG_NAMES or path.suffix not in MANIFEST_SUFFIXES:
            whole.add(folder)
        else:
            groups.setdefault(folder, set()).add(path)
    for folder in whole:
        groups[folder] = {folder}
    ordered = [sorted(paths) for _, paths in sorted(groups.items())]
    return ordered, left_out

"""Which workspaces a run over some paths covers, and the manifests that belong to none.

A workspace is a folder with a clearsky.yaml and every manifest below it that has no nearer
clearsky.yaml. A run over a path covers the workspace it lies in (narrower paths scope it) and
every workspace below it. A TaskingOrder under the paths that belongs to no workspace, while
workspaces exist, is an error at its line; with no clearsky.yaml at all, the paths are the
workspace, as they always were.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import Problem
from reconciler.files import read_text_file
from reconciler.manifest.loader import CONFIG_NAMES, SKIPPED_DIRS, discover, display, find_config

KIND = re.compile(r"^kind:\s*[\"']?TaskingOrder[\"']?\s*(#.*)?$", re.MULTILINE)
MAX_SNIFF = 10 * 1024 * 1024


@dataclass(frozen=True)
class Covered:
    """One workspace a run covers: its folder (None: no clearsky.yaml anywhere, the paths are
    the workspace) and the paths given within it."""

    folder: Path | None
    paths: tuple[str, ...]


def covered(paths: Sequence[str]) -> tuple[list[Covered], list[Problem]]:
    """The workspaces `paths` cover, in folder order, and the stray manifests (problems)."""
    given = list(paths) or ["."]
    found: dict[Path, list[str]] = {}
    outside = []
    for path in given:
        config = find_config(Path(path)) if Path(path).exists() else None
        if config is not None:
            found.setdefault(config.parent.resolve(), []).append(path)
        below = _configs_below(Path(path))
        for each in below:
            found.setdefault(each.parent.resolve(), []).append(_shown(each.parent))
        if config is None and not below:
            outside.append(path)
    if not found:
        return [Covered(None, tuple(given))], []
    strays = [p for path in given for p in _strays(Path(path), set(found))]
    strays += [
        Problem(path, 0, "", "", "in no workspace: no clearsky.yaml in it, above or below it")
        for path in outside
        if not any(p.file.startswith(display(Path(path))) for p in strays)
    ]
    out = [Covered(folder, tuple(dict.fromkeys(found[folder]))) for folder in sorted(found)]
    return out, strays


def _shown(folder: Path) -> str:
    return display(folder) or "."


def _configs_below(path: Path) -> list[Path]:
    """clearsky.yaml files strictly below folder `path` (hidden folders aside)."""
    if not path.is_dir():
        return []
    out = []
    for folder, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        if Path(folder) != path and any(n in CONFIG_NAMES for n in names):
            out.append(Path(folder) / next(n for n in names if n in CONFIG_NAMES))
    return out


def _strays(path: Path, workspaces: set[Path]) -> list[Problem]:
    """TaskingOrder documents under `path` whose nearest clearsky.yaml is none (the walk
    leaves out the folders that have their own)."""
    if not path.exists() or find_config(path) is not None:
        return []  # everything under it belongs to that workspace
    return strays_among(discover([path]))


def strays_among(files: Iterable[Path]) -> list[Problem]:
    """Those of `files` that hold a TaskingOrder and lie under no clearsky.yaml."""
    problems = []
    for file in files:
        if not file.is_file() or find_config(file) is not None:
            continue
        try:
            text = read_text_file(file, MAX_SNIFF)
        except (OSError, UnicodeDecodeError):
            continue  # not read here; it is no manifest of a workspace either way
        match = KIND.search(text)
        if match is None:
            continue
        line = text.count("\n", 0, match.start()) + 1
        problems.append(
            Problem(
                display(file),
                line,
                "",
                "kind",
                "this TaskingOrder belongs to no workspace (no clearsky.yaml in its folder or "
                "above), so no run plans it: move it under a workspace's folder, or give its "
                "folder a clearsky.yaml",
            )
        )
    return problems

"""The workspaces a command's paths cover, as one set of settings each (manifest/workspaces.py
says which): commands run each on its own and report them together."""

from __future__ import annotations

from dataclasses import replace

from reconciler.engine import Settings
from reconciler.errors import ClearskyOrdersError, ManifestError
from reconciler.manifest.workspaces import covered


def workspaces(settings: Settings) -> list[Settings]:
    """One settings per workspace the paths cover; ManifestError naming every manifest that
    belongs to none."""
    found, strays = covered(settings.paths)
    if strays:
        raise ManifestError(strays)
    if len(found) > 1 and settings.state_path:
        raise ClearskyOrdersError(
            f"--state names one state, and the paths cover {len(found)} workspaces, each with "
            "its own: give --state with one workspace's folder"
        )
    return [replace(settings, paths=each.paths, one_workspace=True) for each in found]


def shown(settings: Settings) -> str:
    return ", ".join(settings.paths)


def severest(first: int, second: int) -> int:
    """The exit code of two runs together: an error (1), else changes (2), else none (0)."""
    return 1 if 1 in (first, second) else max(first, second)

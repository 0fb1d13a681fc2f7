"""Scope: paths narrower than the workspace limit what a run may change, like --target. Pure.

The desired set is always the whole workspace (the folder of its clearsky.yaml). When the
command names narrower paths (a subfolder, a file), only the manifests under them, and the
state entries recorded for them, can change. A state entry records the manifest file it was
applied from; removing a manifest cancels its order only in a run that covers where it was.
An entry that records no file (written before entries recorded one) is cancelled only by a run
over the whole workspace. Unmanaged, orphaned and pending orders belong to no path: a scoped
run neither reports nor touches them, and pruning needs the whole workspace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reconciler.planning.model import Change, StateEntry


@dataclass(frozen=True)
class Scope:
    """The parts of a workspace a run covers: `paths` are relative to the workspace folder,
    with '/' between folders; none means the whole workspace."""

    paths: tuple[str, ...] = ()

    @property
    def whole(self) -> bool:
        return not self.paths

    def covers(self, file: str) -> bool:
        """True when the manifest file `file` (relative to the workspace) is in scope."""
        if self.whole:
            return True
        if not file:
            return False
        return any(file == p or file.startswith(p.rstrip("/") + "/") for p in self.paths)

    def describe(self) -> str:
        return ", ".join(self.paths) if self.paths else "the whole workspace"


@dataclass(frozen=True)
class Scoped:
    changes: list[Change]
    left_out: int
    """Managed orders (state entries) outside the scope: not considered."""


def scoped(
    changes: Sequence[Change],
    scope: Scope,
    files: Mapping[str, str],
    state: Mapping[str, StateEntry],
) -> Scoped:
    """The changes `scope` covers (`files`: each manifest's file relative to the workspace,
    by name). A change of a manifest is in scope by its file; a cancel of a removed manifest by
    the file its state entry recorded; anything without either is out."""
    if scope.whole:
        return Scoped(list(changes), 0)
    kept = [c for c in changes if scope.covers(_file_of(c, files, state))]
    left_out = sum(1 for name, e in state.items() if not scope.covers(files.get(name, e.file)))
    return Scoped(kept, left_out)


def _file_of(change: Change, files: Mapping[str, str], state: Mapping[str, StateEntry]) -> str:
    if change.name in files:
        return files[change.name]
    entry = state.get(change.name) if change.name else None
    if entry is None or change.order_guid is None:
        return ""
    # a pending cancel may carry a name whose entry owns another order now: not this one
    return entry.file if entry.guid.lower() == change.order_guid.lower() else ""


def left_out_note(count: int, scope: Scope) -> str:
    if not count:
        return ""
    return (
        f"{count} managed order(s) outside the given paths ({scope.describe()}) were not "
        "considered; run over the whole workspace to plan them"
    )

"""Targeting: limit a plan to some manifests (--target, --exclude, --selector). Pure.

Changes outside the selection are dropped: they are neither applied nor reported. Unmanaged
orders belong to no manifest, so a targeted plan does not report them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reconciler.errors import ClearskyOrdersError
from reconciler.planning.model import Change, StateEntry


@dataclass(frozen=True)
class Selection:
    targets: frozenset[str] = field(default_factory=frozenset)
    excludes: frozenset[str] = field(default_factory=frozenset)
    selectors: tuple[tuple[str, str], ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.targets or self.excludes or self.selectors)

    def wants(self, name: str, labels: Mapping[str, str]) -> bool:
        if not name:
            return False
        if self.targets and name not in self.targets:
            return False
        if name in self.excludes:
            return False
        return all(labels.get(key) == value for key, value in self.selectors)


def parse_selectors(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep or not key.strip():
            raise ClearskyOrdersError(
                f"--selector {value!r}: write it as key=value, e.g. team=agri"
            )
        pairs.append((key.strip(), wanted.strip()))
    return tuple(pairs)


def select(
    changes: Sequence[Change], selection: Selection, state: Mapping[str, StateEntry]
) -> list[Change]:
    """The changes the selection covers; an unknown --target name is an error."""
    if selection.everything:
        return list(changes)
    known = {c.name for c in changes if c.name} | set(state)
    unknown = sorted(selection.targets - known)
    if unknown:
        raise ClearskyOrdersError(
            f"--target {', '.join(unknown)}: no manifest or state entry has that name"
        )
    chosen = []
    for change in changes:
        entry = state.get(change.name)
        labels = change.labels or (entry.labels if entry else {})
        if selection.wants(change.name, labels):
            chosen.append(change)
    return chosen

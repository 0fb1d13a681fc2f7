"""One object for each value that thousands of orders repeat.

An account of 50,000 orders holds its handful of models, label sets, statuses and dates 50,000
times over, once for every manifest, listed order and state entry, each read into an object of
its own. Equal values of these immutable kinds are made one object as they are read: the
first one seen stands for the rest. The tables are bounded; past the bound a value is simply
kept as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Mapping
from datetime import date
from typing import TypeVar, cast

LIMIT = 4096
"""Distinct values kept per kind: far more than an account's models, labels or dates."""

V = TypeVar("V", bound=Hashable)

_values: dict[object, object] = {}
_labels: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}


def shared(value: V) -> V:
    """`value`, or the equal one seen first (strings, dates, tuples of them)."""
    if isinstance(value, str) and len(value) <= 64:
        return cast(V, sys.intern(value))
    found = _values.get(value)
    if found is not None and type(found) is type(value):
        return found  # equal and of the same type: the same value
    if len(_values) < LIMIT:
        _values[value] = value
    return value


def shared_day(value: date | None) -> date | None:
    return None if value is None else shared(value)


def shared_labels(labels: Mapping[str, str]) -> Mapping[str, str]:
    """One object per distinct set of labels (read-only by contract: nothing changes labels
    in place)."""
    key = tuple(labels.items())
    found = _labels.get(key)
    if found is None:
        found = {sys.intern(k): sys.intern(v) for k, v in key}
        if len(_labels) < LIMIT:
            _labels[key] = found
    return found

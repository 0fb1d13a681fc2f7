"""Scope: a run over narrower paths changes only what lies under them."""

from __future__ import annotations

from reconciler.planning import Action, StateEntry, decide
from reconciler.planning.scope import Scope, scoped
from tests.conftest import PAGE_WKT, SKAGEN, TODAY, desired, live, spec


def test_a_path_covers_itself_and_what_is_below_it_only() -> None:
    scope = Scope(("coast",))
    assert scope.covers("coast/skagen.yaml") and scope.covers("coast")
    assert not scope.covers("coastal/x.yaml") and not scope.covers("x.yaml")
    assert not scope.covers("")  # an entry that records no file
    assert Scope().covers("") and Scope().whole


def test_a_removed_manifest_is_cancelled_only_where_its_entry_says_it_was() -> None:
    state = {
        "inside": StateEntry("g-in", file="coast/inside.yaml"),
        "outside": StateEntry("g-out", file="top.yaml"),
        "unknown": StateEntry("g-unknown"),
    }
    orders = [live("g-in", spec(SKAGEN)), live("g-out", spec(PAGE_WKT)), live("g-unknown")]
    changes = decide([], orders, state, TODAY)
    assert sorted(c.name for c in changes) == ["inside", "outside", "unknown"]
    found = scoped(changes, Scope(("coast",)), {}, state)
    assert [(c.action, c.name) for c in found.changes] == [(Action.CANCEL, "inside")]
    assert found.left_out == 2
    whole = scoped(changes, Scope(), {}, state)
    assert len(whole.changes) == 3 and whole.left_out == 0


def test_a_manifest_is_in_scope_by_its_file() -> None:
    wanted = [desired("a"), desired("b", spec(SKAGEN))]
    changes = decide(wanted, [live("g-x", spec(PAGE_WKT))], {}, TODAY)
    files = {"a": "coast/a.yaml", "b": "b.yaml"}
    found = scoped(changes, Scope(("coast/a.yaml",)), files, {})
    assert [c.name for c in found.changes] == ["a"]  # and no unmanaged order
    everything = scoped(changes, Scope(), files, {})
    assert len(everything.changes) == len(changes)

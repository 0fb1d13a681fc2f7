"""What an apply left open is resolved against the live orders before anything is planned."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reconciler.planning import Action, StateEntry, decide
from reconciler.planning.decide import Open, Options
from reconciler.planning.intents import resolve
from reconciler.planning.model import Intent, IntentKind
from tests.conftest import TODAY, desired, live, spec

SENT = datetime(2026, 10, 31, 23, 58, tzinfo=UTC)  # live() orders are made 2026-11-01 00:00


def creating(name: str, fingerprint: str, replaces: str = "") -> Intent:
    return Intent(IntentKind.CREATE, name, fingerprint, since=SENT, replaces=replaces)


def test_a_committed_create_is_recorded_for_its_name() -> None:
    made = live("g-new", created=1)
    found = resolve([creating("a", spec().fingerprint)], {}, [made])
    assert found.orders["a"].guid == "g-new" and found.recovered == {"a"}
    assert "recorded for it" in found.notes[0]


def test_a_create_that_was_not_made_is_dropped_and_said() -> None:
    found = resolve([creating("a", spec().fingerprint)], {}, [])
    assert found.orders == {} and found.recovered == frozenset()
    assert "was not made" in found.notes[0]


def test_an_older_or_owned_order_is_not_taken_for_the_lost_create() -> None:
    older = replace(live("g-old"), created=SENT - timedelta(days=3))
    owned = live("g-owned", created=1)
    found = resolve(
        [creating("a", spec().fingerprint)], {"b": StateEntry("g-owned")}, [older, owned]
    )
    assert "a" not in found.orders


def test_the_order_a_create_before_cancel_replaced_becomes_a_pending_cancel() -> None:
    old = live("g-old", spec(frequency=5), status="UpToDate")
    new = live("g-new", created=1)
    state = {"a": StateEntry("g-old", spec(frequency=5).fingerprint)}
    found = resolve([creating("a", spec().fingerprint, replaces="g-old")], state, [old, new])
    assert found.orders["a"].guid == "g-new"
    assert found.orders["a"].previous == (spec(frequency=5).fingerprint,)
    assert [p.guid for p in found.pending] == ["g-old"]


def test_a_cancel_of_an_order_nobody_owns_stays_pending_until_it_is_done() -> None:
    running = live("g-old", status="UpToDate")
    cancel = Intent(IntentKind.CANCEL, "a", guid="g-old")
    assert [p.guid for p in resolve([cancel], {}, [running]).pending] == ["g-old"]
    assert resolve([cancel], {}, [replace(running, status="Canceled")]).pending == ()
    assert resolve([cancel], {"a": StateEntry("g-old")}, [running]).pending == ()


def test_a_pending_cancel_is_planned_with_its_name_and_why() -> None:
    running = live("g-old", status="UpToDate")
    pending = (Intent(IntentKind.CANCEL, "a", guid="g-old"),)
    changes = decide([], [running], {}, TODAY, open_=Open(pending=pending))
    assert [(c.action, c.name, c.order_guid) for c in changes] == [(Action.CANCEL, "a", "g-old")]
    assert changes[0].warnings[0].startswith("pending cancel")


def test_a_rename_is_a_move() -> None:
    changes = decide([desired("b")], [live("g1")], {"a": StateEntry("g1", cost=None)}, TODAY)
    assert [(c.action, c.name, c.order_guid, c.moved_from) for c in changes] == [
        (Action.MOVE, "b", "g1", "a")
    ]


def test_a_rename_with_a_changed_spec_is_a_cancel_and_a_create() -> None:
    changes = decide(
        [desired("b", spec(frequency=6))], [live("g1")], {"a": StateEntry("g1")}, TODAY
    )
    assert sorted(c.action for c in changes) == [Action.CANCEL, Action.CREATE]


def test_an_unowned_order_with_a_spec_this_tool_ordered_is_an_orphan() -> None:
    stray = live("g-stray", status="UpToDate")
    ours = Open(ours=frozenset({spec().fingerprint}))
    changes = decide([], [stray], {}, TODAY, open_=ours)
    assert [c.action for c in changes] == [Action.ORPHANED]
    pruned = decide([], [stray], {}, TODAY, Options(prune_orphans=True), ours)
    assert [(c.action, c.order_guid) for c in pruned] == [(Action.CANCEL, "g-stray")]
    assert decide([], [stray], {}, TODAY)[0].action == Action.UNMANAGED

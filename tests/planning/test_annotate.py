"""Warnings on changes: the cancel deadline, and areas paid twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

from reconciler.planning import StateEntry, decide
from reconciler.planning.annotate import MAX_OVERLAPS, annotate
from tests.conftest import NOW, TODAY, desired, live, spec


def test_cancel_deadline_is_warned_within_48_hours() -> None:
    state = {"a": StateEntry("g1")}
    account = [live("g1", status="UpToDate")]
    early = annotate(decide([], account, state, TODAY), [], account, NOW)
    late = annotate(
        decide([], account, state, date(2026, 11, 30)),
        [],
        account,
        datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
    )
    assert not [w for w in early[0].warnings if "deadline" in w]
    # the earlier of 00:00 UTC on the 1st and 23:59 CET on the last day: 22:59 UTC
    assert [w for w in late[0].warnings if "deadline is 2026-11-30 22:59 UTC, in 22 h" in w]
    after_cet = annotate(
        decide([], account, state, date(2026, 11, 30)),
        [],
        account,
        datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
    )
    assert not [w for w in after_cet[0].warnings if "deadline is" in w]
    assert [w for w in after_cet[0].warnings if "may renew for December 2026" in w]


def test_overlapping_manifests_and_live_orders_are_warned() -> None:
    near = "POLYGON((10.0 56.3, 10.3 56.3, 10.3 56.5, 10.0 56.5, 10.0 56.3))"
    wanted = [desired("a"), desired("b", spec(near, frequency=7))]
    account = [live("g-other", spec(near, frequency=2), status="UpToDate")]
    changes = annotate(decide(wanted, account, {}, TODAY), wanted, account, NOW)
    a = next(c for c in changes if c.name == "a")
    assert any(w.startswith("overlaps manifest b by ") and "km2 (" in w for w in a.warnings)
    assert any(w.startswith("overlaps live order g-other by ") for w in a.warnings)


def test_overlaps_are_told_for_a_few_and_counted_past_that() -> None:
    wanted = [desired(f"m{i}", spec(frequency=3)) for i in range(12)]  # all on one ground
    changes = annotate(decide(wanted, [], {}, TODAY), wanted, [], NOW)
    told = [w for w in changes[0].warnings if w.startswith("overlaps manifest")]
    assert len(told) == MAX_OVERLAPS
    assert any(w.startswith("touches 6 more manifest(s)") for w in changes[0].warnings)

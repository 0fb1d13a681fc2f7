"""The planner decides exactly as design.md's Identity and Cancelling sections say. Pure."""

from __future__ import annotations

from datetime import date

from reconciler.domain.live import LiveOrder
from reconciler.planning import Action, Change, Options, StateEntry, decide
from tests.conftest import SKAGEN, TODAY, desired, live, spec


def actions(changes: list[Change]) -> list[tuple[str, str, str | None]]:
    return [(c.action.value, c.name, c.order_guid) for c in changes]


def test_owned_and_equal_is_noop() -> None:
    changes = decide([desired("a")], [live("g1")], {"a": StateEntry("g1")}, TODAY)
    assert actions(changes) == [("noop", "a", "g1")]


def test_owned_and_different_is_replace_with_field_diff() -> None:
    changes = decide(
        [desired("a", spec(frequency=2))], [live("g1")], {"a": StateEntry("g1")}, TODAY
    )
    assert actions(changes) == [("replace", "a", "g1")]
    assert changes[0].diff == {"imageFrequency": {"old": 3, "new": 2}}
    assert changes[0].cancellation is not None and changes[0].cancellation.effect == "full"


def test_owned_order_canceled_out_of_band_is_recreated_as_drift() -> None:
    changes = decide(
        [desired("a")], [live("g1", status="Canceled")], {"a": StateEntry("g1")}, TODAY
    )
    assert actions(changes) == [("create", "a", None)]
    assert changes[0].drift == "order g1 was canceled outside clearsky-orders"


def test_owned_order_gone_is_recreated_as_drift() -> None:
    changes = decide([desired("a")], [], {"a": StateEntry("g1")}, TODAY)
    assert actions(changes) == [("create", "a", None)]
    assert "no longer listed" in (changes[0].drift or "")


def test_without_state_an_equal_live_order_is_adopted_never_duplicated() -> None:
    changes = decide(
        [desired("a"), desired("b", spec(SKAGEN))],
        [live("g1"), live("g2", spec(SKAGEN))],
        {},
        TODAY,
    )
    assert actions(changes) == [("adopt", "a", "g1"), ("adopt", "b", "g2")]


def test_two_equal_manifests_adopt_two_orders_then_create_the_third() -> None:
    changes = decide(
        [desired("a"), desired("b"), desired("c")],
        [live("g2", created=2), live("g1", created=1)],
        {},
        TODAY,
    )
    assert actions(changes) == [("create", "c", None), ("adopt", "a", "g1"), ("adopt", "b", "g2")]


def test_deleted_manifest_is_cancel() -> None:
    changes = decide([], [live("g1")], {"a": StateEntry("g1")}, TODAY)
    assert actions(changes) == [("cancel", "a", "g1")]


def test_unowned_unmatched_orders_are_unmanaged_and_pruned_only_on_request() -> None:
    orders = [live("g1"), live("auto", spec(SKAGEN), automatic=True)]
    assert actions(decide([], orders, {}, TODAY)) == [
        ("unmanaged", "", "auto"),
        ("unmanaged", "", "g1"),
    ]
    pruned = decide([], orders, {}, TODAY, Options(prune=True))
    assert actions(pruned) == [("cancel", "", "g1"), ("unmanaged", "", "auto")]


def test_accepted_bounded_order_cannot_be_replaced_or_canceled() -> None:
    bounded = spec(end=date(2027, 3, 31))
    changes = decide(
        [desired("a", spec(frequency=2, end=date(2027, 3, 31)))],
        [live("g1", bounded, status="Processing")],
        {"a": StateEntry("g1")},
        TODAY,
    )
    assert changes[0].action == Action.REPLACE
    assert changes[0].error is not None and "cannot cancel it" in changes[0].error
    cancel = decide([], [live("g1", bounded, status="Processing")], {"a": StateEntry("g1")}, TODAY)
    assert cancel[0].error is not None


def test_accepted_recurring_order_stops_at_month_end() -> None:
    changes = decide([], [live("g1", status="UpToDate")], {"a": StateEntry("g1")}, TODAY)
    assert changes[0].cancellation is not None
    assert (changes[0].cancellation.effect, changes[0].cancellation.effective) == (
        "stops-renewal",
        date(2026, 11, 30),
    )


def test_completed_owned_order_equal_to_manifest_is_noop_marked_completed() -> None:
    changes = decide(
        [desired("a")], [live("g1", status="Completed")], {"a": StateEntry("g1")}, TODAY
    )
    assert actions(changes) == [("noop", "a", "g1")]
    assert "ended" in changes[0].warnings[0]


def test_unknown_status_is_treated_as_active_and_said() -> None:
    changes = decide([desired("a")], [live("g1", status="Hibernating")], {}, TODAY)
    assert actions(changes) == [("adopt", "a", "g1")]
    assert "unknown order status 'Hibernating'" in changes[0].warnings[0]


def test_an_owned_order_whose_wkt_cannot_be_read_is_an_error_not_a_replace() -> None:
    unreadable = LiveOrder("g1", "UpToDate", None, problem="its WKT cannot be read (bad)")
    changes = decide([desired("a")], [unreadable], {"a": StateEntry("g1")}, TODAY)
    assert actions(changes) == [("noop", "a", "g1")]
    assert changes[0].error == "cannot read live order g1: its WKT cannot be read (bad)"

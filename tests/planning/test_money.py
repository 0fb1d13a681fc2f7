"""Money as the vendor bills it: a create is charged at apply for the coverage it makes (the
current cycle, a past From's window, a bounded order's whole period), then each cycle on the
1st; a cancel saves only cycles not yet made; totals add up."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime

from reconciler.planning import Change, Cost, StateEntry, decide, timeline, with_money
from reconciler.planning.money import SCALED, WINDOW, baseline, coverage_at_apply
from tests.conftest import TODAY, desired, live, spec

NOV, DEC, JAN = date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)
STARTED = date(2026, 9, 1)
"""A start three months before TODAY's: an order already running."""


def priced(
    change: Change, new: Cost | None = None, old: Cost | None = None, now: datetime | None = None
) -> Change:
    return with_money(replace(change, new_order_cost=new, old_order_cost=old), TODAY, 12, now)


def test_a_bounded_order_four_months_out_is_charged_whole_at_apply() -> None:
    later = replace(spec(end=date(2027, 9, 30)), start=date(2027, 4, 1))
    months = tuple(date(2027, m, 1) for m in range(4, 10))
    create = decide([desired("a", later)], [], {}, TODAY)[0]
    done = priced(create, new=Cost(88.8, 0.0, month=date(2027, 9, 1), covers=months))
    assert [(m.month, m.cost) for m in done.months] == [(NOV, 88.8)]  # this month, quoted
    assert not done.months[0].approximate
    assert done.charge_at_apply is not None and done.charge_at_apply.cost == 88.8
    assert done.coverage == (date(2027, 4, 1), date(2027, 9, 1))
    assert done.total_cost == done.gross_cost == 88.8
    assert done.bill_change == Cost(88.8, 0.0, "EUR")


def test_months_the_estimate_does_not_name_are_added_and_marked() -> None:
    later = replace(spec(end=date(2027, 9, 30)), start=date(2027, 4, 1))
    create = decide([desired("a", later)], [], {}, TODAY)[0]
    # a service whose figure for now prices April alone, with a monthly figure beside it
    done = priced(create, new=Cost(88.8, 120.0, month=date(2027, 9, 1), covers=(date(2027, 4, 1),)))
    assert done.charge_at_apply is not None and done.charge_at_apply.how == WINDOW
    assert done.charge_at_apply.cost > 88.8 + 4 * 100  # May to September added


def test_a_past_from_buys_the_historical_window_at_apply() -> None:
    backfill = replace(spec(), start=date(2026, 5, 1))
    assert coverage_at_apply(backfill, TODAY) == (date(2026, 5, 1), NOV)
    create = decide([desired("a", backfill)], [], {}, TODAY)[0]
    window = tuple(date(2026, m, 1) for m in range(5, 12))
    done = priced(create, new=Cost(700.0, 100.0, month=NOV, covers=window))
    assert (done.months[0].month, done.months[0].cost) == (NOV, 700.0)
    assert (done.months[1].month, done.months[1].cost) == (DEC, 100.0)  # the next cycle, quoted
    # without image dates to say what it prices, the figure is taken for one month: the six
    # others are added (the reading that charges more)
    unsure = priced(create, new=Cost(100.0, 100.0, month=NOV))
    assert unsure.charge_at_apply is not None and unsure.charge_at_apply.cost > 600.0


def test_a_create_is_charged_at_apply_then_each_cycle() -> None:
    create = decide([desired("a")], [], {}, TODAY)[0]  # starts in December
    done = priced(create, new=Cost(10.0, 30.0, month=DEC, covers=(DEC,)))
    assert (done.months[0].month, done.months[0].cost) == (NOV, 10.0)  # December, paid now
    assert (done.months[1].month, done.months[1].cost) == (JAN, 30.0)
    assert all(m.how == SCALED for m in done.months[2:])
    assert done.bill_change == Cost(10.0, 0.0)  # nothing more in December
    assert done.total_cost is None
    assert done.gross_cost == round(math.fsum(m.cost for m in done.months), 2)


def _cancel(status: str, now: datetime | None = None) -> Change:
    running = live("g1", replace(spec(), start=STARTED), status=status)
    change = decide([], [running], {"x": StateEntry("g1")}, TODAY)[0]
    return priced(change, old=Cost(4.0, 20.0, month=NOV), now=now)


def test_a_cancel_saves_only_cycles_not_yet_made() -> None:
    for status in ("Review", "UpToDate"):
        done = _cancel(status)
        assert done.months[0].month == DEC and all(m.cost < 0 for m in done.months), status
        assert done.bill_change is not None and done.bill_change.current_month == 0.0
    late = _cancel("UpToDate", datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # past the cutoff
    assert late.months[0].month == JAN


def test_a_future_order_cancelled_saves_from_after_its_first_month() -> None:
    change = decide([], [live("g1", status="UpToDate")], {"x": StateEntry("g1")}, TODAY)[0]
    done = priced(change, old=Cost(4.0, 20.0, month=DEC))
    assert done.months[0].month == JAN  # December was charged when it was made


def test_a_bounded_order_cancelled_saves_nothing() -> None:
    bounded = live("g1", replace(spec(end=date(2027, 3, 31)), start=STARTED), status="Review")
    change = decide([], [bounded], {"x": StateEntry("g1")}, TODAY)[0]
    assert priced(change, old=Cost(4.0, 20.0, month=NOV)).months == ()


def test_a_replace_nets_the_new_order_against_the_old() -> None:
    running = live("g1", replace(spec(), start=STARTED), status="UpToDate")
    change = decide([desired("a", spec(frequency=2))], [running], {"a": StateEntry("g1")}, TODAY)[0]
    done = priced(change, new=Cost(10.0, 30.0, month=DEC), old=Cost(4.0, 20.0, month=NOV))
    assert (done.months[0].month, done.months[0].cost) == (NOV, 10.0)  # the new order's charge
    assert (done.months[1].month, done.months[1].cost) == (DEC, -20.0)  # the old one stops
    assert done.months[2].month == JAN and 0 < done.months[2].cost < 30.0  # new less old
    assert done.gross_cost is not None and done.gross_cost > 10.0  # the new order, gross


def test_the_timeline_shows_before_after_and_the_largest_change_ahead() -> None:
    kept = live("g-kept", replace(spec(frequency=7), start=STARTED), status="UpToDate")
    state = {
        "kept": StateEntry("g-kept", cost=Cost(50.0, 50.0, month=NOV)),
        "lost": StateEntry("g-x", cost=None),
    }
    create = priced(decide([desired("a")], [], {}, TODAY)[0], new=Cost(10.0, 30.0, month=DEC))
    assert kept.spec is not None
    line = timeline([create], state, {"g-kept": kept.spec}, TODAY, 6)
    assert [m.month for m in line.months][:2] == [NOV, DEC]
    assert line.months[0].change == 10.0  # what apply charges now
    assert line.months[1].before == 50.0 and line.months[1].change == 0.0
    ahead = line.largest_change_ahead()
    assert ahead is not None and ahead.change == max(m.change for m in line.months[1:])
    assert ahead.change >= 30.0  # January's quoted 30, or a longer month scaled from it
    assert line.unknown == ()  # g-x is no longer listed: it costs nothing


def test_a_managed_order_without_a_recorded_estimate_is_named_not_guessed() -> None:
    state = {"kept": StateEntry("g-kept")}
    line = timeline([], state, {"g-kept": spec()}, TODAY, 3)
    assert line.unknown == ("kept",) and all(m.before == 0 for m in line.months)


def test_a_bounded_managed_order_is_charged_no_cycles() -> None:
    state = {"kept": StateEntry("g-kept", cost=Cost(50.0, 50.0, month=NOV))}
    bounded = replace(spec(end=date(2027, 6, 30)), start=STARTED)
    line = timeline([], state, {"g-kept": bounded}, TODAY, 6)
    assert all(m.before == 0 for m in line.months)


def test_the_baseline_counts_every_order_of_one_cadence_and_price_and_takes_the_dearer() -> None:
    same = Cost(50.0, 50.0, month=NOV)
    state = {f"same-{i}": StateEntry(f"g-{i}", cost=same) for i in range(3)}
    state["dearer"] = StateEntry("g-d", cost=Cost(10.0, 10.0, month=NOV))
    running = replace(spec(), start=STARTED)
    specs = {f"g-{i}": running for i in range(3)} | {
        "g-d": replace(spec(frequency=7), start=STARTED)
    }
    line = timeline([], state, specs, TODAY, 3)
    assert line.months[1].before == 3 * 50.0 + 10.0
    # a live estimate dearer than the recorded one counts instead (never a cheaper one)
    dearer = baseline(state, specs, TODAY, 3, {"dearer": Cost(20.0, 20.0, month=NOV)})
    cheaper = baseline(state, specs, TODAY, 3, {"dearer": Cost(1.0, 1.0, month=NOV)})
    assert dearer.months[1].before == 3 * 50.0 + 20.0
    assert cheaper.months[1].before == 3 * 50.0 + 10.0

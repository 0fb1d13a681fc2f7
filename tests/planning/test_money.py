"""Money over time: each change month by month, bounded totals, the timeline, commitment."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from reconciler.planning import Change, Cost, StateEntry, decide, timeline, with_money
from reconciler.planning.money import SCALED, baseline
from tests.conftest import TODAY, desired, live, spec

DEC, JAN = date(2026, 12, 1), date(2027, 1, 1)


def priced(change: Change, new: Cost | None = None, old: Cost | None = None) -> Change:
    return with_money(replace(change, new_order_cost=new, old_order_cost=old), TODAY, 12)


def test_a_bounded_order_four_months_out_costs_something_in_each_month_and_has_a_total() -> None:
    later = replace(spec(end=date(2027, 9, 30)), start=date(2027, 4, 1))
    create = decide([desired("a", later)], [], {}, TODAY)[0]
    done = priced(create, new=Cost(88.8, 120.0, month=date(2027, 4, 1)))
    assert [m.month.month for m in done.months] == [4, 5, 6, 7, 8, 9]
    assert done.months[0].cost == 88.8 and not done.months[0].approximate
    assert done.months[1].cost == 120.0 and not done.months[1].approximate
    assert all(m.cost > 0 and m.how == SCALED for m in done.months[2:])
    assert done.total_cost == round(sum(m.cost for m in done.months), 2)
    assert done.bill_change == Cost(0.0, 0.0, "EUR")  # nothing this month or next


def test_a_create_bills_from_its_first_month() -> None:
    create = priced(decide([desired("a")], [], {}, TODAY)[0], new=Cost(10.0, 30.0, month=DEC))
    assert (create.months[0].month, create.months[0].cost) == (DEC, 10.0)
    assert (create.months[1].month, create.months[1].cost) == (JAN, 30.0)
    assert len(create.months) == 12 - 1  # a recurring order: to the horizon, from December
    assert create.bill_change == Cost(0.0, 10.0)
    assert create.total_cost is None


def test_cancelling_in_review_saves_this_month_and_after_a_running_one_only_after() -> None:
    old = Cost(4.0, 20.0, month=DEC)
    review = priced(decide([], [live("g1")], {"x": StateEntry("g1")}, TODAY)[0], old=old)
    running = priced(
        decide([], [live("g1", status="UpToDate")], {"x": StateEntry("g1")}, TODAY)[0], old=old
    )
    assert review.months[0] == replace(review.months[0], month=DEC, cost=-4.0)
    assert running.months[0].month == DEC
    assert review.bill_change is not None and review.bill_change.next_month == -4.0
    assert all(m.cost <= 0 for m in review.months + running.months)


def test_a_replace_nets_the_new_order_against_the_old() -> None:
    change = decide(
        [desired("a", spec(frequency=2))], [live("g1")], {"a": StateEntry("g1")}, TODAY
    )[0]
    done = priced(change, new=Cost(10.0, 30.0, month=DEC), old=Cost(4.0, 20.0, month=DEC))
    assert (done.months[0].month, done.months[0].cost) == (DEC, 6.0)
    assert (done.months[1].month, done.months[1].cost) == (JAN, 10.0)


def test_the_timeline_shows_before_after_and_the_largest_change_ahead() -> None:
    kept = live("g-kept", spec(frequency=7), status="UpToDate")
    state = {
        "kept": StateEntry("g-kept", cost=Cost(50.0, 50.0, month=DEC)),
        "lost": StateEntry("g-x", cost=None),
    }
    create = priced(decide([desired("a")], [], {}, TODAY)[0], new=Cost(10.0, 30.0, month=DEC))
    assert kept.spec is not None
    line = timeline([create], state, {"g-kept": kept.spec}, TODAY, 6)
    assert [m.month for m in line.months][:2] == [date(2026, 11, 1), DEC]
    assert line.months[0].change == 0.0
    assert line.months[1].before == 50.0 and line.months[1].change == 10.0
    ahead = line.largest_change_ahead()
    assert ahead is not None and ahead.change == max(m.change for m in line.months[1:])
    assert ahead.change >= 30.0  # January's quoted 30, or a longer month scaled from it
    assert line.unknown == ()  # g-x is no longer listed: it costs nothing


def test_a_managed_order_without_a_recorded_estimate_is_named_not_guessed() -> None:
    state = {"kept": StateEntry("g-kept")}
    line = timeline([], state, {"g-kept": spec()}, TODAY, 3)
    assert line.unknown == ("kept",) and all(m.before == 0 for m in line.months)


def test_the_baseline_counts_every_order_of_one_cadence_and_price_and_takes_the_dearer() -> None:
    same = Cost(50.0, 50.0, month=DEC)
    state = {f"same-{i}": StateEntry(f"g-{i}", cost=same) for i in range(3)}
    state["dearer"] = StateEntry("g-d", cost=Cost(10.0, 10.0, month=DEC))
    specs = {f"g-{i}": spec() for i in range(3)} | {"g-d": spec(frequency=7)}
    line = timeline([], state, specs, TODAY, 3)
    assert line.months[1].before == 3 * 50.0 + 10.0
    # a live estimate dearer than the recorded one counts instead (never a cheaper one)
    dearer = baseline(state, specs, TODAY, 3, {"dearer": Cost(20.0, 20.0, month=DEC)})
    cheaper = baseline(state, specs, TODAY, 3, {"dearer": Cost(1.0, 1.0, month=DEC)})
    assert dearer.months[1].before == 3 * 50.0 + 20.0
    assert cheaper.months[1].before == 3 * 50.0 + 10.0

"""Money over time, pure: what each change costs or saves month by month, and the managed
orders' cost before and after a plan, for every month of a horizon.

An estimate quotes two figures: the order's first billing month (`Cost.current_month`, for
the month `Cost.month` names) and a month after it (`Cost.next_month`). Every other figure is
derived from the second, in proportion to the image dates the order has in that month (a
partial last month, a recurring order's months ahead), and is marked approximate.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from reconciler.domain.calendar import (
    count_image_dates,
    month_end,
    month_start,
    next_month_start,
)
from reconciler.domain.order import OrderSpec
from reconciler.planning.model import (
    ESTIMATED,
    Action,
    CancelEffect,
    Change,
    Cost,
    MonthCost,
    StateEntry,
)

SCALED = "the estimate's monthly figure, scaled to the image dates in this month"
RECORDED = "the estimate recorded in the state when the order was made, scaled to the image dates"


@dataclass(frozen=True)
class MonthTotals:
    month: date
    before: float
    after: float
    approximate: bool = False
    """True when a figure in it is derived rather than quoted by an estimate."""

    @property
    def change(self) -> float:
        return round(self.after - self.before, 2)


@dataclass(frozen=True)
class Timeline:
    months: tuple[MonthTotals, ...]
    unknown: tuple[str, ...] = ()
    """Managed orders with no figure to count (named, not guessed)."""

    def largest_change_ahead(self) -> MonthTotals | None:
        """The month after this one whose bill changes most (up first), if any changes."""
        ahead = [m for m in self.months[1:] if m.change]
        return max(ahead, key=lambda m: (m.change, -m.month.toordinal()), default=None)


def months_of(start: date, count: int) -> list[date]:
    """`count` months from the month of `start`."""
    out, month = [], month_start(start)
    for _ in range(count):
        out.append(month)
        month = next_month_start(month)
    return out


def _dates(spec: OrderSpec | _Cadence, month: date) -> int:
    last = month_end(month) if spec.end is None else min(month_end(month), spec.end)
    return count_image_dates(
        spec.reference_date, spec.image_frequency, max(month, spec.start), last
    )


def order_months(
    spec: OrderSpec, price: Cost, months: Iterable[date], *, how: str = SCALED
) -> list[MonthCost]:
    """What the order costs in each of `months` it runs in (none in the others)."""
    cadence = (spec.reference_date, spec.image_frequency, spec.start, spec.end)
    return list(_order_months(cadence, price, tuple(months), how))


@functools.lru_cache(maxsize=4096)
def _order_months(
    cadence: tuple[date, int, date, date | None], price: Cost, months: tuple[date, ...], how: str
) -> tuple[MonthCost, ...]:
    """order_months by what it depends on: orders of one cadence and price (a large account
    has many) are computed once."""
    reference, frequency, start, end = cadence
    spec = _Cadence(reference, frequency, start, end)
    described = price.month
    per_date = _rate(spec, price)
    out = []
    for month in months:
        if month < month_start(spec.start) or (spec.end is not None and month > spec.end):
            continue
        if described is not None and month == described:
            out.append(MonthCost(month, round(price.current_month, 2)))
            continue
        full = described is not None and month == next_month_start(described)
        if full and (spec.end is None or spec.end >= month_end(month)):
            out.append(MonthCost(month, round(price.next_month, 2)))
            continue
        out.append(MonthCost(month, round(per_date * _dates(spec, month), 2), how))
    return tuple(out)


@dataclass(frozen=True)
class _Cadence:
    """What the money of an order depends on besides its price."""

    reference_date: date
    image_frequency: int
    start: date
    end: date | None


def _rate(spec: OrderSpec | _Cadence, price: Cost) -> float:
    """EUR per image date, from the estimate's monthly figure."""
    basis = next_month_start(price.month) if price.month else next_month_start(spec.start)
    count = count_image_dates(spec.reference_date, spec.image_frequency, basis, month_end(basis))
    return price.next_month / count if count else price.next_month


def life_months(spec: OrderSpec, today: date, horizon: int) -> list[date]:
    """The months an order is billed from today: to its end when bounded, else the horizon."""
    first = max(month_start(today), month_start(spec.start))
    if spec.end is None:
        return [m for m in months_of(today, horizon) if m >= first]
    return months_of(first, max(0, _month_index(spec.end) - _month_index(first) + 1))


def _month_index(day: date) -> int:
    return day.year * 12 + day.month


def change_months(change: Change, today: date, horizon: int) -> list[MonthCost]:
    """The change's effect on the bill month by month (negative saves): the new order's months
    from its first billing month; the old order's from when cancelling stops it."""
    out: list[MonthCost] = []
    if change.needs_create and change.desired and change.new_order_cost:
        spec = change.desired
        out += order_months(spec, change.new_order_cost, life_months(spec, today, horizon))
    old = change.old_order_cost
    if change.action in (Action.CANCEL, Action.REPLACE) and change.live and old is not None:
        effect = change.cancellation.effect if change.cancellation else CancelEffect.NOTHING
        first = _stops_from(effect, today)
        if first is not None:
            spec = change.live
            months = [m for m in life_months(spec, today, horizon) if m >= first]
            how = SCALED if old.month is not None else RECORDED
            out += [
                MonthCost(m.month, -m.cost, m.how) for m in order_months(spec, old, months, how=how)
            ]
    return _merged(out)


def with_money(change: Change, today: date, horizon: int) -> Change:
    """The change with its months, its bill change this month and next, and its total."""
    if change.action == Action.ORPHANED and change.old_order_cost is not None:
        cost = change.old_order_cost
        return change.with_warning(
            f"it costs about {cost.next_month:,.2f} {cost.currency} per month"
        )
    if change.action not in (Action.CREATE, Action.CANCEL, Action.REPLACE):
        return change  # adopting or keeping an order changes no bill
    if not (change.new_order_cost or change.old_order_cost):
        return change
    parts = change_months(change, today, horizon)
    this, following = month_start(today), next_month_start(today)
    now = next((p for p in parts if p.month == this), None)
    then = next((p for p in parts if p.month == following), None)
    currency = (change.new_order_cost or change.old_order_cost or Cost(0, 0)).currency
    bill = Cost(
        now.cost if now else 0.0,
        then.cost if then else 0.0,
        currency,
        approximate=any(p.approximate for p in (now, then) if p is not None),
    )
    unpriced = change.needs_create and change.new_order_cost is None
    return replace(
        change,
        months=tuple(parts),
        bill_change=None if unpriced else bill,
        total_cost=total_to_end(change, today, horizon),
    )


def _stops_from(effect: CancelEffect, today: date) -> date | None:
    if effect == CancelEffect.FULL:
        return month_start(today)
    if effect == CancelEffect.STOPS_RENEWAL:
        return next_month_start(today)
    return None


def _merged(parts: Sequence[MonthCost]) -> list[MonthCost]:
    by_month: dict[date, list[MonthCost]] = {}
    for part in parts:
        by_month.setdefault(part.month, []).append(part)
    out = []
    for month in sorted(by_month):
        group = by_month[month]
        how = next((p.how for p in group if p.approximate), ESTIMATED)
        out.append(MonthCost(month, round(math.fsum(p.cost for p in group), 2), how))
    return out


def total_to_end(change: Change, today: date, horizon: int) -> float | None:
    """A bounded new order's cost over its whole life."""
    spec, price = change.desired, change.new_order_cost
    if not change.needs_create or spec is None or price is None or spec.end is None:
        return None
    months = order_months(spec, price, life_months(spec, today, horizon))
    return round(math.fsum(m.cost for m in months), 2)


def timeline(
    changes: Sequence[Change],
    managed: Mapping[str, StateEntry],
    live_specs: Mapping[str, OrderSpec],
    today: date,
    horizon: int,
) -> Timeline:
    """The managed orders' cost before and after the plan, month by month. `live_specs` maps
    a guid (lower case) to the live order's spec."""
    return with_changes(baseline(managed, live_specs, today, horizon), changes)


def baseline(
    managed: Mapping[str, StateEntry],
    live_specs: Mapping[str, OrderSpec],
    today: date,
    horizon: int,
    estimates: Mapping[str, Cost] | None = None,
) -> Timeline:
    """What the managed orders cost month by month before the plan (after == before): from
    each order's recorded estimate, or the live `estimates` (by name) where they are dearer or
    nothing is recorded."""
    months = months_of(today, horizon)
    unknown = []
    # Orders of one cadence and price cost the same in every month: each such group is
    # worked out once and counted (a large account has thousands of orders and few groups).
    groups: dict[tuple[date, int, date, date | None, Cost], tuple[OrderSpec, int]] = {}
    estimates = estimates or {}
    for name, entry in sorted(managed.items()):
        spec = live_specs.get(entry.guid.lower())
        if spec is None:
            continue  # no longer listed: it costs nothing now
        cost = _dearer(entry.cost, estimates.get(name))
        if cost is None:
            unknown.append(name)
            continue
        key = (spec.reference_date, spec.image_frequency, spec.start, spec.end, cost)
        first, count = groups.get(key, (spec, 0))
        groups[key] = (first, count + 1)
    sums: dict[date, list[float]] = {m: [] for m in months}
    derived: set[date] = set()
    for key, (spec, count) in groups.items():
        for part in order_months(spec, key[-1], months, how=RECORDED):
            sums[part.month].append(part.cost * count)
            if part.approximate:
                derived.add(part.month)
    before = {m: round(math.fsum(sums[m]), 2) for m in months}
    rows = tuple(MonthTotals(m, before[m], before[m], m in derived) for m in months)
    return Timeline(rows, tuple(unknown))


def _dearer(recorded: Cost | None, estimate: Cost | None) -> Cost | None:
    if recorded is None or estimate is None:
        return recorded or estimate
    dearer = (estimate.next_month, estimate.current_month) > (
        recorded.next_month,
        recorded.current_month,
    )
    return estimate if dearer else recorded


def with_changes(base: Timeline, changes: Sequence[Change]) -> Timeline:
    """The baseline with the changes' months added to `after`."""
    after = {m.month: m.after for m in base.months}
    derived = {m.month for m in base.months if m.approximate}
    for change in changes:
        for part in change.months:
            if part.month in after:
                after[part.month] += part.cost
                if part.approximate:
                    derived.add(part.month)
    rows = tuple(
        replace(m, after=round(after[m.month], 2), approximate=m.month in derived)
        for m in base.months
    )
    return Timeline(rows, base.unknown)


def commitment(changes: Sequence[Change]) -> float:
    """What the plan commits to spend: each new order over its life when bounded, over the
    horizon when recurring (savings are not netted)."""
    spent = []
    for change in changes:
        if change.needs_create and change.desired and change.new_order_cost:
            spent += [p.cost for p in change.months if p.cost > 0]
    return round(math.fsum(spent), 2)

"""Money as the vendor bills it, pure: what apply charges now, what each later month's cycle
charges, what a cancel saves, and the managed orders' charges before and after a plan.

Each reading of the vendor's words (facts file, "Billing: when credits are taken"):
- "When an order is initialized, order credits are deducted from your account for that order
  coverage"; "order credits are consumed when order coverage is created". A create is charged
  when apply makes it, in the month of apply, for the coverage created then
  (`coverage_at_apply`):
  - recurring (To empty): the current cycle, and with From in the past the historical window
    ("the order includes the historical window from From up to the current cycle, then
    continues recurring"); with From in a later month, that month's cycle. When a future
    order's first cycle is created is not documented: the earlier reading is taken.
  - bounded (From and To): the whole period, "a one-time purchase". Whether a period in the
    future is billed at once is not documented: the reading that charges earlier is taken.
- The estimate's CurrentMonthCosts is what is charged now: it is put in the month of apply,
  never moved to a later month. Its ImageDates name the months it prices. A month of the
  coverage it does not name (a service whose current figure covers the current cycle alone)
  is added, scaled from the estimate's monthly figure and marked approximate: the reading
  that charges more.
- "Recurring orders consume credits as each cycle is created" (a cycle is a calendar month,
  invoiced on the 1st): each later month of a recurring order is charged on its 1st, the first
  one at RecurringCostsEstimate, the others scaled to their image dates (approximate).
- "Cancelling a recurring order before 00:00 UTC on the 1st stops only future renewal;
  coverage already created in the current or earlier cycles is not refunded". A cancel saves
  only cycles not yet created: from the first month whose cutoff (model.cycle_cutoff, the
  earlier of that and 23:59 CET the day before) is still ahead. What was charged is never
  shown as saved; a bounded order has no cycles left to save.
- Spend tiers follow the month of creation: engine/pricing.py prices the creates of one plan
  as one account (SimulatedEuroUsage chained).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from reconciler.domain.calendar import (
    count_image_dates,
    month_end,
    month_start,
    months_between,
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
    cycle_cutoff,
)

SCALED = "the estimate's monthly figure, scaled to the image dates in this month"
RECORDED = "the estimate recorded in the state when the order was made, scaled to the image dates"
WINDOW = (
    "the estimate's figure for now, plus the months of the coverage it does not name, scaled "
    "from its monthly figure (the reading that charges more)"
)


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


@dataclass(frozen=True)
class _Cadence:
    """What the money of an order depends on besides its price."""

    reference_date: date
    image_frequency: int
    start: date
    end: date | None


def _cadence(spec: OrderSpec) -> _Cadence:
    return _Cadence(spec.reference_date, spec.image_frequency, spec.start, spec.end)


def _dates(spec: OrderSpec | _Cadence, month: date) -> int:
    last = month_end(month) if spec.end is None else min(month_end(month), spec.end)
    first = max(month, spec.start)
    if first > last:
        return 0
    return count_image_dates(spec.reference_date, spec.image_frequency, first, last)


def coverage_at_apply(spec: OrderSpec | _Cadence, today: date) -> tuple[date, date]:
    """The first and last month whose coverage a create made `today` is charged for now."""
    this, first = month_start(today), month_start(spec.start)
    if spec.end is not None:
        return first, month_start(spec.end)
    return (first, this) if first <= this else (first, first)


def _rate(spec: OrderSpec | _Cadence, price: Cost) -> float:
    """EUR per image date: from the estimate's monthly figure (the month after the one its
    first figure reaches), or where it has none (a bounded order) from its figure for now."""
    if price.next_month > 0:
        first = month_start(spec.start)
        after = next_month_start(price.month) if price.month else next_month_start(first)
        # the month the figure describes; a bounded order has none after its period, so its
        # figure is read as a month of it like the others
        basis = next((m for m in (after, next_month_start(first), first) if _dates(spec, m)), None)
        return price.next_month / _dates(spec, basis) if basis else 0.0
    named = price.covers or ((price.month,) if price.month else ())
    count = sum(_dates(spec, m) for m in named)
    return price.current_month / count if count else 0.0


def charge_at_apply(spec: OrderSpec, price: Cost, today: date) -> MonthCost:
    """What apply deducts now for a new order of `spec` priced `price`: the estimate's figure
    for now, plus any month of the coverage it does not name (scaled, approximate)."""
    first, last = coverage_at_apply(spec, today)
    months = months_between(first, last)
    named = set(price.covers)
    if not named:  # no ImageDates: it is taken to price one month of the coverage alone
        named = {month_start(today) if first <= month_start(today) <= last else first}
    missing = [m for m in months if m not in named]
    if not missing:
        return MonthCost(month_start(today), round(price.current_month, 2))
    extra = _rate(spec, price) * sum(_dates(spec, m) for m in missing)
    return MonthCost(month_start(today), round(price.current_month + extra, 2), WINDOW)


def new_order_months(spec: OrderSpec, price: Cost, today: date, horizon: int) -> list[MonthCost]:
    """A new order's charges month by month: what apply deducts now, then each cycle."""
    out = [charge_at_apply(spec, price, today)]
    if spec.end is None:
        _, last = coverage_at_apply(spec, today)
        months = [m for m in months_of(today, horizon) if m > last]
        out += cycle_months(spec, price, months)
    return out


def cycle_months(
    spec: OrderSpec | _Cadence, price: Cost, months: Iterable[date], *, how: str = SCALED
) -> list[MonthCost]:
    """What a recurring order's cycle charges in each of `months` it runs in."""
    cadence = spec if isinstance(spec, _Cadence) else _cadence(spec)
    return list(_cycle_months(cadence, price, tuple(months), how))


@functools.lru_cache(maxsize=4096)
def _cycle_months(
    spec: _Cadence, price: Cost, months: tuple[date, ...], how: str
) -> tuple[MonthCost, ...]:
    """cycle_months by what it depends on: orders of one cadence and price (a large account
    has many) are computed once."""
    if spec.end is not None:
        return ()
    quoted = next_month_start(price.month) if price.month else None
    per_date = _rate(spec, price)
    out = []
    for month in months:
        if month < month_start(spec.start):
            continue
        if month == quoted and spec.start <= month:
            out.append(MonthCost(month, round(price.next_month, 2)))
            continue
        out.append(MonthCost(month, round(per_date * _dates(spec, month), 2), how))
    return tuple(out)


def running_months(spec: OrderSpec, months: Sequence[date], today: date) -> list[date]:
    """The months of `months` in which an order already made is charged a cycle: from this
    month (its cycle was created on the 1st) when it has started, else after its first month
    (charged when it was made); none for a bounded order (charged whole when made)."""
    if spec.end is not None:
        return []
    first = month_start(spec.start)
    this = month_start(today)
    return [m for m in months if m >= this and (m > first if first > this else m >= first)]


def first_unmade_cycle(now: datetime) -> date:
    """The first month whose cycle a cancel made `now` still stops."""
    following = next_month_start(now.date())
    if now < cycle_cutoff(following):
        return following
    return next_month_start(following)


def change_months(
    change: Change, today: date, horizon: int, now: datetime | None = None
) -> list[MonthCost]:
    """The change's effect on the charges month by month (negative saves): the new order's
    charge at apply and cycles; the cycles the cancel stops."""
    out: list[MonthCost] = []
    if change.needs_create and change.desired and change.new_order_cost:
        out += new_order_months(change.desired, change.new_order_cost, today, horizon)
    old = change.old_order_cost
    if change.action in (Action.CANCEL, Action.REPLACE) and change.live and old is not None:
        effect = change.cancellation.effect if change.cancellation else CancelEffect.NOTHING
        if effect in (CancelEffect.FULL, CancelEffect.STOPS_RENEWAL):
            moment = now or datetime.combine(today, datetime.min.time(), tzinfo=UTC)
            first = first_unmade_cycle(moment)
            spec = change.live
            months = [
                m for m in running_months(spec, months_of(today, horizon), today) if m >= first
            ]
            how = SCALED if old.month is not None else RECORDED
            out += [
                MonthCost(m.month, -m.cost, m.how) for m in cycle_months(spec, old, months, how=how)
            ]
    return _merged(out)


def with_money(change: Change, today: date, horizon: int, now: datetime | None = None) -> Change:
    """The change with its months, its charge at apply, its effect this month and next, and
    the new order's gross cost (over its life, or the horizon when recurring)."""
    if change.action == Action.ORPHANED and change.old_order_cost is not None:
        cost = change.old_order_cost
        return change.with_warning(
            f"it costs about {cost.next_month:,.2f} {cost.currency} per month"
        )
    if change.action not in (Action.CREATE, Action.CANCEL, Action.REPLACE):
        return change  # adopting or keeping an order changes no bill
    if not (change.new_order_cost or change.old_order_cost):
        return change
    parts = change_months(change, today, horizon, now)
    this, following = month_start(today), next_month_start(today)
    at = next((p for p in parts if p.month == this), None)
    then = next((p for p in parts if p.month == following), None)
    currency = (change.new_order_cost or change.old_order_cost or Cost(0, 0)).currency
    bill = Cost(
        at.cost if at else 0.0,
        then.cost if then else 0.0,
        currency,
        approximate=any(p.approximate for p in (at, then) if p is not None),
    )
    unpriced = change.needs_create and change.new_order_cost is None
    charge, coverage, gross = None, None, None
    spec, price = change.desired, change.new_order_cost
    if change.needs_create and spec is not None and price is not None:
        own = new_order_months(spec, price, today, horizon)
        charge = own[0]
        coverage = coverage_at_apply(spec, today)
        gross = round(math.fsum(m.cost for m in own), 2)
    return replace(
        change,
        months=tuple(parts),
        bill_change=None if unpriced else bill,
        charge_at_apply=charge,
        coverage=coverage,
        gross_cost=gross,
        total_cost=gross if spec is not None and spec.end is not None else None,
    )


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
        running = running_months(spec, months, today)
        for part in cycle_months(spec, key[-1], running, how=RECORDED):
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
    """What the plan commits to spend: each new order's gross cost (what apply charges now,
    then its cycles over the horizon); savings are not netted."""
    return round(math.fsum(c.gross_cost for c in changes if c.gross_cost is not None), 2)


def charged_at_apply(changes: Sequence[Change]) -> float:
    """What apply deducts now: the sum of the new orders' charges at apply."""
    return round(
        math.fsum(c.charge_at_apply.cost for c in changes if c.charge_at_apply is not None), 2
    )

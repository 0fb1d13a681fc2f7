"""What the sandbox charged each account, month by month, and what is left of its credits.

The readings are pricing.py's: a creation is charged when the order is made (stored with the
order), and each later month of a recurring order on its 1st at 00:00 UTC, for every order made
before then and not cancelled by then, in the order they were made, each from the spend the
ones before it left. A month's spend (which sets its tier) is its cycles, then its creations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

from reconciler.sandbox.pricing import (
    Product,
    month_dates,
    month_start,
    next_month_start,
    order_cost,
    storage_cost,
)
from reconciler.sandbox.store import StoredOrder

ProductOf = Callable[[StoredOrder], Product]
"""How an order is priced (its model, inputs, billed area and tile factor)."""


def first_moment(month: date) -> datetime:
    return datetime.combine(month, time(0), tzinfo=UTC)


def renews_in(order: StoredOrder, month: date) -> bool:
    """Whether a cycle of `order` is created on the 1st of `month`."""
    made = month_start(order.created_at.date())
    covered = order.covered_to or made
    start = first_moment(month)
    return (
        month > covered
        and month >= month_start(order.from_date)
        and (order.to_date is None or order.to_date >= month)
        and order.created_at < start
        and (order.canceled_at is None or order.canceled_at >= start)
    )


def cycles_in(orders: Sequence[StoredOrder], month: date, product: ProductOf) -> float:
    """EUR of the cycles created on the 1st of `month` (projected, for a month to come)."""
    spent = 0.0
    for order in orders:
        if not renews_in(order, month):
            continue
        made = product(order)
        dates = len(
            month_dates(
                order.reference_date, order.image_frequency, order.from_date, order.to_date, month
            )
        )
        spent += order_cost(made, dates, spent) + storage_cost(made, order.storage_months, dates)
    return spent


def made_in(orders: Sequence[StoredOrder], month: date, now: datetime) -> float:
    """What the orders made in `month` up to `now` were charged when they were made."""
    return sum(
        o.charged
        for o in orders
        if month_start(o.created_at.date()) == month and o.created_at <= now
    )


def balance(
    credits: float, orders: Sequence[StoredOrder], now: datetime, product: ProductOf
) -> float:
    """The credits left at `now`: every creation, and every cycle whose 1st has come."""
    spent = sum(o.charged for o in orders if o.created_at <= now)
    if orders:
        month = next_month_start(min(month_start(o.created_at.date()) for o in orders))
        while first_moment(month) <= now:
            spent += cycles_in(orders, month, product)
            month = next_month_start(month)
    return round(credits - spent, 2)

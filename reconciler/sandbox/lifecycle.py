"""Where an order is in its life, derived from its timestamps and the sandbox clock.

    Review -> Initialize -> Preparing -> AwaitingSatelliteProducts -> Processing
           -> UpToDate (recurring) or Completed (ended); Canceled (terminal)

Initialize (scheduling, the first half-stage after review) is accepted, not review. The
endpoint page's dialect names the same stages in its older words (PAGE_WORDS).

Review lasts until the order's `accepted_at` (REVIEW after creation; immediately for accounts
that skip review). Each following stage lasts STAGE, and an order waits for satellite products
until its From date. A bounded order is Completed once its To date has passed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from reconciler.domain.calendar import month_end
from reconciler.sandbox.store import StoredOrder

REVIEW = timedelta(minutes=30)
STAGE = timedelta(hours=1)
EXPIRED = frozenset({"Completed", "Canceled"})
PAGE_WORDS = {
    "Preparing": "Initialize",
    "AwaitingSatelliteProducts": "Working",
    "Processing": "Working",
    "UpToDate": "Ongoing",
    "Completed": "Done",
}
"""The older vocabulary of the endpoint page and docs for the current statuses."""


def status(order: StoredOrder, now: datetime) -> str:
    if order.canceled_at is not None and now >= order.canceled_at:
        return "Canceled"
    if now < order.accepted_at:
        return "Review"
    if order.to_date is not None and now >= _day_after(order.to_date):
        return "Completed"
    since = now - order.accepted_at
    if since < STAGE / 2:
        return "Initialize"
    if since < STAGE:
        return "Preparing"
    if since < 2 * STAGE or now < _midnight(order.from_date):
        return "AwaitingSatelliteProducts"
    if since < 3 * STAGE or order.to_date is not None:
        return "Processing"
    return "UpToDate"


class CancelRefused(Exception):
    """The order cannot be canceled now; the message says why."""


def cancel(order: StoredOrder, now: datetime) -> dict[str, object]:
    """The changes that cancel `order` at `now`, following the service's rules."""
    state = status(order, now)
    if state == "Canceled":
        raise CancelRefused("The order is already canceled.")
    if state == "Completed":
        raise CancelRefused("The order has ended and cannot be canceled.")
    if state == "Review":
        return {"canceled_at": now}
    if order.to_date is not None:
        raise CancelRefused(
            "Only recurring orders can be canceled after review; this order has an end date."
        )
    stop = month_end(now.date())
    if stop < order.from_date:
        return {"canceled_at": now}  # it would never have started: cancel it whole
    return {"to_date": stop}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _day_after(day: date) -> datetime:
    return _midnight(day + timedelta(days=1))

"""Is an order delivering what it is paid for? Pure: the order, what the service says it
delivered, and today in; a health word and its reasons out (Argo CD's health, for tasking
orders).

- Missing: no live order for a managed name (cancelled outside the tool, or gone).
- Ended: the order has completed (a bounded order past its end).
- Progressing: in review, or its first image date has not come yet.
- Degraded: image dates its cadence promised are missing beyond the grace period.
- Healthy: every promised date older than the grace period was delivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from reconciler.domain.calendar import image_dates, month_start
from reconciler.domain.live import LiveOrder
from reconciler.planning.rules import cancellation


class Health(StrEnum):
    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    DEGRADED = "Degraded"
    MISSING = "Missing"
    ENDED = "Ended"


BAD = frozenset({Health.DEGRADED, Health.MISSING})


@dataclass(frozen=True)
class OrderHealth:
    name: str
    guid: str | None
    health: Health
    status: str = ""
    promised: tuple[date, ...] = ()
    """The cadence's image dates in the window, up to today."""
    delivered: tuple[date, ...] = ()
    missing: tuple[date, ...] = ()
    """Promised dates not delivered and older than the grace period."""
    late: tuple[date, ...] = ()
    """Promised dates not delivered yet, within the grace period."""
    next_expected: date | None = None
    deadline: str = ""
    """When a recurring order must be stopped by to not renew (or what cancelling does)."""
    reasons: tuple[str, ...] = field(default_factory=tuple)


def window_start(today: date, days: int) -> date:
    """The window a status looks at: this month so far, and at least the last `days` days."""
    return min(month_start(today), today - timedelta(days=days))


def order_health(
    name: str,
    live: LiveOrder | None,
    delivered: Iterable[date],
    today: date,
    *,
    days: int = 30,
    grace: int = 3,
) -> OrderHealth:
    """The health of the order `name` owns (`live`, None when the account has none)."""
    if live is None or live.canceled:
        why = "the order was cancelled" if live is not None else "the account has no such order"
        return OrderHealth(name, live.guid if live else None, Health.MISSING, reasons=(why,))
    status = live.status
    if live.completed:
        return OrderHealth(name, live.guid, Health.ENDED, status, reasons=("completed",))
    spec = live.spec
    if spec is None:
        return OrderHealth(
            name, live.guid, Health.DEGRADED, status, reasons=(f"unreadable: {live.problem}",)
        )
    first = max(window_start(today, days), spec.start)
    last = min(today, spec.end) if spec.end else today
    promised = tuple(image_dates(spec.reference_date, spec.image_frequency, first, last))
    got = {d for d in delivered if first <= d <= last}
    cutoff = today - timedelta(days=grace)
    missing = tuple(d for d in promised if d not in got and d <= cutoff)
    late = tuple(d for d in promised if d not in got and d > cutoff)
    after = max(today + timedelta(days=1), spec.start)
    upcoming = image_dates(spec.reference_date, spec.image_frequency, after, after + timedelta(7))
    next_date = upcoming[0] if upcoming and (spec.end is None or upcoming[0] <= spec.end) else None
    effect, _ = cancellation(live, today)
    deadline = ""
    if effect.deadline is not None:
        deadline = f"renews unless cancelled before {effect.deadline:%Y-%m-%d %H:%M} UTC"
    elif spec.end is not None:
        deadline = f"ends {spec.end.isoformat()}"
    health, reasons = _word(live, promised, missing, late, spec.start, today, grace)
    return OrderHealth(
        name,
        live.guid,
        health,
        status,
        promised,
        tuple(sorted(got)),
        missing,
        late,
        next_date,
        deadline,
        reasons,
    )


def _word(
    live: LiveOrder,
    promised: tuple[date, ...],
    missing: tuple[date, ...],
    late: tuple[date, ...],
    start: date,
    today: date,
    grace: int,
) -> tuple[Health, tuple[str, ...]]:
    if live.in_review:
        return Health.PROGRESSING, ("in review: the service has not accepted it yet",)
    if start > today or not promised:
        return Health.PROGRESSING, ("its first image date has not come yet",)
    if missing:
        return Health.DEGRADED, (
            f"{len(missing)} of {len(promised)} promised date(s) missing for more than "
            f"{grace} day(s)",
        )
    if late:
        return Health.HEALTHY, (f"{len(late)} recent date(s) still within the grace period",)
    return Health.HEALTHY, ()

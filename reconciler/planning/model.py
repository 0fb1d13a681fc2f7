"""The values a plan is made of: state entries, changes, cancellations and costs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any

from shapely.geometry import MultiPolygon

from reconciler.domain.order import OrderSpec


class Action(StrEnum):
    CREATE = "create"
    CANCEL = "cancel"
    REPLACE = "replace"
    ADOPT = "adopt"
    MOVE = "move"
    NOOP = "noop"
    UNMANAGED = "unmanaged"
    ORPHANED = "orphaned"


CHANGING = frozenset({Action.CREATE, Action.CANCEL, Action.REPLACE, Action.ADOPT, Action.MOVE})
"""Actions that change the account or the state; noop, unmanaged and orphaned are reports."""

ORDER = {
    Action.CANCEL: 0,
    Action.REPLACE: 1,
    Action.CREATE: 2,
    Action.MOVE: 3,
    Action.ADOPT: 4,
    Action.NOOP: 5,
    Action.ORPHANED: 6,
    Action.UNMANAGED: 7,
}


class CancelEffect(StrEnum):
    """What cancelling a live order does, by the service's rules."""

    FULL = "full"
    """Still in review: cancelled whole, nothing is billed."""
    STOPS_RENEWAL = "stops-renewal"
    """Accepted and recurring: runs to the end of the month, then stops."""
    NOTHING = "nothing"
    """Already ended or gone: only the state forgets it."""
    IMPOSSIBLE = "impossible"
    """Accepted with an end date: the service cannot cancel it."""


@dataclass(frozen=True, slots=True)
class Cost:
    """Two monthly figures: an estimate's (the order's first billing month and the month
    after), or a change's effect on the bill (this month and next month; negative saves)."""

    current_month: float
    next_month: float
    currency: str = "EUR"
    approximate: bool = False
    month: date | None = None
    """For an estimate: the last month its figure for now reaches (its next cycle is the
    month after)."""
    covers: tuple[date, ...] = ()
    """For an estimate: the months its figure for now prices (from its ImageDates)."""


ESTIMATED = "estimate"
"""MonthCost.how for a figure the estimate quoted."""


@dataclass(frozen=True, slots=True)
class MonthCost:
    """One month's cost (or, for a change, its effect on that month's bill)."""

    month: date
    """The first day of the month."""
    cost: float
    how: str = ESTIMATED
    """Where the figure comes from: the estimate itself, or how it was derived."""

    @property
    def approximate(self) -> bool:
        return self.how != ESTIMATED


@dataclass(frozen=True, slots=True)
class Seen:
    """What apply saw of a managed order equal to its manifest: the raw keys of both specs
    (OrderSpec.raw_key: the manifest's AOI text and the WKT the service listed), the listed
    spec's fingerprint, and the AOI's bounds. While both raw keys stay the same, the order is
    known to be unchanged without reading either AOI (engine/recognise.py)."""

    manifest: str
    listed: str
    listed_fingerprint: str
    bounds: tuple[float, float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class StateEntry:
    """What the state remembers of one managed order; `cost` is its estimate when it was made."""

    guid: str
    fingerprint: str = ""
    prevent_cancel: bool = False
    cost: Cost | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    previous: tuple[str, ...] = ()
    """Fingerprints of the specs this name's earlier orders had (the newest last): an unowned
    order with one of them is likely an orphan of this name."""
    seen: Seen | None = None
    file: str = ""
    """The manifest file the entry was applied from, relative to the workspace folder ('/'
    between folders; '' in entries written before they recorded it): a run over narrower
    paths cancels the order of a removed manifest only when it covers this file."""


class IntentKind(StrEnum):
    CREATE = "create"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Intent:
    """What apply was about to do, written to the state before the request: a crash at any
    moment leaves a trace the next plan resolves."""

    kind: IntentKind
    name: str
    fingerprint: str = ""
    """A create's spec fingerprint."""
    guid: str = ""
    """A cancel's order."""
    since: datetime | None = None
    """When the create was sent: an order it made is no older than this."""
    replaces: str = ""
    """A create-before-cancel create: the order it replaces (cancelled next)."""


@dataclass(frozen=True, slots=True)
class Cancellation:
    """What cancelling a live order does, and from when."""

    effect: CancelEffect
    effective: date | None = None

    @property
    def deadline(self) -> datetime | None:
        """When stopping renewal must be done by: the earlier of 00:00 UTC on the 1st of next
        month (the current docs) and 23:59 CET on the month's last day (an older page), which
        is 22:59 UTC on the last day."""
        if self.effect != CancelEffect.STOPS_RENEWAL or self.effective is None:
            return None
        return cycle_cutoff(self.effective + timedelta(days=1))


CET = timezone(timedelta(hours=1))


def cycle_cutoff(first: date) -> datetime:
    """The last moment a cancel surely stops the cycle of the month starting on `first`."""
    utc = datetime.combine(first, time(0), tzinfo=UTC)
    cet = datetime.combine(first - timedelta(days=1), time(23, 59), tzinfo=CET)
    return min(utc, cet).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Change:
    """One thing apply would do (or, for noop and unmanaged, report).

    Money: `new_order_cost` is the estimate of the desired spec (what the new order costs);
    `recorded_cost` is what the state recorded for the live order when it was made, and
    `old_order_cost` the figure its saving is counted from (that record, or a fresh estimate
    of the live spec); `months` is the change's effect on each month's bill (negative saves),
    `bill_change` the same for this month and next month, `total_cost` a bounded new order's
    cost over its whole life.
    """

    action: Action
    name: str
    order_guid: str | None = None
    desired: OrderSpec | None = None
    live: OrderSpec | None = None
    diff: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    error: str | None = None
    drift: str | None = None
    cancellation: Cancellation | None = None
    bill_change: Cost | None = None
    new_order_cost: Cost | None = None
    recorded_cost: Cost | None = None
    old_order_cost: Cost | None = None
    months: tuple[MonthCost, ...] = ()
    total_cost: float | None = None
    prevent_cancel: bool = False
    create_before_cancel: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    moved_from: str | None = None
    """For a move: the name whose entry this one takes over (a renamed manifest)."""
    desired_footprint: MultiPolygon | None = None
    """A tile order's ground (its tiles' footprints), where the tile search answered."""
    live_footprint: MultiPolygon | None = None
    charge_at_apply: MonthCost | None = None
    """What apply deducts now for the new order (its coverage created at creation)."""
    coverage: tuple[date, date] | None = None
    """The first and last month that charge covers."""
    gross_cost: float | None = None
    """The new order's own cost: its charge at apply and its cycles over the horizon (to its
    end when bounded); not netted against what the change saves."""

    @property
    def desired_shape(self) -> MultiPolygon | None:
        """The ground the desired order covers: its AOI, or its tiles' footprints."""
        if self.desired_footprint is not None:
            return self.desired_footprint
        return self.desired.geometry if self.desired else None

    @property
    def live_shape(self) -> MultiPolygon | None:
        if self.live_footprint is not None:
            return self.live_footprint
        return self.live.geometry if self.live else None

    @property
    def changes_something(self) -> bool:
        return self.action in CHANGING

    @property
    def needs_create(self) -> bool:
        return self.action in (Action.CREATE, Action.REPLACE)

    @property
    def needs_cancel(self) -> bool:
        """True when apply must call the cancel endpoint."""
        if self.action not in (Action.CANCEL, Action.REPLACE):
            return False
        return self.cancellation is None or self.cancellation.effect != CancelEffect.NOTHING

    @property
    def label(self) -> str:
        """The manifest name, or what identifies an unmanaged order."""
        return self.name or f"unmanaged order {self.order_guid}"

    def with_warning(self, text: str) -> Change:
        return replace(self, warnings=(*self.warnings, text))

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (ORDER[self.action], self.name, self.order_guid or "")

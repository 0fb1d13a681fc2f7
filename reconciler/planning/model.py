"""The values a plan is made of: live orders, state entries, changes and costs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from reconciler.spec.order import OrderSpec

REVIEW_STATUSES = frozenset({"review", "initialize"})
KNOWN_ACTIVE = frozenset(
    {
        "preparing",
        "awaitingsatelliteproducts",
        "processing",
        "predicting",
        "processingpredicting",
        "uptodate",
    }
)


class Action(StrEnum):
    CREATE = "create"
    CANCEL = "cancel"
    REPLACE = "replace"
    ADOPT = "adopt"
    NOOP = "noop"
    UNMANAGED = "unmanaged"


CHANGING = frozenset({Action.CREATE, Action.CANCEL, Action.REPLACE, Action.ADOPT})
"""Actions that change the account or the state; noop and unmanaged are reports."""

ORDER = {
    Action.CANCEL: 0,
    Action.REPLACE: 1,
    Action.CREATE: 2,
    Action.ADOPT: 3,
    Action.NOOP: 4,
    Action.UNMANAGED: 5,
}


@dataclass(frozen=True)
class LiveOrder:
    """An order as the service lists it, with its spec normalised (None when unreadable)."""

    guid: str
    status: str
    spec: OrderSpec | None
    is_automatic: bool = False
    created: datetime | None = None
    area_km2: float | None = None
    problem: str | None = None

    @property
    def key(self) -> str:
        return self.guid.lower()

    @property
    def canceled(self) -> bool:
        return self.status.lower() in ("canceled", "cancelled")

    @property
    def completed(self) -> bool:
        return self.status.lower() == "completed"

    @property
    def in_review(self) -> bool:
        return self.status.lower() in REVIEW_STATUSES

    @property
    def active(self) -> bool:
        return not (self.canceled or self.completed)

    @property
    def status_known(self) -> bool:
        s = self.status.lower()
        return s in REVIEW_STATUSES or s in KNOWN_ACTIVE or self.canceled or self.completed


@dataclass(frozen=True)
class Cost:
    """Money a change adds (positive) or saves (negative), this month and per month after."""

    current_month: float
    next_month: float
    currency: str = "EUR"
    approximate: bool = False


@dataclass(frozen=True)
class StateEntry:
    """What the state remembers of one managed order; `cost` is its estimate when it was made."""

    guid: str
    fingerprint: str = ""
    prevent_cancel: bool = False
    cost: Cost | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cancellation:
    """What cancelling a live order does: `full`, `stops-renewal`, or `nothing` (it has ended)."""

    effect: str
    effective: date | None = None

    @property
    def deadline(self) -> datetime | None:
        """When stopping renewal must be done by: 00:00 UTC on the 1st of next month."""
        if self.effect != "stops-renewal" or self.effective is None:
            return None
        return datetime.combine(self.effective + timedelta(days=1), time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Change:
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
    estimate: Cost | None = None
    new_cost: Cost | None = None
    known_cost: Cost | None = None
    prevent_cancel: bool = False
    create_before_cancel: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)

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
        return self.cancellation is None or self.cancellation.effect != "nothing"

    def with_warning(self, text: str) -> Change:
        return replace(self, warnings=(*self.warnings, text))

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (ORDER[self.action], self.name, self.order_guid or "")

"""A live order: an order as the service lists it, with its spec normalised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reconciler.domain.order import OrderSpec

REVIEW_STATUSES = frozenset({"review"})
"""Not yet accepted: cancelling stops it whole."""
CANCELED_STATUSES = frozenset({"canceled", "cancelled"})
ENDED_STATUSES = frozenset({"completed", "done"})
"""A bounded order that has run its course (current docs: Completed; older: Done)."""
ACCEPTED_STATUSES = frozenset(
    {
        # the current docs
        "preparing",
        "awaitingsatelliteproducts",
        "processing",
        "predicting",
        "processingpredicting",
        "uptodate",
        # the older docs and the endpoint page: Initialize follows review (it is accepted)
        "initialize",
        "working",
        "ongoing",
        "failure",
    }
)
"""Accepted and active. Any status not listed anywhere here is read the same way (the
cautious reading for cancels), and the plan says so."""


@dataclass(frozen=True, slots=True)
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
        return self.status.lower() in CANCELED_STATUSES

    @property
    def completed(self) -> bool:
        return self.status.lower() in ENDED_STATUSES

    @property
    def in_review(self) -> bool:
        return self.status.lower() in REVIEW_STATUSES

    @property
    def active(self) -> bool:
        return not (self.canceled or self.completed)

    @property
    def status_known(self) -> bool:
        s = self.status.lower()
        return s in REVIEW_STATUSES or s in ACCEPTED_STATUSES or self.canceled or self.completed

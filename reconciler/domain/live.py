"""A live order: an order as the service lists it, with its spec normalised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reconciler.domain.order import OrderSpec

REVIEW_STATUSES = frozenset({"review", "initialize"})
CANCELED_STATUSES = frozenset({"canceled", "cancelled"})
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
        return self.status.lower() in CANCELED_STATUSES

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

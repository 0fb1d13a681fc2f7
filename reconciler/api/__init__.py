"""The ClearSKY API client: the only package that speaks HTTP and knows the wire format."""

from reconciler.api.client import DEFAULT_URL, GONE, ClearskyClient, check_base_url
from reconciler.api.models import (
    Availability,
    AvailableDates,
    Estimate,
    ModelInfo,
    OrderRequest,
    TaskOrder,
    Tile,
    TileSearch,
)
from reconciler.api.wire import live_order, live_spec, order_request, unreadable

__all__ = [
    "DEFAULT_URL",
    "GONE",
    "Availability",
    "AvailableDates",
    "ClearskyClient",
    "Estimate",
    "ModelInfo",
    "OrderRequest",
    "TaskOrder",
    "Tile",
    "TileSearch",
    "check_base_url",
    "live_order",
    "live_spec",
    "order_request",
    "unreadable",
]

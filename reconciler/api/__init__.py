"""The ClearSKY API client: the only package that speaks HTTP."""

from reconciler.api.client import DEFAULT_URL, ClearskyClient, check_base_url, is_loopback
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

__all__ = [
    "DEFAULT_URL",
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
    "is_loopback",
]

"""Reading the account: every live order, as the planner sees it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence

from reconciler.api import ClearskyClient, live_order
from reconciler.domain.live import LiveOrder


async def refresh(client: ClearskyClient) -> list[LiveOrder]:
    """Every order of the account, expired ones included."""
    listed = await client.list_orders(get_expired=True)
    # Reading thousands of geometries takes a while: off the event loop, so that requests
    # already in flight (prefetched estimates) are answered meanwhile.
    return await asyncio.to_thread(lambda: [live_order(o) for o in listed])


def live_digest(orders: Sequence[LiveOrder]) -> str:
    """sha256 over what the account holds: a saved plan is stale once this moves."""
    rows = sorted(
        [o.key, o.status.lower(), o.spec.fingerprint if o.spec else o.problem or ""] for o in orders
    )
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()

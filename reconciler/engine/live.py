"""Reading the account: every live order, as the planner sees it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence

from reconciler.api import ClearskyClient, live_order
from reconciler.domain.live import LiveOrder


async def refresh(client: ClearskyClient, unread: bool = False) -> list[LiveOrder]:
    """Every order of the account, expired ones included. With `unread`, WKTs are kept as
    text (engine/recognise.py reads what needs reading)."""
    listed = await client.list_orders(get_expired=True)
    # Reading thousands of geometries takes a while: in steps on the event loop's own thread
    # (a thread of its own fought the manifest loading for the interpreter), handing the
    # loop back between steps so that requests in flight are answered meanwhile.
    orders: list[LiveOrder] = []
    for start in range(0, len(listed), READ_STEP):
        step = [live_order(o, unread) for o in listed[start : start + READ_STEP]]
        listed[start : start + READ_STEP] = [None] * len(step)  # type: ignore[list-item]
        for order in step:  # computed while the manifests load
            if order.spec is None:
                continue
            if unread:
                order.spec.raw_key  # noqa: B018 - what the state may recognise
            else:
                order.spec.fingerprint  # noqa: B018 - the live digest needs them
        orders += step
        await asyncio.sleep(0)
    return orders


READ_STEP = 500


def live_digest(orders: Sequence[LiveOrder]) -> str:
    """sha256 over what the account holds: a saved plan is stale once this moves."""
    rows = sorted(
        [o.key, o.status.lower(), o.spec.fingerprint if o.spec else o.problem or ""] for o in orders
    )
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()

"""Reading the account: every live order, as the planner sees it."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.api import ClearskyClient, TaskOrder, live_order
from reconciler.canonical import canonical_sha256
from reconciler.domain.live import LiveOrder


async def refresh(client: ClearskyClient, unread: bool = False) -> list[LiveOrder]:
    """Every order of the account, expired ones included, each read as it arrives. With
    `unread`, WKTs are kept as text (engine/recognise.py reads what needs reading)."""

    def read(order: TaskOrder) -> LiveOrder:
        found = live_order(order, unread)
        if found.spec is not None:  # worked out while the manifests load
            if unread:
                found.spec.raw_key  # noqa: B018 - what the state may recognise
            else:
                found.spec.fingerprint  # noqa: B018 - the live digest needs them
        return found

    return await client.read_orders(read, get_expired=True)


def live_digest(orders: Sequence[LiveOrder]) -> str:
    """sha256 over what the account holds: a saved plan is stale once this moves."""
    rows = sorted(
        [o.key, o.status.lower(), o.spec.fingerprint if o.spec else o.problem or ""] for o in orders
    )
    return canonical_sha256(rows)  # lists of text: the same as without sorted keys

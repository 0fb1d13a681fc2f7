"""The account's ownership index: which state (workspace) owns each order.

One JSON object per account in the bucket of the remote state
(`.clearsky-orders/ownership/<account>.json`), shared by every repository and team that keeps
its state there. A state claims its orders before it records them and releases the ones it no
longer records; every change is a compare-and-swap on the object's ETag, retried on conflict.
Plans read it so that adopt never takes, and --prune never cancels, an order another workspace
owns.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from reconciler.errors import OwnershipError, StateConflictError, StateError

INDEX_FOLDER = ".clearsky-orders/ownership"
MAX_INDEX_BYTES = 64 * 1024 * 1024
ATTEMPTS = 20

Getter = Callable[..., tuple[str, str | None] | None]
Putter = Callable[[str, bytes, Any], str | None]


class OwnershipIndex:
    def __init__(self, get: Getter, put: Putter, account: str) -> None:
        self._get = get
        self._put = put
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", account)[:100] or "account"
        self.key = f"{INDEX_FOLDER}/{safe}.json"

    def others(self, state: str) -> dict[str, str]:
        """Lower-case GUID -> who owns it, for orders states other than `state` own."""
        claims, _ = self._read()
        return {
            guid: f"workspace {c.get('workspace') or '?'} ({c.get('state')})"
            for guid, c in claims.items()
            if c.get("state") != state
        }

    def sync(self, guids: set[str], state: str, workspace: str) -> None:
        """Make the index say `state` owns exactly `guids`; OwnershipError when another state
        owns one of them (nothing is written then)."""
        wanted = {g.lower() for g in guids}
        for attempt in range(ATTEMPTS):
            claims, etag = self._read()
            taken = {g: c for g, c in claims.items() if g in wanted and c.get("state") != state}
            if taken:
                guid, claim = sorted(taken.items())[0]
                raise OwnershipError(
                    f"order {guid} is owned by workspace {claim.get('workspace') or '?'} "
                    f"(state {claim.get('state')}); this state may not record it. Nothing was "
                    "recorded; remove the manifest here or hand the order over there first"
                )
            updated = _updated(claims, wanted, state, workspace)
            if updated == claims:
                return
            body = json.dumps({"version": 1, "orders": updated}, indent=1, sort_keys=True)
            try:
                self._put(self.key, body.encode(), {"e_tag": etag} if etag else "create")
                return
            except StateConflictError:
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise StateError(
            f"the ownership index {self.key} kept changing under this run ({ATTEMPTS} tries)"
        )

    def _read(self) -> tuple[dict[str, dict[str, Any]], str | None]:
        found = self._get(self.key, limit=MAX_INDEX_BYTES)
        if found is None:
            return {}, None
        text, etag = found
        try:
            raw = json.loads(text)
            orders = raw["orders"]
            if not isinstance(orders, dict) or not all(
                isinstance(v, dict) for v in orders.values()
            ):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise StateError(
                f"the ownership index {self.key} cannot be read; nothing was planned or changed"
            ) from None
        return {str(k).lower(): v for k, v in orders.items()}, etag


def _updated(
    claims: Mapping[str, dict[str, Any]], wanted: set[str], state: str, workspace: str
) -> dict[str, dict[str, Any]]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = {g: c for g, c in claims.items() if c.get("state") != state or g in wanted}
    for guid in wanted:
        if guid not in out:
            out[guid] = {"state": state, "workspace": workspace, "since": now}
    return out

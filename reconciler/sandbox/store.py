"""Accounts and orders of the sandbox, in SQLite (a file, or memory for tests).

API keys are stored as sha256 digests: the database never holds a key.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    key_digest TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    skip_review INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS orders (
    guid TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    created_at TEXT NOT NULL,
    accepted_at TEXT NOT NULL,
    canceled_at TEXT,
    model TEXT NOT NULL,
    constellations TEXT NOT NULL,
    image_frequency INTEGER NOT NULL,
    reference_date TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT,
    storage_months INTEGER NOT NULL,
    api_requests INTEGER NOT NULL,
    wkt TEXT,
    tiles TEXT NOT NULL,
    mini_tiles TEXT NOT NULL,
    area_km2 REAL NOT NULL,
    is_automatic INTEGER NOT NULL DEFAULT 0,
    charged REAL NOT NULL DEFAULT 0,
    covered_to TEXT
);
CREATE INDEX IF NOT EXISTS orders_by_account ON orders (account, created_at);
"""
ADDED_COLUMNS = {
    "orders": (("charged", "REAL NOT NULL DEFAULT 0"), ("covered_to", "TEXT")),
    "accounts": (("credits", "REAL"),),
}
"""Columns a database made by an earlier sandbox lacks (added when it is opened)."""


def key_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(frozen=True)
class StoredOrder:
    guid: str
    account: str
    created_at: datetime
    accepted_at: datetime
    canceled_at: datetime | None
    model: str
    constellations: list[str]
    image_frequency: int
    reference_date: date
    from_date: date
    to_date: date | None
    storage_months: int
    api_requests: int
    wkt: str | None
    tiles: list[str]
    mini_tiles: list[str]
    area_km2: float
    is_automatic: bool = False
    charged: float = 0.0
    """EUR charged when the order was made (the coverage created then)."""
    covered_to: date | None = None
    """The last month that coverage reached; None: the month it was made."""


class Store:
    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        self._accounts: dict[str, tuple[str, bool]] = {}
        self._orders: dict[str, list[StoredOrder]] = {}
        """Each account's orders as last read; dropped when another connection writes."""
        self._version: int | None = None
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
            for table, columns in ADDED_COLUMNS.items():
                have = {r["name"] for r in self._db.execute(f"PRAGMA table_info({table})")}
                for name, kind in columns:
                    if name not in have:
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add_account(
        self,
        api_key: str,
        name: str = "",
        *,
        skip_review: bool = False,
        credits: float | None = None,
    ) -> str:
        """Add (or update) an account; `credits`: its order credits in EUR (None: no limit)."""
        digest = key_digest(api_key)
        with self._lock:
            self._db.execute(
                "INSERT INTO accounts (key_digest, name, skip_review, credits) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key_digest) DO UPDATE SET name=excluded.name, "
                "skip_review=excluded.skip_review, credits=excluded.credits",
                (digest, name or digest[:8], int(skip_review), credits),
            )
            self._accounts.pop(digest, None)
        return digest

    def credits(self, account: str) -> float | None:
        """The order credits the account was given (EUR), or None when it has no limit."""
        with self._lock:
            row = self._db.execute(
                "SELECT credits FROM accounts WHERE key_digest = ?", (account,)
            ).fetchone()
        return None if row is None or row["credits"] is None else float(row["credits"])

    def account(self, api_key: str) -> tuple[str, bool] | None:
        """(account id, skips review) for a key, or None for an unknown key."""
        digest = key_digest(api_key)
        with self._lock:
            known = self._accounts.get(digest)
            if known is not None:
                return known
            row = self._db.execute(
                "SELECT key_digest, skip_review FROM accounts WHERE key_digest = ?", (digest,)
            ).fetchone()
            if row is None:
                return None
            self._accounts[digest] = (row["key_digest"], bool(row["skip_review"]))
            return self._accounts[digest]

    def account_skips_review(self, account: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT skip_review FROM accounts WHERE key_digest = ?", (account,)
            ).fetchone()
        return bool(row and row["skip_review"])

    revision = 0
    """Bumped by every write: what was computed from the orders is stale once it moves."""
    updates = 0
    """Bumped by every change of an order already stored (a cancel, say), not by an insert."""

    def insert(self, order: StoredOrder) -> StoredOrder:
        row = _to_row(order)
        self.revision += 1
        with self._lock:
            self._db.execute(
                f"INSERT INTO orders ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            known = self._orders.get(order.account)
            if known is not None:  # kept in the database's order: (created_at, guid)
                bisect.insort(known, order, key=_made)
        return order

    def orders(self, account: str) -> list[StoredOrder]:
        """The account's orders, oldest first (read from the database once, then kept)."""
        with self._lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:  # another process wrote to the file meanwhile
                self._orders.clear()
                self._version = version
            known = self._orders.get(account)
            if known is None:
                rows = self._db.execute(
                    "SELECT * FROM orders WHERE account = ? ORDER BY created_at, guid", (account,)
                ).fetchall()
                known = self._orders[account] = [_from_row(r) for r in rows]
            return list(known)

    def get(self, account: str, guid: str) -> StoredOrder | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM orders WHERE account = ? AND lower(guid) = lower(?)", (account, guid)
            ).fetchone()
        return _from_row(row) if row else None

    def update(self, order: StoredOrder, **changes: Any) -> StoredOrder:
        updated = replace(order, **changes)
        row = _to_row(updated)
        self.revision += 1
        self.updates += 1
        with self._lock:
            self._db.execute(
                f"UPDATE orders SET {', '.join(f'{k} = ?' for k in row)} WHERE guid = ?",
                (*row.values(), order.guid),
            )
            self._orders.pop(order.account, None)
            self._orders.pop(updated.account, None)
        return updated


def _made(order: StoredOrder) -> tuple[str, str]:
    return (order.created_at.isoformat(), order.guid)


def new_guid() -> str:
    return str(uuid.uuid4())


def _to_row(order: StoredOrder) -> dict[str, Any]:
    return {
        "guid": order.guid,
        "account": order.account,
        "created_at": order.created_at.isoformat(),
        "accepted_at": order.accepted_at.isoformat(),
        "canceled_at": order.canceled_at.isoformat() if order.canceled_at else None,
        "model": order.model,
        "constellations": json.dumps(order.constellations),
        "image_frequency": order.image_frequency,
        "reference_date": order.reference_date.isoformat(),
        "from_date": order.from_date.isoformat(),
        "to_date": order.to_date.isoformat() if order.to_date else None,
        "storage_months": order.storage_months,
        "api_requests": order.api_requests,
        "wkt": order.wkt,
        "tiles": json.dumps(order.tiles),
        "mini_tiles": json.dumps(order.mini_tiles),
        "area_km2": order.area_km2,
        "is_automatic": int(order.is_automatic),
        "charged": order.charged,
        "covered_to": order.covered_to.isoformat() if order.covered_to else None,
    }


def _from_row(row: sqlite3.Row) -> StoredOrder:
    return StoredOrder(
        guid=row["guid"],
        account=row["account"],
        created_at=datetime.fromisoformat(row["created_at"]),
        accepted_at=datetime.fromisoformat(row["accepted_at"]),
        canceled_at=datetime.fromisoformat(row["canceled_at"]) if row["canceled_at"] else None,
        model=row["model"],
        constellations=json.loads(row["constellations"]),
        image_frequency=row["image_frequency"],
        reference_date=date.fromisoformat(row["reference_date"]),
        from_date=date.fromisoformat(row["from_date"]),
        to_date=date.fromisoformat(row["to_date"]) if row["to_date"] else None,
        storage_months=row["storage_months"],
        api_requests=row["api_requests"],
        wkt=row["wkt"],
        tiles=json.loads(row["tiles"]),
        mini_tiles=json.loads(row["mini_tiles"]),
        area_km2=row["area_km2"],
        is_automatic=bool(row["is_automatic"]),
        charged=float(row["charged"]),
        covered_to=date.fromisoformat(row["covered_to"]) if row["covered_to"] else None,
    )

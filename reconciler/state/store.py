"""The state file: which live order (TaskOrderGuid) each manifest name owns.

State is a record of ownership, never the truth: every plan refreshes from the live list.
It is JSON with a version, a serial (bumped on every write) and a lineage id (fixed when the
file is first made). Every write goes to a temporary file that is fsynced and renamed over the
old one, whose previous content is kept as `<name>.backup`. A lock file held with flock stops
a second apply on the same state at once; the lock goes away with the process that held it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from reconciler.errors import StateError, StateLockedError
from reconciler.planning.model import Cost, StateEntry

STATE_VERSION = 1


@dataclass(frozen=True)
class Owner:
    """The account a state belongs to, at one API URL. `account` is the service's tenant id,
    or a salted fingerprint of the key where the service names no tenant (never the key)."""

    api_url: str
    account: str

    def __str__(self) -> str:
        return f"account {self.account} at {self.api_url}"


@dataclass(frozen=True)
class State:
    orders: Mapping[str, StateEntry] = field(default_factory=dict)
    serial: int = 0
    lineage: str = field(default_factory=lambda: str(uuid.uuid4()))
    owner: Owner | None = None

    def digest(self) -> str:
        """sha256 over who owns what (serial and lineage aside)."""
        body = {name: [e.guid.lower(), e.prevent_cancel] for name, e in sorted(self.orders.items())}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def with_order(self, name: str, entry: StateEntry) -> State:
        return replace(self, orders={**self.orders, name: entry})

    def without(self, name: str) -> State:
        return replace(self, orders={k: v for k, v in self.orders.items() if k != name})

    def owned_by(self, owner: Owner) -> State:
        return replace(self, owner=owner)


class StateFile:
    """One state file on disk, with its lock and backup."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.backup = path.with_name(path.name + ".backup")
        self.lock_path = path.with_name(path.name + ".lock")

    def load(self) -> State:
        if not self.path.exists():
            return State()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateError(
                f"cannot read the state file {self.path}: {exc}. The previous version is kept "
                f"in {self.backup.name} if it exists; copy it back, or remove the file (the next "
                "plan adopts the orders that match the manifests)"
            ) from None
        return _parse(raw, self.path)

    def save(self, state: State) -> State:
        """Write `state` atomically with the serial bumped; returns what was written."""
        written = replace(state, serial=state.serial + 1)
        body = {
            "version": STATE_VERSION,
            "serial": written.serial,
            "lineage": written.lineage,
            "updatedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **(
                {"owner": {"apiUrl": written.owner.api_url, "account": written.owner.account}}
                if written.owner
                else {}
            ),
            "orders": {name: _entry_json(e) for name, e in sorted(written.orders.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            _atomic_write(self.backup, self.path.read_bytes())
        _atomic_write(self.path, (json.dumps(body, indent=2) + "\n").encode())
        return written

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the state lock, or fail at once when another run holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+")  # noqa: SIM115 - held for the whole block
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise StateLockedError(
                    f"the state {self.path} is locked by {holder}; another apply is running. "
                    "Wait for it to finish and try again"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(
                f"pid {os.getpid()} since {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
            )
            handle.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def _parse(raw: Any, path: Path) -> State:
    if not isinstance(raw, dict) or not isinstance(raw.get("orders", {}), dict):
        raise StateError(f"{path} is not a clearsky-orders state file")
    version = raw.get("version")
    if version != STATE_VERSION:
        raise StateError(
            f"{path} has state version {version!r}; this clearsky-orders reads "
            f"version {STATE_VERSION}: upgrade clearsky-orders"
        )
    orders: dict[str, StateEntry] = {}
    for name, item in raw.get("orders", {}).items():
        if not isinstance(item, dict) or not isinstance(item.get("orderGuid"), str):
            raise StateError(f"{path}: the entry {name!r} has no orderGuid")
        orders[name] = StateEntry(
            item["orderGuid"],
            str(item.get("fingerprint", "")),
            bool(item.get("preventCancel", False)),
            _cost(item.get("estimate")),
            {str(k): str(v) for k, v in (item.get("labels") or {}).items()},
        )
    return State(
        orders,
        int(raw.get("serial", 0)),
        str(raw.get("lineage") or uuid.uuid4()),
        _owner(raw.get("owner"), path),
    )


def _owner(raw: Any, path: Path) -> Owner | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(k), str) and raw.get(k) for k in ("apiUrl", "account")
    ):
        raise StateError(f"{path}: 'owner' must hold an apiUrl and an account, as text")
    return Owner(raw["apiUrl"], raw["account"])


def _entry_json(entry: StateEntry) -> dict[str, Any]:
    body: dict[str, Any] = {
        "orderGuid": entry.guid,
        "fingerprint": entry.fingerprint,
        "preventCancel": entry.prevent_cancel,
    }
    if entry.labels:
        body["labels"] = dict(sorted(entry.labels.items()))
    if entry.cost is not None:
        body["estimate"] = {
            "currentMonthCost": entry.cost.current_month,
            "nextMonthCost": entry.cost.next_month,
            "currency": entry.cost.currency,
            **({"month": entry.cost.month.isoformat()} if entry.cost.month else {}),
        }
    return body


def _cost(raw: Any) -> Cost | None:
    if not isinstance(raw, dict):
        return None
    try:
        month = raw.get("month")
        return Cost(
            float(raw["currentMonthCost"]),
            float(raw["nextMonthCost"]),
            str(raw.get("currency", "EUR")),
            month=date.fromisoformat(month) if isinstance(month, str) else None,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)

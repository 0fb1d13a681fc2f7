"""The state file: which live order (TaskOrderGuid) each manifest name owns.

State is a record of ownership, never the truth: every plan refreshes from the live list.
It is JSON with a version, a serial (bumped on every write) and a lineage id (fixed when the
file is first made), read strictly (state/document.py). Every write goes to a temporary file
that is fsynced and renamed over the old one, whose previous content is kept as
`<name>.backup` - but never over a backup of another lineage: a state that started afresh (the
file was deleted) does not overwrite the last copy of who owned what. A state that cannot be
read, or is missing while a backup records orders, is refused with the way to restore it;
nothing replaces it silently. A lock file held with flock stops a second apply on the same state
at once; the lock goes away with the process that held it. Temporary files a killed write left
are removed when the lock is taken.
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
from datetime import UTC, datetime
from pathlib import Path

from reconciler.errors import StateError, StateLockedError
from reconciler.files import NotARegularFile, open_for_update, read_text_file
from reconciler.planning.model import Intent, StateEntry
from reconciler.state.document import (
    MAX_BYTES,
    STATE_VERSION,
    StateJson,
    entry_json,
    entry_of,
    intent_json,
    intent_of,
    parse,
)


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
    intents: tuple[Intent, ...] = ()
    """What an apply was about to do when it last wrote (resolved by the next plan)."""

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

    def with_intent(self, intent: Intent) -> State:
        return replace(self, intents=(*(i for i in self.intents if i != intent), intent))

    def without_intent(self, intent: Intent) -> State:
        return replace(self, intents=tuple(i for i in self.intents if i != intent))


class StateFile:
    """One state file on disk, with its lock and backup."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.backup = path.with_name(path.name + ".backup")
        self.lock_path = path.with_name(path.name + ".lock")
        self._backup_takes: str | None = None
        """A lineage whose writes this file already knows may replace the backup."""

    def load(self) -> State:
        """The state; an empty one only when neither it nor a backup with orders exists."""
        if not self.path.exists():
            backup = self._backup_state()
            if backup is not None and (backup.orders or backup.intents):
                raise StateError(
                    f"the state file {self.path} is missing, but {self.backup.name} "
                    f"({self._age(self.backup)}) records {_contents(backup)}. "
                    "Restore it with 'clearsky-orders state restore', or remove the backup to "
                    "start afresh; nothing was planned or changed"
                )
            return State()
        try:
            text = read_text_file(self.path, MAX_BYTES, follow=False)
        except NotARegularFile as exc:
            raise StateError(f"the state file {self.path}: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(
                f"cannot read the state file {self.path}: {type(exc).__name__}"
            ) from None
        try:
            return _state(parse(text, str(self.path)))
        except StateError as error:
            raise StateError(f"{error}. {self._restore_hint()}") from None

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
            "orders": {name: entry_json(e) for name, e in sorted(written.orders.items())},
            **({"intents": [intent_json(i) for i in written.intents]} if written.intents else {}),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self._may_replace_backup(written.lineage):
            current = read_text_file(self.path, MAX_BYTES, follow=False)
            _atomic_write(self.backup, current.encode())
        _atomic_write(self.path, (json.dumps(body, indent=2) + "\n").encode())
        return written

    def restore(self) -> State:
        """Put the backup back (the file it replaces is kept as `<name>.broken`)."""
        if not self.backup.exists():
            raise StateError(f"there is no backup {self.backup} to restore")
        try:
            text = read_text_file(self.backup, MAX_BYTES, follow=False)
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(f"the backup {self.backup} cannot be read: {exc}") from None
        state = _state(parse(text, str(self.backup)))
        if self.path.exists():
            os.replace(self.path, self.path.with_name(self.path.name + ".broken"))
        _atomic_write(self.path, text.encode())
        return state

    def _may_replace_backup(self, lineage: str) -> bool:
        """A backup is replaced only by a state of its own lineage (or when there is none).
        Once a lineage may, it may for every later save through this file: the backup then
        holds that lineage's previous version (the caller holds the lock)."""
        if self._backup_takes == lineage:
            return True
        kept = self._backup_state() if self.backup.exists() else None
        allowed = kept is None or kept.lineage == lineage or not (kept.orders or kept.intents)
        if allowed:
            self._backup_takes = lineage
        return allowed

    def _backup_state(self) -> State | None:
        try:
            text = read_text_file(self.backup, MAX_BYTES, follow=False)
            return _state(parse(text, str(self.backup)))
        except (OSError, UnicodeDecodeError, StateError):
            return None

    def _restore_hint(self) -> str:
        backup = self._backup_state()
        if backup is None:
            return (
                "No readable backup exists: fix the file by hand (git history has earlier "
                "versions); nothing was planned or changed"
            )
        return (
            f"The previous version, {self.backup.name} ({self._age(self.backup)}, "
            f"{_contents(backup)}), can be restored with "
            "'clearsky-orders state restore'; nothing was planned or changed"
        )

    @staticmethod
    def _age(path: Path) -> str:
        seconds = max(0.0, datetime.now(UTC).timestamp() - path.stat().st_mtime)
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds >= size:
                count = int(seconds // size)
                return f"saved {count} {unit}{'s' if count != 1 else ''} ago"
        return "saved just now"

    def clean_temporary_files(self) -> None:
        """Remove what killed writes left behind (call it holding the lock)."""
        for stray in self.path.parent.glob(".*.tmp"):
            if stray.name.startswith((f".{self.path.name}.", f".{self.backup.name}.")):
                with contextlib.suppress(OSError):
                    stray.unlink()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the state lock, or fail at once when another run holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.fdopen(open_for_update(self.lock_path), "r+")
        except OSError as exc:
            raise StateError(f"cannot take the lock {self.lock_path}: {exc}") from None
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
            self.clean_temporary_files()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def _contents(state: State) -> str:
    text = f"{len(state.orders)} order(s)"
    if state.intents:
        text += f" and {len(state.intents)} unfinished operation(s)"
    return text


def _state(found: StateJson) -> State:
    owner = Owner(found.owner.apiUrl, found.owner.account) if found.owner else None
    return State(
        {name: entry_of(entry) for name, entry in found.orders.items()},
        found.serial,
        found.lineage,
        owner,
        tuple(intent_of(i) for i in found.intents),
    )


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

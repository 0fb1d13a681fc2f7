"""The state file: which live order (TaskOrderGuid) each manifest name owns.

State is a record of ownership, never the truth: every plan refreshes from the live list.
It is JSON with a version, a serial (bumped on every write) and a lineage id (fixed when the
file is first made), read strictly (state/document.py). Every whole write goes to a temporary
file that is fsynced and renamed over the old one, and the same content to `<name>.backup` -
but never over a backup of another lineage: a state that started afresh (the file was
deleted) does not overwrite the last copy of who owned what. Inside apply, writes are journal
lines on top of the last whole write (state/journal.py); the backup and the journal together
are the latest state, so a lost or broken file loses nothing. A state that cannot be
read, or is missing while a backup records orders, is refused with the way to restore it;
nothing replaces it silently. A lock file held with flock stops a second apply on the same state
at once; the lock goes away with the process that held it. Temporary files a killed write left
are removed when the lock is taken.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
import typing
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager as ContextManager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from reconciler.errors import StateError, StateLockedError
from reconciler.files import NotARegularFile, open_for_update, read_text_file
from reconciler.state import journal, rollback
from reconciler.state.codec import decode, encode
from reconciler.state.document import MAX_BYTES
from reconciler.state.model import State
from reconciler.state.seal import Sealer


class StateStore(Protocol):
    """Where a state lives: a file in the repository, or an object in a bucket a team shares."""

    location: str
    remote: bool
    sealer: Sealer | None

    def load(self) -> State: ...

    def save(self, state: State) -> State: ...

    def batch(self) -> ContextManager[None]:
        """Within it, writes may be cheaper (a journal); on leaving, the state is whole."""

    def restore(self) -> State: ...

    def lock(self, timeout: float = 0.0, operation: str = "apply") -> ContextManager[None]: ...

    def force_unlock(self, lock_id: str) -> str: ...

    def describe(self) -> str: ...

    def others(self, account: str) -> Mapping[str, str] | None:
        """Orders other states own in this account (lower-case GUID -> whose), or None when
        this store cannot see other states."""


LOCK_POLL = 0.2
"""Seconds between two looks at a lock someone else holds."""


class StateFile:
    """One state file on disk, with its lock and backup."""

    remote = False

    def __init__(self, path: Path, sealer: Sealer | None = None, workspace: str = "") -> None:
        self.path = path
        self.location = str(path)
        self.sealer = sealer
        self.workspace = workspace
        self.backup = path.with_name(path.name + ".backup")
        self.lock_path = path.with_name(path.name + ".lock")
        self.journal = path.with_name(path.name + ".journal")
        self._journaling = False
        self._written: State | None = None
        """The state as last read or written through this object (journal lines go on it)."""
        self._digest = ""
        self._backup_takes: str | None = None
        """A lineage whose writes this file already knows may replace the backup."""

    def load(self) -> State:
        """The state; an empty one only when neither it nor a backup with orders exists."""
        if not self.path.exists():
            backup = self._backup_state()
            if backup is not None and (backup.orders or backup.intents):
                raise StateError(
                    f"the state file {self.path} is missing, but {self.backup.name} "
                    f"({self._age(self.backup)}) records {backup.contents()}. "
                    "Restore it with 'clearsky-orders state restore', or remove the backup to "
                    "start afresh; nothing was planned or changed"
                )
            return State(workspace=self.workspace)
        try:
            text = read_text_file(self.path, MAX_BYTES, follow=False)
        except NotARegularFile as exc:
            raise StateError(f"the state file {self.path}: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(
                f"cannot read the state file {self.path}: {type(exc).__name__}"
            ) from None
        try:
            base = decode(text, str(self.path), self.sealer)
        except StateError as error:
            raise StateError(f"{error}. {self._restore_hint()}") from None
        state, self._digest = journal.replay(self.journal, base, self.sealer, base.sealed_digest)
        state = replace(state, touched=frozenset())
        older = rollback.newer_seen(state.lineage, state.serial, self.backup)
        if older:
            state = state.rolled_back(older)
        elif self.sealer is not None and state.trust.whole:
            rollback.remember(state.lineage, state.serial)
        self._written = state
        return state

    def save(self, state: State) -> State:
        """Write `state` with the serial bumped; returns what was written. Inside `batch`,
        after the first write, as one journal line (what changed, fsynced)."""
        written = replace(
            state, serial=state.serial + 1, workspace=state.workspace or self.workspace
        )
        last = self._written
        if self._journaling and last is not None and last.lineage == written.lineage:
            body = journal.delta(last, written)
            mac = journal.chained(self.sealer, self._digest, body)
            journal.append(self.journal, {"body": body, "mac": mac})
            self._digest = mac
        else:
            self._write_whole(written)
        written = replace(written, touched=frozenset())
        self._written = written
        return written

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside go to the journal; on leaving, one whole write and no journal."""
        self._journaling = True
        try:
            yield
        finally:
            self._journaling = False
            if self._written is not None and self.journal.exists():
                self._write_whole(self._written)

    def _write_whole(self, state: State) -> None:
        """The state, then the same bytes as its backup (the journal's lines chain from this
        version, so the backup and the journal together are the latest state even when the
        file is lost), then no journal."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data, self._digest = encode(state, self.sealer)
        _atomic_write(self.path, data)
        if self.sealer is not None:
            rollback.remember(state.lineage, state.serial)
        if self._may_replace_backup(state.lineage):
            _atomic_write(self.backup, data)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.journal)  # everything in it is in the file now

    def describe(self) -> str:
        return f"{self.path} (local file)"

    def others(self, account: str) -> None:
        return None  # a local file sees no other repository

    def restore(self) -> State:
        """Put the backup back (the file it replaces is kept as `<name>.broken`), with what
        the journal recorded since (set aside, as `.journal.broken`, if it does not follow)."""
        if not self.backup.exists():
            raise StateError(f"there is no backup {self.backup} to restore")
        try:
            text = read_text_file(self.backup, MAX_BYTES, follow=False)
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(f"the backup {self.backup} cannot be read: {exc}") from None
        state = decode(text, str(self.backup), self.sealer)
        try:
            state, _ = journal.replay(self.journal, state, self.sealer, state.sealed_digest)
        except StateError:  # the journal follows another version: keep it aside
            os.replace(self.journal, self.journal.with_name(self.journal.name + ".broken"))
        if self.path.exists():
            os.replace(self.path, self.path.with_name(self.path.name + ".broken"))
        _atomic_write(self.path, text.encode())
        return state

    def _may_replace_backup(self, lineage: str) -> bool:
        """A backup is replaced only by a state of its own lineage (or when there is none).
        Once a lineage may, it may for every later save through this file (the caller holds
        the lock)."""
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
            return decode(text, str(self.backup), self.sealer)
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
            f"{backup.contents()}), can be restored with "
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
    def lock(self, timeout: float = 0.0, operation: str = "apply") -> Iterator[None]:
        """Hold the state lock; when another run holds it, wait up to `timeout` seconds, then
        fail naming the holder. The lock goes away with the process that held it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.fdopen(open_for_update(self.lock_path), "r+")
        except OSError as exc:
            raise StateError(f"cannot take the lock {self.lock_path}: {exc}") from None
        try:
            self._take(handle, timeout)
            handle.seek(0)
            handle.truncate()
            handle.write(
                f"{operation} by pid {os.getpid()} since "
                f"{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')} (lock {uuid.uuid4()})"
            )
            handle.flush()
            self.clean_temporary_files()
            self._compact()
            yield
        finally:
            with contextlib.suppress(OSError):
                handle.seek(0)
                handle.truncate()  # an empty lock file says nothing of a run that ended
                handle.flush()
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def _compact(self) -> None:
        """A journal a killed run left is folded into the file (call it holding the lock):
        from then on the state file on its own is the whole state, as committed. Without the
        key nothing is written (it would drop the seal); a journal that cannot be read stays
        for the plan to report."""
        if self.sealer is None or not self.journal.exists():
            return
        with contextlib.suppress(StateError):
            state = self.load()
            self._write_whole(state)

    def _take(self, handle: typing.IO[str], timeout: float) -> None:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read(300).strip() or "another process"
                    waited = f" (waited {timeout:g} s)" if timeout else ""
                    raise StateLockedError(
                        f"the state {self.path} is locked by another run{waited}: "
                        f"{plain_line(holder)}. Wait for it to finish, or give --lock-timeout "
                        "to wait for it"
                    ) from None
                time.sleep(LOCK_POLL)

    def force_unlock(self, lock_id: str) -> str:
        """A local lock belongs to a running process (the system releases it when the process
        ends): there is never a dead holder's lock to force away."""
        with self.lock(operation="force-unlock"):
            pass
        return (
            f"the state {self.path} is not locked (a local lock ends with the process that "
            "held it); nothing to unlock"
        )


def plain_line(text: str) -> str:
    """Someone else's text for a message: printable, one line, short."""
    printable = "".join(c if c.isprintable() else " " for c in text)
    return printable[:200]


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

"""Remote state for teams: one object in a bucket (S3 or an S3-compatible server, GCS, Azure)
that every runner and clone of a repository shares.

- Every write is a compare-and-swap on the object's ETag (If-Match; If-None-Match for the
  first), so no runner overwrites a write it has not read.
- The lock is an object beside the state, made by a conditional create (If-None-Match: *),
  that records who holds it, for what and since when. `force-unlock LOCK_ID` removes a dead
  holder's lock.
- Before each write, the account's ownership index (state/index.py) records which state owns
  each order; a state may not record an order another state owns.

obstore does the talking (conditional puts on S3, GCS and Azure, credentials from the
standard environment variables); it is imported only when a remote state is used.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from reconciler.errors import StateConflictError, StateError, StateLockedError
from reconciler.loopback import is_loopback_url
from reconciler.oneline import shown_url
from reconciler.state.codec import decode, encode
from reconciler.state.document import MAX_BYTES
from reconciler.state.index import OwnershipIndex
from reconciler.state.model import State
from reconciler.state.seal import Sealer
from reconciler.state.store import plain_line

SCHEMES = ("s3", "gs", "az", "azure", "abfs", "abfss")
LOCK_POLL = 1.0
MAX_LOCK_BYTES = 64 * 1024


@dataclass(frozen=True)
class RemoteSettings:
    """clearsky.yaml's state.url, state.endpoint and state.region."""

    url: str
    endpoint: str | None = None
    region: str | None = None


def check_url(url: str) -> tuple[str, str, str]:
    """(scheme, bucket, key) of a state URL; StateError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise StateError(
            f"state.url {shown_url(url)!r}: use s3://BUCKET/PATH (or gs://, az://) for remote state"
        )
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise StateError(
            "state.url may not carry credentials, a query or a fragment: credentials come from "
            "the standard environment variables (AWS_ACCESS_KEY_ID, ...)"
        )
    key = parts.path.strip("/")
    if not parts.netloc or not key or ".." in key.split("/"):
        raise StateError(f"state.url {shown_url(url)!r} needs a bucket and an object path")
    return parts.scheme, parts.netloc, key


class RemoteState:
    """The state as one object in a bucket, read and written with conditional requests."""

    remote = True

    def __init__(
        self, settings: RemoteSettings, sealer: Sealer | None = None, workspace: str = ""
    ) -> None:
        self.scheme, self.bucket, self.key = check_url(settings.url)
        endpoint = settings.endpoint or ""
        if endpoint and not endpoint.startswith("https://") and not is_loopback_url(endpoint):
            raise StateError(
                f"state.endpoint {endpoint[:200]!r}: use https (plain http only to this machine)"
            )
        self.settings = settings
        self.location = settings.url
        self.sealer = sealer
        self.workspace = workspace
        self._objects: Any = None
        self._etag: str | None = None
        self._read = False
        self._text: str | None = None
        """The object as last read or written (what a write's backup keeps)."""
        self._lineage: str | None = None

    # -- reading and writing ------------------------------------------------------------

    def load(self) -> State:
        found = self._get(self.key)
        self._read = True
        if found is None:
            self._etag, self._text, self._lineage = None, None, None
            return State(workspace=self.workspace)
        text, self._etag = found
        state = decode(text, self.location, self.sealer)
        self._text, self._lineage = text, state.lineage
        return state

    def save(self, state: State) -> State:
        """Write `state` if nobody wrote since it was read (StateConflictError otherwise)."""
        if not self._read:
            self.load()
        written = replace(
            state, serial=state.serial + 1, workspace=state.workspace or self.workspace
        )
        if written.owner is not None:
            self._index(written.owner.account).sync(
                {e.guid for e in written.orders.values()}, self.location, written.workspace
            )
        if self._text is not None and self._lineage == written.lineage:
            self._put(self.key + ".backup", self._text.encode(), None)
        data, _ = encode(written, self.sealer)
        self._etag = self._put(self.key, data, self._over_what_was_read())
        self._text, self._lineage = data.decode(), written.lineage
        return written

    def batch(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # every write is one object: nothing to gather

    def others(self, account: str) -> Mapping[str, str]:
        """Orders (lower-case GUID) other states own in this account, with whose they are."""
        return self._index(account).others(self.location)

    def restore(self) -> State:
        found = self._get(self.key + ".backup")
        if found is None:
            raise StateError(f"there is no backup {self.location}.backup to restore")
        text, _ = found
        state = decode(text, self.location + ".backup", self.sealer)
        if not self._read:
            self.load()
        self._etag = self._put(self.key, text.encode(), self._over_what_was_read())
        self._text, self._lineage = text, state.lineage
        return state

    def describe(self) -> str:
        return f"{self.location} (remote)"

    def _over_what_was_read(self) -> Any:
        """The put mode of a compare-and-swap: over the version read, or onto nothing."""
        return {"e_tag": self._etag} if self._etag else "create"

    # -- the lock ------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, timeout: float = 0.0, operation: str = "apply") -> Iterator[None]:
        """Hold the lock object; when another run holds it, wait up to `timeout` seconds,
        then fail naming the holder and the lock's id."""
        lock_id = str(uuid.uuid4())
        body = {
            "id": lock_id,
            "operation": operation,
            "who": f"{_user()}@{socket.gethostname()} pid {os.getpid()}",
            "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "state": self.location,
        }
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                self._put(self.key + ".lock", json.dumps(body).encode(), "create", lock=True)
                break
            except _Held:
                if time.monotonic() >= deadline:
                    raise self._locked(timeout) from None
                time.sleep(LOCK_POLL)
        try:
            yield
        finally:
            holder = self._holder()
            if holder is not None and holder.get("id") == lock_id:
                with contextlib.suppress(StateError):
                    self._objects_delete(self.key + ".lock")

    def force_unlock(self, lock_id: str) -> str:
        holder = self._holder()
        if holder is None:
            return f"the state {self.location} is not locked; nothing to unlock"
        if str(holder.get("id")) != lock_id:
            raise StateError(
                f"the lock on {self.location} has id {_plain(holder.get('id'))}, not "
                f"{_plain(lock_id)}; nothing was unlocked"
            )
        self._objects_delete(self.key + ".lock")
        return (
            f"removed the lock {_plain(lock_id)} held by {_describe(holder)}. If that run is "
            "still going, its next state write fails rather than overwrite anything"
        )

    def _locked(self, timeout: float) -> StateLockedError:
        holder = self._holder() or {}
        waited = f" (waited {timeout:g} s)" if timeout else ""
        return StateLockedError(
            f"the state {self.location} is locked{waited} by {_describe(holder)}. Wait for "
            "that run to finish, or give --lock-timeout to wait for it; if it died, release its "
            f"lock with 'clearsky-orders force-unlock {_plain(holder.get('id'))}'"
        )

    def _holder(self) -> dict[str, Any] | None:
        """Who holds the lock; a lock object that cannot be read (too large, not JSON) has the
        id 'unreadable', which force-unlock accepts (a word: pasted in a shell, '?' globs)."""
        unreadable = {"id": "unreadable", "who": "a lock object that cannot be read"}
        try:
            found = self._get(self.key + ".lock", limit=MAX_LOCK_BYTES)
        except StateError:
            return {**unreadable, "who": f"a lock object over {MAX_LOCK_BYTES // 1024} KiB"}
        if found is None:
            return None
        try:
            holder = json.loads(found[0])
        except ValueError:
            return unreadable
        return holder if isinstance(holder, dict) else unreadable

    # -- the object store ------------------------------------------------------------------

    def _index(self, account: str) -> OwnershipIndex:
        return OwnershipIndex(self._get, self._put, account)

    def _store(self) -> Any:
        if self._objects is None:
            from obstore.store import from_url

            opener: Any = from_url  # typed per scheme; the scheme is checked above
            config: dict[str, Any] = {}
            if self.scheme == "s3" and self.settings.endpoint:
                config["endpoint"] = self.settings.endpoint
            if self.scheme == "s3" and self.settings.region:
                config["region"] = self.settings.region
            client: dict[str, Any] = {
                "timeout": timedelta(seconds=30),
                "connect_timeout": timedelta(seconds=5),
            }
            if self.settings.endpoint and is_loopback_url(self.settings.endpoint):
                client["allow_http"] = True
            try:
                self._objects = opener(
                    f"{self.scheme}://{self.bucket}",
                    config=config,
                    client_options=client,
                    retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=30)},
                )
            except Exception as exc:  # obstore raises its own kinds for bad settings
                raise StateError(f"cannot open {self.location}: {_why(exc)}") from None
        return self._objects

    def _get(self, key: str, limit: int = MAX_BYTES) -> tuple[str, str | None] | None:
        import obstore

        try:
            result = obstore.get(self._store(), key)
            if int(result.meta["size"]) > limit:
                raise StateError(f"{self._url(key)} is larger than {limit // 1024} KiB")
            data = bytes(result.bytes())
        except FileNotFoundError:
            return None
        except StateError:
            raise
        except Exception as exc:
            raise StateError(f"cannot read {self._url(key)}: {_why(exc)}") from None
        try:
            return data.decode(), result.meta.get("e_tag")
        except UnicodeDecodeError:
            raise StateError(f"{self._url(key)} is not text") from None

    def _put(self, key: str, data: bytes, mode: Any, *, lock: bool = False) -> str | None:
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        try:
            result = obstore.put(self._store(), key, data, mode=mode or "overwrite")
        except (AlreadyExistsError, PreconditionError):
            if lock:
                raise _Held() from None
            raise StateConflictError(
                f"{self._url(key)} was written by another run since this one read it; nothing "
                "was overwritten. Run the command again (it reads the new version)"
            ) from None
        except Exception as exc:
            raise StateError(f"cannot write {self._url(key)}: {_why(exc)}") from None
        etag = result.get("e_tag")
        return str(etag) if etag else None

    def _objects_delete(self, key: str) -> None:
        import obstore

        try:
            obstore.delete(self._store(), key)
        except Exception as exc:
            raise StateError(f"cannot delete {self._url(key)}: {_why(exc)}") from None

    def _url(self, key: str) -> str:
        return f"{self.scheme}://{self.bucket}/{key}"


class _Held(Exception):
    """The lock object exists: someone holds the lock."""


def _why(exc: BaseException) -> str:
    """The first line of a store's error, short (it names the URL, never a credential)."""
    name = type(exc).__name__
    first = (str(exc).strip().splitlines() or [""])[0]
    if "PermissionDenied" in name or "Unauthenticated" in name:
        return f"access denied ({name}): check the credentials in the environment"
    return f"{name}: {_plain(first)}"


def _plain(value: Any) -> str:
    return plain_line(str(value))


def _describe(holder: Mapping[str, Any]) -> str:
    return (
        f"{_plain(holder.get('who', 'someone'))} ({_plain(holder.get('operation', '?'))} since "
        f"{_plain(holder.get('since', '?'))}, lock {_plain(holder.get('id', '?'))})"
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"

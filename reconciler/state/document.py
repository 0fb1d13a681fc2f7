"""The state file's format, read strictly: the state is untrusted input (it lives in the
repository, where pull requests change it).

Every field has its type; GUIDs are unique across entries (without regard to case); anything
else is one located error. Reading never guesses: a figure it cannot read is an error, not 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from reconciler.domain.price import MAX_EUR, is_price
from reconciler.errors import StateError
from reconciler.jsonwalk import Walk
from reconciler.planning.model import Cost, Intent, IntentKind, Seen, StateEntry
from reconciler.shared import shared, shared_labels

STATE_VERSION = 1
MAX_BYTES = 64 * 1024 * 1024
GUID = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"
NAME = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
"""What a manifest name may be (metadata.name): the state holds no other."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class EstimateJson(_Strict):
    currentMonthCost: float = Field(ge=0, le=MAX_EUR, allow_inf_nan=False)
    nextMonthCost: float = Field(ge=0, le=MAX_EUR, allow_inf_nan=False)
    currency: str = "EUR"
    month: date | None = Field(None, strict=False)


HEX64 = r"^[0-9a-f]{64}$"


class SeenJson(_Strict):
    manifest: str = Field(pattern=HEX64)
    listed: str = Field(pattern=HEX64)
    listedFingerprint: str = Field(pattern=HEX64)
    bounds: (
        tuple[
            Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)],
            Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)],
            Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)],
            Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)],
        ]
        | None
    ) = Field(None, strict=False)  # a JSON list


class EntryJson(_Strict):
    orderGuid: str = Field(pattern=GUID)
    fingerprint: str = ""
    preventCancel: bool = False
    labels: dict[str, str] = Field(default_factory=dict)
    estimate: EstimateJson | None = None
    previous: list[str] = Field(default_factory=list, max_length=20)
    seen: SeenJson | None = None
    file: str = Field("", max_length=1024)

    @field_validator("file")
    @classmethod
    def _relative_file(cls, value: str) -> str:
        if value and not _is_workspace_file(value):
            raise ValueError("not a file path relative to the workspace folder")
        return value


def _is_workspace_file(path: str) -> bool:
    """A manifest's path as an entry records it: relative, '/' between folders, no '..'."""
    parts = path.split("/")
    return (
        not path.startswith("/")
        and all(p not in ("", ".", "..") for p in parts)
        and all(c.isprintable() and c != "\\" for c in path)
    )


class IntentJson(_Strict):
    kind: IntentKind = Field(strict=False)
    name: str = Field(pattern=r"^$|" + NAME)
    fingerprint: str = Field("", pattern=r"^[0-9a-f]{0,64}$")
    guid: str = Field("", pattern=r"^$|" + GUID)
    since: datetime | None = Field(None, strict=False)
    replaces: str = Field("", pattern=r"^$|" + GUID)


class OwnerJson(_Strict):
    apiUrl: str = Field(min_length=1)
    account: str = Field(min_length=1)


class SealJson(_Strict):
    version: int
    entries: dict[Annotated[str, StringConstraints(pattern=NAME)], str] = Field(
        default_factory=dict
    )
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")


class StateJson(_Strict):
    version: int
    serial: int = Field(0, ge=0)
    lineage: str = Field(min_length=1, max_length=100)
    updatedAt: str = Field("", max_length=40)
    workspace: str = Field("", pattern=r"^$|" + NAME)
    owner: OwnerJson | None = None
    orders: dict[Annotated[str, StringConstraints(pattern=NAME)], EntryJson] = Field(
        default_factory=dict
    )
    intents: list[IntentJson] = Field(default_factory=list)
    seal: SealJson | None = None


@dataclass(frozen=True)
class StateDocument:
    """A state file as read: what it says besides its entries, its entries, and each entry's
    digest over the entry as written (what its seal is over; '' when nothing checks it)."""

    header: StateJson
    entries: dict[str, StateEntry]
    digests: dict[str, str]


def read_document(
    text: str, where: str, digest: Callable[[str, Any], str] | None = None
) -> StateDocument:
    """The state in `text`; StateError naming the first thing wrong and where. The entries are
    read one at a time (jsonwalk.py): a state of 50,000 entries never stands in memory as one
    tree of dicts. `digest(name, entry as written)` is each entry's seal digest."""
    if len(text) > MAX_BYTES:
        raise StateError(f"{where} is larger than {MAX_BYTES // 2**20} MiB: not a state file")
    walk = Walk(text)
    header: dict[str, Any] = {}
    entries: dict[str, StateEntry] = {}
    digests: dict[str, str] = {}
    problem = ""
    try:
        if not walk.at_object():
            json.loads(text)  # JSON, but not an object: not a state file
            raise StateError(f"{where} is not a clearsky-orders state file")
        for key in walk.members():
            if key in header:
                problem = problem or f"{md_safe(key)} is written twice (line {walk.line()})"
            if key != "orders" or not walk.at_object():
                header[key] = walk.value()
                continue
            header[key] = {}
            for name in walk.members():
                at = walk.at
                raw = walk.value()
                if problem:
                    continue  # the rest is still read: a syntax error after it is told first
                if name in entries:
                    problem = f"orders.{md_safe(name)} is written twice (line {walk.line(at)})"
                    continue
                problem = _entry(name, raw, entries)
                digests[name] = digest(name, raw) if digest and not problem else ""
        walk.finish()
    except ValueError as exc:  # JSONDecodeError, or a number of thousands of digits
        raise StateError(f"{where} is not JSON (line {getattr(exc, 'lineno', '?')})") from None
    except RecursionError:
        raise StateError(f"{where} is not JSON (nested too deeply)") from None
    if header.get("version") != STATE_VERSION:
        raise StateError(
            f"{where} has state version {header.get('version')!r}; this clearsky-orders reads "
            f"version {STATE_VERSION}: upgrade clearsky-orders"
        )
    if problem:
        raise StateError(f"{where}: {problem}")
    try:
        found = StateJson.model_validate(header)
    except ValidationError as error:
        raise StateError(f"{where}: {_located(error)}") from None
    return StateDocument(found, entries, digests)


def _entry(name: str, raw: Any, entries: dict[str, StateEntry]) -> str:
    """Adds the entry `raw` under `name`; what is wrong with it ('' when nothing is)."""
    if not _NAME.fullmatch(name):
        return f"orders.{md_safe(name)}: not a manifest name (a-z, 0-9 and '-', 1 to 63 long)"
    try:
        entries[shared(name)] = entry_of(EntryJson.model_validate(raw))
    except ValidationError as error:
        return _located(error, "orders", name)
    return ""


def _located(error: ValidationError, *within: str) -> str:
    """The first problem pydantic found, with the path to its field."""
    first = error.errors()[0]
    field = ".".join(md_safe(str(p)) for p in (*within, *first["loc"]))
    return f"{field}: {first['msg']}"


_NAME = re.compile(NAME)


def md_safe(text: str) -> str:
    """A field path for a message: printable, short (a hostile key may be anything)."""
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable if len(printable) <= 80 else printable[:77] + "..."


def one_owner_per_order(
    orders: dict[str, StateEntry], where: str, trusted: Callable[[str], bool]
) -> tuple[dict[str, StateEntry], tuple[str, ...]]:
    """The entries with one owner per order. Where a trusted (sealed) entry and untrusted ones
    name the same order, the untrusted ones are ignored (returned as notes); two trusted ones,
    or only untrusted ones, are one error."""
    by_guid: dict[str, list[str]] = {}
    for name, entry in sorted(orders.items()):
        by_guid.setdefault(entry.guid.lower(), []).append(name)
    kept = dict(orders)
    notes: list[str] = []
    for names in by_guid.values():
        if len(names) < 2:
            continue
        sealed = [n for n in names if trusted(n)]
        if len(sealed) != 1:
            raise StateError(
                f"{where}: {names[0]!r} and {names[1]!r} both own order "
                f"{orders[names[1]].guid} (a bad merge?). Keep the entry of the manifest that "
                "owns it and remove the other; nothing was planned or changed"
            )
        for name in names:
            if name != sealed[0]:
                del kept[name]
                notes.append(
                    f"the state entry {name} (changed outside clearsky-orders) names order "
                    f"{orders[name].guid}, which {sealed[0]} owns: it is ignored"
                )
    return kept, tuple(notes)


def entry_of(raw: EntryJson) -> StateEntry:
    cost = None
    if raw.estimate is not None:
        e = raw.estimate
        cost = Cost(e.currentMonthCost, e.nextMonthCost, shared(e.currency), month=e.month)
    seen = None
    if raw.seen is not None:
        s = raw.seen
        same = s.listedFingerprint == raw.fingerprint  # most often: then kept once
        seen = Seen(
            s.manifest, s.listed, raw.fingerprint if same else s.listedFingerprint, s.bounds
        )
    return StateEntry(
        shared(raw.orderGuid),  # the listed order shares it
        raw.fingerprint,
        raw.preventCancel,
        cost,
        shared_labels(raw.labels),
        tuple(raw.previous),
        seen,
        raw.file,
    )


def intent_of(raw: IntentJson) -> Intent:
    return Intent(raw.kind, raw.name, raw.fingerprint, raw.guid, raw.since, raw.replaces)


def entry_json(entry: StateEntry) -> dict[str, Any]:
    body: dict[str, Any] = {
        "orderGuid": entry.guid,
        "fingerprint": entry.fingerprint,
        "preventCancel": entry.prevent_cancel,
    }
    if entry.labels:
        body["labels"] = dict(sorted(entry.labels.items()))
    if entry.previous:
        body["previous"] = list(entry.previous)[-20:]
    if (
        entry.cost is not None
        and is_price(entry.cost.current_month)
        and is_price(entry.cost.next_month)
    ):  # the client never reads another figure; were one to slip through, it is not recorded
        body["estimate"] = {
            # floats always: the seal is over this form, and reading gives floats back
            "currentMonthCost": float(entry.cost.current_month),
            "nextMonthCost": float(entry.cost.next_month),
            "currency": entry.cost.currency,
            **({"month": entry.cost.month.isoformat()} if entry.cost.month else {}),
        }
    if entry.file:
        body["file"] = entry.file
    if entry.seen is not None:
        seen = entry.seen
        body["seen"] = {
            "manifest": seen.manifest,
            "listed": seen.listed,
            "listedFingerprint": seen.listed_fingerprint,
            **({"bounds": [float(b) for b in seen.bounds]} if seen.bounds else {}),
        }
    return body


def intent_json(intent: Intent) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": intent.kind.value, "name": intent.name}
    for key, value in (
        ("fingerprint", intent.fingerprint),
        ("guid", intent.guid),
        ("replaces", intent.replaces),
    ):
        if value:
            body[key] = value
    if intent.since is not None:
        body["since"] = intent.since.strftime("%Y-%m-%dT%H:%M:%SZ")
    return body

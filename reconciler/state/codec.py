"""A state to and from its JSON, sealed on the way out and checked on the way in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from reconciler.state.document import (
    STATE_VERSION,
    StateJson,
    entry_json,
    entry_of,
    intent_json,
    intent_of,
    one_owner_per_order,
    parse_with_entries,
)
from reconciler.state.model import Owner, State
from reconciler.state.seal import Sealer, check, seal


def encode(state: State, sealer: Sealer | None) -> tuple[bytes, str]:
    """The state's file content, and the digest of its seal ('' unsealed). Sealed when a key
    is given (its untrusted entries are left out of the seal: writing them does not make them
    trusted)."""
    header = _header(state)
    entries = {name: entry_json(e) for name, e in sorted(state.orders.items())}
    body: dict[str, Any] = {
        "version": STATE_VERSION,
        "serial": state.serial,
        "lineage": state.lineage,
        "updatedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **({"workspace": state.workspace} if state.workspace else {}),
        **({"owner": header["owner"]} if state.owner else {}),
        "orders": entries,
        **({"intents": header["intents"]} if state.intents else {}),
    }
    digest = ""
    if sealer is not None:
        body["seal"] = seal(sealer, header, entries, state.untrusted)
        digest = body["seal"]["digest"]
    return (json.dumps(body, indent=2) + "\n").encode(), digest


def decode(text: str, where: str, sealer: Sealer | None) -> State:
    """The state in `text` (StateError naming what is wrong and where), with what its seal
    says of each entry."""
    found, written = parse_with_entries(text, where)
    return from_document(found, where, sealer, written)


def from_document(
    found: StateJson,
    where: str,
    sealer: Sealer | None,
    written: Mapping[str, Mapping[str, Any]] | None = None,
) -> State:
    """The state `found` describes. Each entry's seal is checked over the entry as `written`
    (as read from the file: the form it was sealed in; a value written another way than this
    tool writes it, such as 10 for 10.0, is a change), else over the form it is written in."""
    owner = Owner(found.owner.apiUrl, found.owner.account) if found.owner else None
    orders = {name: entry_of(entry) for name, entry in found.orders.items()}
    state = State(
        orders,
        found.serial,
        found.lineage,
        owner,
        tuple(intent_of(i) for i in found.intents),
        workspace=found.workspace,
    )
    entries = written if written is not None else {n: entry_json(e) for n, e in orders.items()}
    raw_seal = found.seal.model_dump() if found.seal else None
    trust = check(sealer, raw_seal, _header(state), entries)
    kept, notes = one_owner_per_order(orders, where, trust.trusts)
    digest = found.seal.digest if found.seal else ""
    return replace(state.checked(trust, kept, notes), sealed_digest=digest)


def _header(state: State) -> dict[str, Any]:
    """What the seal covers besides the entries."""
    return {
        "lineage": state.lineage,
        "workspace": state.workspace,
        "owner": (
            {"apiUrl": state.owner.api_url, "account": state.owner.account} if state.owner else None
        ),
        "intents": [intent_json(i) for i in state.intents],
    }

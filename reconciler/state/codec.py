"""A state to and from its JSON, sealed on the way out and checked on the way in."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from reconciler.state.document import (
    STATE_VERSION,
    entry_json,
    intent_json,
    intent_of,
    one_owner_per_order,
    read_document,
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
    says of each entry. Each entry's seal is checked over the entry as written in `text` (the
    form it was sealed in: a value written another way than this tool writes it, such as 10
    for 10.0, is a change)."""
    found = read_document(text, where, sealer.entry if sealer is not None else None)
    header = found.header
    owner = Owner(header.owner.apiUrl, header.owner.account) if header.owner else None
    state = State(
        found.entries,
        header.serial,
        header.lineage,
        owner,
        tuple(intent_of(i) for i in header.intents),
        workspace=header.workspace,
    )
    raw_seal = header.seal.model_dump() if header.seal else None
    trust = check(sealer, raw_seal, _header(state), found.digests)
    kept, notes = one_owner_per_order(found.entries, where, trust.trusts)
    digest = header.seal.digest if header.seal else ""
    return replace(state.checked(trust, kept, notes), sealed_digest=digest)


def _header(state: State) -> dict[str, Any]:
    """What the seal covers besides the entries."""
    return {
        "serial": state.serial,
        "lineage": state.lineage,
        "workspace": state.workspace,
        "owner": (
            {"apiUrl": state.owner.api_url, "account": state.owner.account} if state.owner else None
        ),
        "intents": [intent_json(i) for i in state.intents],
    }

"""Tamper evidence: what apply writes to the state is sealed with a keyed digest.

The key derives from the account's API key (HMAC-SHA256 of a fixed label under the API key);
neither is stored. Each entry has its own digest, so a plan can name the entries that were
changed outside the tool; one digest over the whole (the entries' digests, the lineage, the
owner, the workspace and the unfinished operations) tells when something else changed too, an
entry removed with its digest, say. An entry whose digest does not match is untrusted: it lifts
no protection, owns no order another state claims and lowers no cost, until someone holding the
key accepts it (`clearsky-orders state seal`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.canonical import canonical_json

SEAL_VERSION = 1
_LABEL = b"clearsky-orders state seal v1"


@dataclass(frozen=True)
class Sealer:
    """Seals and checks a state's content with a key derived from an API key."""

    key: bytes

    @classmethod
    def for_api_key(cls, api_key: str) -> Sealer:
        return cls(hmac.new(api_key.encode(), _LABEL, hashlib.sha256).digest())

    def __repr__(self) -> str:  # the key never reaches a log or a message
        return "Sealer(<key>)"

    def entry(self, name: str, body: Mapping[str, Any]) -> str:
        return self.mac({"entry": name, "body": body})

    def whole(self, header: Mapping[str, Any], entries: Mapping[str, str]) -> str:
        return self.mac({"header": header, "entries": dict(sorted(entries.items()))})

    def mac(self, value: Any) -> str:
        """The keyed digest of a JSON value (its canonical text)."""
        return hmac.new(self.key, canonical_json(value).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Trust:
    """What checking a state's seal found. A state nobody checked (no key) trusts nothing it
    cannot check, and says so."""

    checked: bool = True
    sealed: bool = True
    changed: tuple[str, ...] = ()
    """Entries whose content differs from the last sealed version (or that were added)."""
    other_changes: bool = False
    """Something outside the entries changed: an entry removed, the unfinished operations, the
    owner or the lineage."""

    @property
    def clean(self) -> bool:
        return self.checked and self.sealed and not self.changed and not self.other_changes

    def trusts(self, name: str) -> bool:
        return self.checked and name not in self.changed

    def summary(self) -> str:
        """One sentence for the first line of a plan; '' when the state is as sealed."""
        if self.clean:
            return ""
        if not self.checked:
            return "the state's seal was not checked (no API key)"
        if not self.sealed:
            what = f"{len(self.changed)} entr{'y' if len(self.changed) == 1 else 'ies'}"
            return f"the state is not sealed: its {what} are treated as untrusted"
        parts = []
        if self.changed:
            names = ", ".join(self.changed[:10])
            more = f" and {len(self.changed) - 10} more" if len(self.changed) > 10 else ""
            parts.append(f"entries {names}{more} differ from the last sealed version")
        if self.other_changes:
            parts.append("entries were removed or its unfinished operations changed")
        return "the state was changed outside clearsky-orders: " + "; ".join(parts)


def check(
    sealer: Sealer | None,
    seal: Mapping[str, Any] | None,
    header: Mapping[str, Any],
    digests: Mapping[str, str],
) -> Trust:
    """How far the state's content matches its seal; `digests` are the entries' digests as
    read (`Sealer.entry` over each entry as written)."""
    names = tuple(sorted(digests))
    if sealer is None:
        return Trust(checked=False, sealed=seal is not None, changed=names)
    if seal is None:
        return Trust(sealed=False, changed=names, other_changes=bool(header.get("intents")))
    recorded = seal.get("entries", {})
    changed = tuple(
        name
        for name in names
        if not hmac.compare_digest(str(recorded.get(name, "")), digests[name])
    )
    whole = sealer.whole(header, {n: str(d) for n, d in recorded.items()})
    removed = bool(set(recorded) - set(names))
    other = removed or not hmac.compare_digest(str(seal.get("digest", "")), whole)
    return Trust(changed=changed, other_changes=other)


def seal(
    sealer: Sealer,
    header: Mapping[str, Any],
    entries: Mapping[str, Mapping[str, Any]],
    untrusted: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The seal for this content; `untrusted` entries are left out (they stay untrusted)."""
    digests = {
        name: sealer.entry(name, body) for name, body in entries.items() if name not in untrusted
    }
    return {
        "version": SEAL_VERSION,
        "entries": dict(sorted(digests.items())),
        "digest": sealer.whole(header, digests),
    }

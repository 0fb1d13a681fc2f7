"""Tamper evidence: what apply writes to the state is sealed with a keyed digest.

The key derives from the account's API key (HMAC-SHA256 of a fixed label under the API key);
neither is stored. Each entry has its own digest, so a plan can name the entries that were
changed outside the tool; one digest over the whole (the entries' digests, the serial, the
lineage, the owner, the workspace and the unfinished operations) vouches for the rest. An entry
whose digest does not match is untrusted: it lifts no protection, owns no order another state
claims and lowers no cost, until someone holding the key accepts it (`clearsky-orders state
seal`). When the digest over the whole does not match, the list of entry digests itself was
altered (an entry and its digest copied in from another version, say): then no entry and no
unfinished operation is trusted. A state older than one already seen (state/rollback.py) is
treated the same way: each of its entries was sealed once, but not for this serial.

Version 2 binds the serial; a version 1 seal (written before) is checked as it was written.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.canonical import canonical_json

SEAL_VERSION = 2
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
    """Entries were removed (their digests stay in the seal)."""
    forged: bool = False
    """The digest over the whole does not match: the seal's list of entries, the serial, the
    lineage, the owner or the unfinished operations were changed outside the tool."""
    rolled_back: str = ""
    """Why the state is older than a version already seen ('' when it is not)."""
    other_key: bool = False
    """No digest matches, the whole's neither: sealed with another key (another account, or
    the key before a rotation), not edited entry by entry."""

    @property
    def whole(self) -> bool:
        """True when the seal vouches for the state as a whole, its unfinished operations too."""
        return self.checked and self.sealed and not self.forged and not self.rolled_back

    @property
    def clean(self) -> bool:
        return self.whole and not self.changed and not self.other_changes

    def trusts(self, name: str) -> bool:
        return self.whole and name not in self.changed

    def entry_flag(self, name: str) -> str:
        """What to say of one entry beside the state's warning ('' when nothing more)."""
        if not self.checked or self.other_key:
            return ""  # the warning says it of every entry
        if name in self.changed:
            return "changed outside clearsky-orders"
        return "" if self.whole else "not vouched for"

    def summary(self) -> str:
        """One sentence for the first line of a plan; '' when the state is as sealed."""
        if self.clean:
            return ""
        if not self.checked:
            return (
                "the state's seal was not checked (no API key): nothing in it is vouched for "
                "until a run with the key reads it"
            )
        if self.other_key:
            return (
                "the state was sealed with another key than this one (another account, or the "
                "key before a rotation): nothing in it is vouched for; with the right key set, "
                "or after reviewing it, 'clearsky-orders state seal' accepts it"
            )
        if self.rolled_back:
            return (
                f"the state was rolled back: {self.rolled_back}; none of its entries or "
                "unfinished operations is trusted (they lift no protection and lower no cost)"
            )
        if not self.sealed:
            what = f"{len(self.changed)} entr{'y' if len(self.changed) == 1 else 'ies'}"
            return f"the state is not sealed: its {what} are treated as untrusted"
        if self.forged:
            return (
                "the state was changed outside clearsky-orders: its seal does not match the "
                "state as a whole (entry digests, serial, lineage, owner or unfinished "
                "operations); none of its entries or unfinished operations is trusted"
            )
        parts = []
        if self.changed:
            names = ", ".join(self.changed[:10])
            more = f" and {len(self.changed) - 10} more" if len(self.changed) > 10 else ""
            parts.append(f"entries {names}{more} differ from the last sealed version")
        if self.other_changes:
            parts.append("entries were removed")
        return "the state was changed outside clearsky-orders: " + "; ".join(parts)


def check(
    sealer: Sealer | None,
    seal: Mapping[str, Any] | None,
    header: Mapping[str, Any],
    digests: Mapping[str, str],
) -> Trust:
    """How far the state's content matches its seal; `digests` are the entries' digests as
    read (`Sealer.entry` over each entry as written); `header` what `whole_header` gives."""
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
    if seal.get("version") == 1:  # written before the seal bound the serial
        header = {k: v for k, v in header.items() if k != "serial"}
    whole = sealer.whole(header, {n: str(d) for n, d in recorded.items()})
    forged = not hmac.compare_digest(str(seal.get("digest", "")), whole)
    removed = bool(set(recorded) - set(names))
    other_key = forged and bool(names) and len(changed) == len(names)
    return Trust(changed=changed, other_changes=removed, forged=forged, other_key=other_key)


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

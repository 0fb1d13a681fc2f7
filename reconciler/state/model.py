"""What the state holds: which live order each manifest name owns, for which account."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reconciler.canonical import canonical_sha256
from reconciler.planning.model import Intent, StateEntry
from reconciler.state.seal import Trust


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
    workspace: str = ""
    trust: Trust = field(default_factory=Trust)
    """What the seal said when the state was read (a new state is the tool's own)."""
    untrusted: frozenset[str] = frozenset()
    """Entries changed outside the tool and not written since: they stay unsealed."""
    notes: tuple[str, ...] = ()
    """What reading the state found that a reviewer should know."""
    sealed_digest: str = ""
    """The digest of the seal the state was read with (the journal chains to it)."""
    touched: frozenset[str] | None = None
    """Names whose entries were set or removed since a store last read or wrote this state
    (None: not known, so a journal line compares every entry). `with_order` and `without`
    keep it; code that replaces `orders` wholesale must use `with_orders`."""

    def digest(self) -> str:
        """sha256 over who owns what (serial and lineage aside)."""
        body = {name: [e.guid.lower(), e.prevent_cancel] for name, e in sorted(self.orders.items())}
        return canonical_sha256(body)

    def checked(
        self, trust: Trust, orders: Mapping[str, StateEntry], notes: tuple[str, ...]
    ) -> State:
        """This state as read: `orders` are the entries kept, `trust` what the seal said."""
        untrusted = frozenset(n for n in orders if not trust.trusts(n))
        return replace(self, orders=orders, trust=trust, untrusted=untrusted, notes=notes)

    def guarded(self) -> Mapping[str, StateEntry]:
        """The entries as planning may use them: an untrusted entry lowers no cost (its
        recorded estimate is dropped)."""
        if not self.untrusted:
            return self.orders
        return {
            name: replace(entry, cost=None) if name in self.untrusted else entry
            for name, entry in self.orders.items()
        }

    def protections(self) -> Mapping[str, StateEntry]:
        """The entries as the guardrails read them: an untrusted entry lifts no protection
        (it counts as protected) and lowers no cost."""
        guarded = self.guarded()
        if not self.untrusted:
            return guarded
        return {
            name: replace(entry, prevent_cancel=True) if name in self.untrusted else entry
            for name, entry in guarded.items()
        }

    def with_order(self, name: str, entry: StateEntry) -> State:
        return replace(
            self,
            orders={**self.orders, name: entry},
            untrusted=self.untrusted - {name},
            touched=None if self.touched is None else self.touched | {name},
        )

    def with_entries(self, entries: Mapping[str, StateEntry]) -> State:
        """`with_order` for each of `entries`, at once."""
        if not entries:
            return self
        return replace(
            self,
            orders={**self.orders, **entries},
            untrusted=self.untrusted - set(entries),
            touched=None if self.touched is None else self.touched | set(entries),
        )

    def without(self, name: str) -> State:
        return replace(
            self,
            orders={k: v for k, v in self.orders.items() if k != name},
            untrusted=self.untrusted - {name},
            touched=None if self.touched is None else self.touched | {name},
        )

    def with_orders(self, orders: Mapping[str, StateEntry]) -> State:
        """Every entry replaced at once (what changed is no longer known)."""
        return replace(self, orders=orders, touched=None)

    def owned_by(self, owner: Owner) -> State:
        return replace(self, owner=owner)

    def with_intent(self, intent: Intent) -> State:
        return replace(self, intents=(*(i for i in self.intents if i != intent), intent))

    def without_intent(self, intent: Intent) -> State:
        return replace(self, intents=tuple(i for i in self.intents if i != intent))

    def rolled_back(self, reason: str) -> State:
        """This state, older than a version already seen: nothing in it is trusted."""
        trust = replace(self.trust, rolled_back=reason)
        return replace(self, trust=trust, untrusted=frozenset(self.orders))

    @property
    def trusted_intents(self) -> tuple[Intent, ...]:
        """The unfinished operations the seal vouches for: only these are carried out."""
        return self.intents if self.trust.whole else ()

    def sealed_as_is(self) -> State:
        """Every entry accepted as it is (`state seal`)."""
        return replace(self, untrusted=frozenset(), trust=Trust())

    def contents(self) -> str:
        text = f"{len(self.orders)} order(s)"
        if self.intents:
            text += f" and {len(self.intents)} unfinished operation(s)"
        return text

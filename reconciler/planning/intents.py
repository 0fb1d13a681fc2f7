"""Resolving what an apply was about to do when it stopped, against the live orders. Pure.

Apply writes an intent to the state before each create and cancel and clears it when the
outcome is known. An intent still open at the next plan means the outcome was not recorded:
- a create: the order is looked for (same spec, made since the request, owned by nobody).
  Found, it is the name's order, even if the manifest changed since (then it is replaced);
  the order it replaced with createBeforeCancel becomes a pending cancel. Not found, it was
  not made, and the name is planned as usual.
- a cancel: done when the order is canceled, ended or gone, or still owned by an entry (that
  entry's plan handles it). An order nobody owns any more is a pending cancel: planned again
  on every run until it succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from reconciler.domain.live import LiveOrder
from reconciler.planning.model import Intent, IntentKind, StateEntry

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Resolved:
    orders: Mapping[str, StateEntry]
    """The state's entries with the found orders recorded."""
    recovered: frozenset[str] = frozenset()
    """Names whose entry comes from an open create intent (apply records them)."""
    pending: tuple[Intent, ...] = ()
    """Cancels still to do: orders nobody owns that an apply meant to cancel."""
    notes: tuple[str, ...] = field(default_factory=tuple)


def resolve(
    intents: Sequence[Intent], orders: Mapping[str, StateEntry], live: Sequence[LiveOrder]
) -> Resolved:
    """The state as it would be had every open intent been recorded."""
    entries = dict(orders)
    by_key = {o.key: o for o in live}
    recovered: set[str] = set()
    pending: list[Intent] = []
    notes: list[str] = []
    for intent in (i for i in intents if i.kind == IntentKind.CREATE):
        found = _made(intent, live, _owned(entries))
        if found is None:
            notes.append(
                f"an earlier create of {intent.name} got no answer and the order was not made; "
                "it is planned again"
            )
            continue
        old = entries.get(intent.name)
        previous = (*old.previous, old.fingerprint) if old and old.fingerprint else ()
        entries[intent.name] = StateEntry(
            found.guid,
            intent.fingerprint,
            old.prevent_cancel if old else False,
            None,
            dict(old.labels) if old else {},
            tuple(dict.fromkeys(previous))[-20:],
        )
        recovered.add(intent.name)
        notes.append(
            f"an earlier create of {intent.name} got no answer; its order {found.guid} is in "
            "the account and is recorded for it"
        )
        if intent.replaces:
            pending.append(Intent(IntentKind.CANCEL, intent.name, guid=intent.replaces))
    owned = _owned(entries)
    candidates = [i for i in intents if i.kind == IntentKind.CANCEL] + pending
    pending = [p for p in _dedupe(candidates) if _active(by_key, p) and p.guid.lower() not in owned]
    return Resolved(entries, frozenset(recovered), tuple(pending), tuple(notes))


def _made(intent: Intent, live: Sequence[LiveOrder], owned: set[str]) -> LiveOrder | None:
    since = intent.since - CLOCK_SKEW if intent.since else None
    matches = [
        o
        for o in live
        if o.active
        and o.key not in owned
        and o.spec is not None
        and o.spec.fingerprint == intent.fingerprint
        and (since is None or o.created is None or o.created >= since)
    ]
    if not matches:
        return None
    return min(matches, key=lambda o: (o.created.timestamp() if o.created else 0.0, o.key))


def _owned(entries: Mapping[str, StateEntry]) -> set[str]:
    return {e.guid.lower() for e in entries.values()}


def _active(by_key: Mapping[str, LiveOrder], intent: Intent) -> bool:
    order = by_key.get(intent.guid.lower())
    return order is not None and order.active


def _dedupe(pending: list[Intent]) -> list[Intent]:
    seen: dict[str, Intent] = {}
    for intent in pending:
        seen.setdefault(intent.guid.lower(), intent)
    return list(seen.values())

"""Knowing an unchanged order without reading its AOI.

Apply records, for each order it leaves equal to its manifest, the raw keys of both specs:
the manifest's spec with its AOI as written, and the order's spec with the WKT the service
lists (OrderSpec.raw_key), with the listed spec's fingerprint and the AOI's bounds (`Seen`).
When a later run finds the same two raw keys for a sealed entry, the pair is what it was:
equal, with those fingerprints and bounds. Neither AOI is parsed, checked, normalised or
measured; one is read only when something needs its shape (an overlap with a change, say).
Everything the state does not vouch for this way is read, and its problems reported, before
planning starts, as if nothing had been left unread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reconciler.api import unreadable
from reconciler.domain.geometry import GeometryProblem
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec
from reconciler.manifest import Manifests, read_aois
from reconciler.planning import Seen
from reconciler.state import State


def recognise(
    manifests: Manifests, live: Sequence[LiveOrder], state: State
) -> tuple[LiveOrder, ...]:
    """Mark the unchanged pairs the state vouches for; read every other AOI (ManifestError
    for a manifest's that cannot be used). Returns the live orders, an unreadable one with
    no spec and the reason."""
    desired = {o.name: o.spec for o in manifests.orders}
    listed = {o.key: o.spec for o in live if o.spec is not None}
    for name, entry in state.orders.items():
        seen = entry.seen
        if seen is None or name in state.untrusted or not state.trust.checked:
            continue
        mine, theirs = desired.get(name), listed.get(entry.guid.lower())
        if mine is None or theirs is None or not (mine.unread and theirs.unread):
            continue
        if mine.raw_key != seen.manifest or theirs.raw_key != seen.listed:
            continue
        mine.recognise(entry.fingerprint, seen.bounds, entry.fingerprint)
        theirs.recognise(seen.listed_fingerprint, seen.bounds, entry.fingerprint)
    read_aois(manifests, keep=lambda order: order.spec.recognised)
    return tuple(_read(order) for order in live)


def _read(order: LiveOrder) -> LiveOrder:
    spec = order.spec
    if spec is None or not spec.unread or spec.recognised:
        return order
    try:
        spec.geometry  # noqa: B018 - read (and checked) now
    except GeometryProblem as exc:
        return replace(order, spec=None, problem=unreadable(exc))
    return order


def seen(desired: OrderSpec | None, listed: OrderSpec | None) -> Seen | None:
    """What to record of a manifest's spec and the equal order's, when both were read from
    text (else there is nothing a later run could recognise)."""
    if desired is None or listed is None or not desired.raw_key or not listed.raw_key:
        return None
    try:
        return Seen(desired.raw_key, listed.raw_key, listed.fingerprint, desired.bounds)
    except GeometryProblem:  # the service's WKT cannot be read: nothing to recognise it by
        return None

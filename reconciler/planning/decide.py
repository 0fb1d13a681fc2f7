"""Deciding what to do: desired orders, live orders and state in; changes out. Pure.

The rules are design.md's Identity section:
- state names a guid and the live order equals the manifest: noop (completed, if it ended);
- state names a guid and the live order differs: replace, with a field-level diff;
- state names a guid that is gone or canceled out of band: adopt an equal unowned order if one
  exists, else create; flagged as drift either way;
- no state entry, and an unowned live order equals the manifest: adopt (never a duplicate);
- a name in state whose manifest was deleted: cancel;
- live orders owned by nobody and equal to no manifest: unmanaged (pruned only on request,
  never when the service created them itself).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from reconciler.domain.desired import DesiredOrder
from reconciler.domain.live import LiveOrder
from reconciler.planning.model import (
    Action,
    CancelEffect,
    Cancellation,
    Change,
    Intent,
    StateEntry,
)
from reconciler.planning.rules import cancellation, field_diff


@dataclass(frozen=True)
class Options:
    prune: bool = False
    prune_orphans: bool = False


@dataclass(frozen=True)
class Open:
    """What resolving the last apply's open intents left for this plan."""

    pending: tuple[Intent, ...] = ()
    """Cancels an apply meant to make of orders nobody owns any more."""
    recovered: frozenset[str] = frozenset()
    """Names whose order was found after its create's answer was lost (to be recorded)."""
    ours: frozenset[str] = frozenset()
    """Fingerprints of specs this tool ordered: an unowned order with one is an orphan."""
    foreign: Mapping[str, str] = field(default_factory=dict)
    """Orders (lower-case GUID) other states own, with whose: never adopted nor pruned."""


@dataclass
class _Account:
    """The live orders by key, and which of them the plan has already given an owner."""

    by_guid: dict[str, LiveOrder]
    owned: set[str]
    claimed: set[str] = field(default_factory=set)
    foreign: Mapping[str, str] = field(default_factory=dict)


def decide(
    desired: Sequence[DesiredOrder],
    live: Sequence[LiveOrder],
    state: Mapping[str, StateEntry],
    today: date,
    options: Options | None = None,
    open_: Open | None = None,
) -> list[Change]:
    """The changes that make the account match `desired`, in apply order."""
    open_ = open_ or Open()
    account = _Account(
        {o.key: o for o in live}, {e.guid.lower() for e in state.values()}, foreign=open_.foreign
    )
    changes, unmatched = _owned_orders(desired, state, account, today, open_.recovered)
    changes += _unowned_orders(unmatched, live, account, today)
    changes += _removed_orders(desired, state, account, today)
    changes += _pending_cancels(open_.pending, account, today)
    changes += _unmanaged_orders(live, account, today, options or Options(), open_.ours)
    changes = _moves(changes, state)
    return sorted((_with_recorded_cost(c, state) for c in changes), key=lambda c: c.sort_key)


def _moves(changes: list[Change], state: Mapping[str, StateEntry]) -> list[Change]:
    """A renamed manifest is a cancel of the old name and a create of the new one whose specs
    are equal: a move (the entry is renamed; nothing is called, nothing is paid twice)."""
    cancels = [
        c
        for c in changes
        if c.action == Action.CANCEL
        and c.name in state
        and c.live is not None
        and not c.error
        and c.cancellation is not None
        and c.cancellation.effect != CancelEffect.NOTHING
    ]
    creates = [c for c in changes if c.action == Action.CREATE and c.desired is not None]
    paired: dict[int, Change] = {}
    used: set[int] = set()
    for create in creates:
        for index, cancel in enumerate(cancels):
            if index not in used and cancel.live == create.desired:
                used.add(index)
                paired[id(create)] = cancel
                break
    if not paired:
        return changes
    gone = {id(cancels[i]) for i in used}
    out = [c for c in changes if id(c) not in gone]
    return [_move(c, paired[id(c)], state) if id(c) in paired else c for c in out]


def _move(create: Change, cancel: Change, state: Mapping[str, StateEntry]) -> Change:
    return replace(
        create,
        action=Action.MOVE,
        order_guid=cancel.order_guid,
        live=cancel.live,
        moved_from=cancel.name,
        recorded_cost=state[cancel.name].cost,
        warnings=(
            *create.warnings,
            f"renamed from {cancel.name}: the entry moves, the order is kept (no call, no cost)",
        ),
    )


def _owned_orders(
    desired: Sequence[DesiredOrder],
    state: Mapping[str, StateEntry],
    account: _Account,
    today: date,
    recovered: frozenset[str],
) -> tuple[list[Change], list[tuple[DesiredOrder, str | None]]]:
    """Manifests whose state entry names a live order: noop or replace. The rest, with the
    drift that lost them their order, still need one."""
    changes: list[Change] = []
    unmatched: list[tuple[DesiredOrder, str | None]] = []
    for order in sorted(desired, key=lambda d: d.name):
        entry = state.get(order.name)
        current = account.by_guid.get(entry.guid.lower()) if entry else None
        if entry is None:
            unmatched.append((order, None))
        elif current is None or current.canceled:
            drift = (
                f"order {entry.guid} was canceled outside clearsky-orders"
                if current
                else f"order {entry.guid} is no longer listed by the service"
            )
            unmatched.append((order, drift))
        else:
            account.claimed.add(current.key)
            change = _rerecord(_compare(order, current, today), entry, order)
            if order.name in recovered and change.action == Action.NOOP:
                change = replace(
                    change,
                    action=Action.ADOPT,
                    warnings=(*change.warnings, "records the order an earlier apply made"),
                )
            changes.append(change)
    return changes, unmatched


def _unowned_orders(
    unmatched: Sequence[tuple[DesiredOrder, str | None]],
    live: Sequence[LiveOrder],
    account: _Account,
    today: date,
) -> list[Change]:
    """Manifests without an order: adopt an equal unowned one (a completed one too: a
    historical order is never bought twice, even when the state is lost), else create."""
    candidates = _index(
        [
            o
            for o in live
            if o.key not in account.owned
            and o.key not in account.foreign
            and not o.canceled
            and o.spec is not None
        ]
    )
    changes = []
    for order, lost in unmatched:
        match = _first_equal(order, candidates, account.claimed)
        if match is not None and match.completed:  # bought and delivered: nothing to do
            account.claimed.add(match.key)
            changes.append(
                Change(
                    Action.NOOP,
                    order.name,
                    match.guid,
                    order.spec,
                    match.spec,
                    warnings=("the order has ended (Completed): it is not bought again",),
                    labels=order.labels,
                )
            )
        elif match is not None:
            account.claimed.add(match.key)
            changes.append(
                Change(
                    Action.ADOPT,
                    order.name,
                    match.guid,
                    order.spec,
                    match.spec,
                    warnings=_status_warnings(match),
                    prevent_cancel=order.prevent_cancel,
                    drift=lost,
                    labels=order.labels,
                )
            )
        else:  # a period wholly in the past is a historical purchase: created like any other
            changes.append(
                Change(
                    Action.CREATE,
                    order.name,
                    desired=order.spec,
                    prevent_cancel=order.prevent_cancel,
                    drift=lost,
                    labels=order.labels,
                )
            )
    return changes


def _removed_orders(
    desired: Sequence[DesiredOrder],
    state: Mapping[str, StateEntry],
    account: _Account,
    today: date,
) -> list[Change]:
    """State entries whose manifest was deleted: cancel their orders."""
    names = {order.name for order in desired}
    changes = []
    for name, entry in sorted(state.items()):
        if name in names:
            continue
        current = account.by_guid.get(entry.guid.lower())
        if current is not None:
            account.claimed.add(current.key)
        changes.append(_cancel(name, entry.guid, current, today, entry.prevent_cancel))
    return changes


def _pending_cancels(pending: Sequence[Intent], account: _Account, today: date) -> list[Change]:
    """Orders an apply meant to cancel and nobody owns now: cancelled again, every run."""
    changes = []
    for intent in pending:
        current = account.by_guid.get(intent.guid.lower())
        if current is None or current.key in account.claimed:
            continue
        account.claimed.add(current.key)
        cancel = _cancel(intent.name, current.guid, current, today, False)
        note = "pending cancel: an earlier apply replaced this order and could not cancel it yet"
        changes.append(replace(cancel, warnings=(note, *cancel.warnings)))
    return changes


def _unmanaged_orders(
    live: Sequence[LiveOrder],
    account: _Account,
    today: date,
    options: Options,
    ours: frozenset[str],
) -> list[Change]:
    """Active orders nobody owns or matched: orphans when they look like this tool's (cancelled
    with --prune-orphans), else unmanaged (cancelled with --prune; never the service's own)."""
    changes = []
    for listed in live:
        if listed.key in account.owned or listed.key in account.claimed or not listed.active:
            continue
        if listed.key in account.foreign:
            changes.append(_foreign(listed, account.foreign[listed.key]))
            continue
        orphan = (
            not listed.is_automatic and listed.spec is not None and listed.spec.fingerprint in ours
        )
        if (options.prune or (orphan and options.prune_orphans)) and not listed.is_automatic:
            cancel = _cancel("", listed.guid, listed, today, False)
            reason = ("an orphan: this tool ordered it and no entry owns it",) if orphan else ()
            changes.append(replace(cancel, warnings=(*reason, *cancel.warnings)))
            continue
        if orphan:
            changes.append(
                Change(
                    Action.ORPHANED,
                    "",
                    listed.guid,
                    None,
                    listed.spec,
                    warnings=(
                        "looks like an order of this tool that no entry owns (an earlier apply "
                        "stopped half way?); --prune-orphans cancels it",
                        *_status_warnings(listed),
                    ),
                )
            )
            continue
        note: tuple[str, ...] = (
            ("created by the service itself (IsAutomaticOrder); never pruned",)
            if listed.is_automatic
            else ()
        )
        changes.append(
            Change(
                Action.UNMANAGED,
                "",
                listed.guid,
                None,
                listed.spec,
                warnings=note + _status_warnings(listed),
            )
        )
    return changes


def _foreign(listed: LiveOrder, owner: str) -> Change:
    return Change(
        Action.UNMANAGED,
        "",
        listed.guid,
        None,
        listed.spec,
        warnings=(f"owned by {owner}: never adopted or pruned from here",),
    )


def _rerecord(change: Change, entry: StateEntry, order: DesiredOrder) -> Change:
    """An unchanged order whose protection or labels changed is recorded again (adopt)."""
    if change.action != Action.NOOP or change.error or change.live is None:
        return change
    notes = []
    if entry.prevent_cancel != order.prevent_cancel:
        notes.append(f"records lifecycle.preventCancel: {str(order.prevent_cancel).lower()}")
    if dict(entry.labels) != dict(order.labels):
        notes.append("records the new labels")
    if not notes:
        return change
    return replace(change, action=Action.ADOPT, warnings=(*change.warnings, *notes))


def _with_recorded_cost(change: Change, state: Mapping[str, StateEntry]) -> Change:
    """A cancel, replace or re-recording of an owned order carries the estimate recorded when
    it was made."""
    entry = state.get(change.name)
    if change.action not in (Action.CANCEL, Action.REPLACE, Action.ADOPT) or entry is None:
        return change
    if (change.order_guid or "").lower() != entry.guid.lower() or entry.cost is None:
        return change
    return replace(change, recorded_cost=entry.cost)


def _compare(order: DesiredOrder, current: LiveOrder, today: date) -> Change:
    warnings = _status_warnings(current)
    if current.spec is None:
        return Change(
            Action.NOOP,
            order.name,
            current.guid,
            order.spec,
            None,
            error=f"cannot read live order {current.guid}: {current.problem}",
            warnings=warnings,
        )
    if current.spec == order.spec:
        note = ("the order has ended (Completed)",) if current.completed else ()
        return Change(
            Action.NOOP,
            order.name,
            current.guid,
            order.spec,
            current.spec,
            warnings=note + warnings,
            prevent_cancel=order.prevent_cancel,
            labels=order.labels,
        )
    effect, error = cancellation(current, today)
    if current.completed:
        effect, error = Cancellation(CancelEffect.NOTHING), None
    if effect.effect == CancelEffect.STOPS_RENEWAL and effect.effective is not None:
        warnings += (
            f"the old order keeps running until {effect.effective.isoformat()}; "
            "both are billed until then",
        )
    return Change(
        Action.REPLACE,
        order.name,
        current.guid,
        order.spec,
        current.spec,
        diff=field_diff(current.spec, order.spec),
        warnings=warnings,
        error=error,
        cancellation=effect,
        prevent_cancel=order.prevent_cancel,
        create_before_cancel=order.create_before_cancel,
        labels=order.labels,
    )


def _cancel(
    name: str, guid: str, current: LiveOrder | None, today: date, prevent_cancel: bool
) -> Change:
    if current is None:
        return Change(
            Action.CANCEL,
            name,
            guid,
            cancellation=Cancellation(CancelEffect.NOTHING),
            warnings=("the order is no longer listed; apply only forgets it",),
            prevent_cancel=prevent_cancel,
        )
    effect, error = cancellation(current, today)
    warnings: tuple[str, ...] = ()
    if effect.effect == CancelEffect.NOTHING:
        warnings = ("the order has already ended; apply only forgets it",)
    return Change(
        Action.CANCEL,
        name,
        guid,
        None,
        current.spec,
        cancellation=effect,
        error=error,
        warnings=warnings + _status_warnings(current),
        prevent_cancel=prevent_cancel,
    )


def _status_warnings(order: LiveOrder) -> tuple[str, ...]:
    if order.status_known:
        return ()
    return (f"unknown order status {order.status!r}: treated as active",)


def _index(orders: Sequence[LiveOrder]) -> dict[int, list[LiveOrder]]:
    index: dict[int, list[LiveOrder]] = defaultdict(list)
    for order in sorted(orders, key=lambda o: (o.created.timestamp() if o.created else 0.0, o.key)):
        index[hash(order.spec)].append(order)
    return index


def _first_equal(
    order: DesiredOrder, index: Mapping[int, list[LiveOrder]], claimed: set[str]
) -> LiveOrder | None:
    for candidate in index.get(hash(order.spec), ()):
        if candidate.key not in claimed and candidate.spec == order.spec:
            return candidate
    return None

"""apply: make the account match a plan, one recorded operation at a time.

- Adoptions are recorded first (no API call), then cancels, then creates, so that a run that
  stops half way never leaves two orders paying for one manifest. A replace with
  lifecycle.createBeforeCancel creates its new order before cancelling the old one.
- Every finished operation is written to the state at once (atomic write).
- A create is never retried blindly: when its answer is lost (timeout, dropped connection,
  5xx), apply lists the orders and adopts the one it made, if the service has it.
- A failure does not stop independent changes; the report says what was done and what was not,
  and the next run converges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from reconciler.api import ClearskyClient
from reconciler.engine.live import refresh
from reconciler.engine.pricing import order_request
from reconciler.errors import ApiError, ApplyError, ServerError, TransportError
from reconciler.planning import Action, Change, Plan, StateEntry
from reconciler.policy import PolicyError
from reconciler.spec.order import OrderSpec
from reconciler.state import State, StateFile

Progress = Callable[[str], None]


@dataclass
class ApplyReport:
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    state: State | None = None


class _Run:
    def __init__(
        self,
        client: ClearskyClient,
        state_file: StateFile,
        state: State,
        progress: Progress,
        total: int,
    ) -> None:
        self.client = client
        self.state_file = state_file
        self.state = state
        self.progress = progress
        self.total = total
        self.step = 0
        self.report = ApplyReport()
        self.started = datetime.now(UTC)
        self.blocked: set[str] = set()

    def record(self, state: State) -> None:
        self.state = self.state_file.save(state)

    def say(self, text: str) -> None:
        self.progress(f"[{self.step}/{self.total}] {text}")

    def done(self, text: str) -> None:
        self.report.done.append(text)
        self.say(text)

    def failed(self, text: str) -> None:
        self.report.failed.append(text)
        self.say(f"FAILED {text}")


async def apply_plan(
    plan: Plan, client: ClearskyClient, state_file: StateFile, state: State, progress: Progress
) -> ApplyReport:
    """Apply `plan` (the caller holds the state lock); raises ApplyError on partial failure."""
    if plan.violations:
        raise PolicyError(plan.violations)
    if plan.errors:
        names = ", ".join(c.name or c.order_guid or "?" for c in plan.errors)
        raise ApplyError(
            f"the plan has {len(plan.errors)} error(s) ({names}); nothing was applied",
            done=[],
            not_done=[c.name for c in plan.errors],
        )
    changes = [c for c in plan.changes if c.changes_something]
    adopts = [c for c in changes if c.action == Action.ADOPT]
    early = [c for c in changes if c.action == Action.REPLACE and c.create_before_cancel]
    cancels = [
        c
        for c in changes
        if c.action == Action.CANCEL or (c.action == Action.REPLACE and not c.create_before_cancel)
    ]
    creates = [
        c
        for c in changes
        if c.action == Action.CREATE or (c.action == Action.REPLACE and not c.create_before_cancel)
    ]
    run = _Run(
        client,
        state_file,
        state,
        progress,
        len(adopts) + 2 * len(early) + len(cancels) + len(creates),
    )
    for change in adopts:
        run.step += 1
        entry = _entry(change, change.order_guid or "")
        if entry.cost is None:
            entry = replace(entry, cost=change.known_cost)
        run.record(run.state.with_order(change.name, entry))
        run.done(f"adopted {change.name} ({change.order_guid})")
    for change in early:
        run.step += 1
        await _create(run, change)
    for change in cancels:
        run.step += 1
        await _cancel(run, change)
    for change in creates:
        run.step += 1
        if change.name in run.blocked:
            run.failed(f"create {change.name}: skipped because cancelling its old order failed")
            continue
        await _create(run, change)
    run.report.state = run.state
    if run.report.failed:
        raise ApplyError(
            f"{len(run.report.failed)} of {run.total} operation(s) failed; "
            f"{len(run.report.done)} done and recorded in the state. Run plan again: it shows "
            "what is left",
            done=run.report.done,
            not_done=run.report.failed,
        )
    return run.report


async def _cancel(run: _Run, change: Change) -> None:
    guid = change.order_guid or ""
    label = change.name or f"unmanaged order {guid}"
    if change.needs_cancel:
        try:
            await run.client.cancel_order(guid)
        except ApiError as error:
            run.blocked.add(change.name)
            run.failed(f"cancel {label} ({guid}): {error}")
            return
    owned = run.state.orders.get(change.name)
    # After a create-before-cancel replace the name already owns the new order: keep it.
    if change.name and owned is not None and owned.guid.lower() == guid.lower():
        run.record(run.state.without(change.name))
    effect = change.cancellation.effect if change.cancellation else "full"
    what = {
        "full": "canceled",
        "stops-renewal": "stopped renewing (runs to month end)",
        "nothing": "forgotten (it had already ended)",
    }.get(effect, "canceled")
    run.done(f"{what}: {label} ({guid})")


async def _create(run: _Run, change: Change) -> None:
    spec = change.desired
    assert spec is not None
    try:
        created = await run.client.create_order(order_request(spec))
    except (TransportError, ServerError) as error:
        run.say(f"create {change.name}: {error}; looking for the order in the account")
        await _recover(run, change, spec)
        return
    except ApiError as error:
        run.failed(f"create {change.name}: {error}")
        return
    guid = created.task_order_guid
    run.record(run.state.with_order(change.name, _entry(change, guid)))
    run.done(f"created {change.name} ({guid})")
    if change.action == Action.REPLACE and change.create_before_cancel:
        run.step += 1
        await _cancel(run, change)


async def _recover(run: _Run, change: Change, spec: OrderSpec) -> None:
    """After a lost answer: adopt the order if the service committed it, else report."""
    try:
        live = await refresh(run.client)
    except ApiError as error:
        run.failed(
            f"create {change.name}: no answer, and the orders cannot be listed to check "
            f"({error}). Run plan again: it adopts the order if it was made"
        )
        return
    owned = {e.guid.lower() for e in run.state.orders.values()}
    since = run.started - timedelta(minutes=5)
    matches = [
        o
        for o in live
        if o.key not in owned
        and o.active
        and o.spec == spec
        and (o.created is None or o.created >= since)
    ]
    if not matches:
        run.failed(
            f"create {change.name}: no answer and no such order in the account; "
            "it was not created. Run apply again"
        )
        return
    found = max(matches, key=lambda o: (o.created or run.started, o.key))
    run.record(run.state.with_order(change.name, _entry(change, found.guid)))
    run.done(f"created {change.name} ({found.guid}; found after the answer was lost)")
    if change.action == Action.REPLACE and change.create_before_cancel:
        run.step += 1
        await _cancel(run, change)


def _entry(change: Change, guid: str) -> StateEntry:
    fingerprint = change.desired.fingerprint if change.desired else ""
    return StateEntry(guid, fingerprint, change.prevent_cancel, change.new_cost, change.labels)

"""apply: make the account match a plan, every operation recorded.

- The guard runs first: a plan it refuses changes nothing.
- Adoptions are recorded first (no API call), then cancels, then creates, so that a run that
  stops half way never leaves two orders paying for one manifest. A replace with
  lifecycle.createBeforeCancel creates its new order before cancelling the old one.
- Within each group the operations run concurrently, as many as the parallelism allows;
  creates of equal specs run one after another (a lost answer is then never confused with
  another create's order).
- Before each request its intent is in the state on disk; what finished is written as soon as
  the writer is free (group commit: one write covers every operation recorded meanwhile).
- A create is never retried blindly: when its answer is lost (timeout, dropped connection,
  5xx), apply lists the orders and adopts the one it made, if the service has it.
- A failure does not stop independent changes; the report says what was done and what was not,
  and the next run converges.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from reconciler.api import ClearskyClient, live_order, order_request
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec
from reconciler.engine.guard import raise_if_unsafe
from reconciler.engine.live import refresh
from reconciler.engine.recognise import seen
from reconciler.errors import ApiError, ApplyError, ServerError, TransportError
from reconciler.planning import Action, CancelEffect, Change, Plan, StateEntry
from reconciler.planning.events import ApplyEvent, Listener, Operation, Outcome
from reconciler.planning.model import Intent, IntentKind
from reconciler.state import State, StateStore

_STEP: contextvars.ContextVar[int] = contextvars.ContextVar("step", default=0)
"""The step number of the operation a task is running (for progress)."""

RECENT = timedelta(minutes=5)
"""A lost create's order was made after the apply started, give or take the clocks' skew."""


@dataclass
class ApplyReport:
    events: list[ApplyEvent] = field(default_factory=list)
    state: State | None = None

    @property
    def done(self) -> list[ApplyEvent]:
        return [e for e in self.events if e.succeeded]

    @property
    def failed(self) -> list[ApplyEvent]:
        return [e for e in self.events if e.failed]


@dataclass(frozen=True)
class Batches:
    """A plan's changes in the order apply makes them."""

    adopts: list[Change]
    early_creates: list[Change]
    """Replaces with createBeforeCancel: create, then cancel the old order."""
    cancels: list[Change]
    creates: list[Change]
    unchanged: list[Change] = field(default_factory=list)
    """Orders equal to their manifests: what was seen of them is recorded along the way."""

    @classmethod
    def of(cls, plan: Plan) -> Batches:
        changes = [c for c in plan.changes if c.changes_something]
        unchanged = [c for c in plan.changes if c.action == Action.NOOP and c.name]
        early = [c for c in changes if c.action == Action.REPLACE and c.create_before_cancel]
        late = [c for c in changes if c.action == Action.REPLACE and not c.create_before_cancel]
        return cls(
            adopts=[c for c in changes if c.action in (Action.ADOPT, Action.MOVE)],
            early_creates=early,
            cancels=[c for c in changes if c.action == Action.CANCEL] + late,
            creates=[c for c in changes if c.action == Action.CREATE] + late,
            unchanged=unchanged,
        )

    @property
    def steps(self) -> int:
        return (
            len(self.adopts) + 2 * len(self.early_creates) + len(self.cancels) + len(self.creates)
        )


class _Run:
    """One apply: the client, the state as last written, and what has happened so far."""

    def __init__(
        self, client: ClearskyClient, state_file: StateStore, state: State, listener: Listener
    ) -> None:
        self.client = client
        self.state_file = state_file
        self.state = state
        self.listener = listener
        self.total = 0
        self.step = 0
        self.version = 0
        self.saved = 0
        self.saving = asyncio.Lock()
        self.report = ApplyReport()
        self.started = datetime.now(UTC)
        self.blocked: set[str] = set()
        self.previous: dict[str, tuple[str, ...]] = {}
        """Fingerprints of the orders names owned before this run cancelled them."""
        self.files: Mapping[str, str] = {}
        """Each manifest's file relative to the workspace (recorded in its entry)."""

    def record(self, state: State) -> None:
        """Take `state` as the run's state; `durable` writes it."""
        self.state = state
        self.version += 1

    async def durable(self) -> None:
        """Return once the state as recorded now is on disk (or in the bucket). Writes go one
        at a time; one write covers everything recorded while the one before it ran."""
        wanted = self.version
        async with self.saving:
            if self.saved >= wanted:
                return
            version, state = self.version, self.state
            written = await asyncio.to_thread(self.state_file.save, state)
            self.saved = version
            self.state = replace(self.state, serial=written.serial)

    def next_step(self) -> int:
        self.step += 1
        _STEP.set(self.step)
        return self.step

    def tell(
        self,
        outcome: Outcome,
        operation: Operation,
        change: Change,
        guid: str | None,
        *,
        effect: CancelEffect | None = None,
        error: str = "",
    ) -> None:
        event = ApplyEvent(
            outcome, operation, change.name, guid, _STEP.get(), self.total, effect, error
        )
        self.report.events.append(event)
        self.listener(event)


async def apply_plan(
    plan: Plan, client: ClearskyClient, state_file: StateStore, state: State, listener: Listener
) -> ApplyReport:
    """Apply `plan` (the caller holds the state lock); raises ApplyError on partial failure."""
    raise_if_unsafe(plan)
    batches = Batches.of(plan)
    run = _Run(client, state_file, state, listener)
    run.files = plan.files
    run.total = batches.steps
    with state_file.batch():
        return await _apply_batches(run, batches)


async def _apply_batches(run: _Run, batches: Batches) -> ApplyReport:
    _remember_unchanged(run, batches.unchanged)
    for change in batches.adopts:
        run.next_step()
        _adopt(run, change)
    try:
        await _in_lanes(run, batches.early_creates, _create)
        await _in_lanes(run, batches.cancels, _cancel, by=lambda c: c.order_guid or "")
        await _in_lanes(run, batches.creates, _create_unless_blocked)
    except BaseException:
        with contextlib.suppress(Exception):
            await run.durable()  # keep what was done, whatever stopped the rest
        raise
    await run.durable()
    run.report.state = run.state
    failed = len(run.report.failed)
    if failed:
        raise ApplyError(
            f"{failed} of {run.total} operation(s) failed; {len(run.report.done)} done and "
            "recorded in the state. Run plan again: it shows what is left",
            done=[e.name or e.guid or "" for e in run.report.done],
            not_done=[e.name or e.guid or "" for e in run.report.failed],
        )
    return run.report


Operation_ = Callable[["_Run", Change], Awaitable[None]]


async def _in_lanes(
    run: _Run,
    changes: Sequence[Change],
    operation: Operation_,
    by: Callable[[Change], str] = lambda c: c.desired.fingerprint if c.desired else c.name,
) -> None:
    """Run `operation` for each change, concurrently within the parallelism; changes with
    the same lane key (`by`) one after another. The first error stops the rest (they stay
    planned; what finished stays recorded)."""
    lanes: dict[str, list[Change]] = {}
    for change in changes:
        lanes.setdefault(by(change), []).append(change)
    slots = asyncio.Semaphore(max(1, run.client.parallelism))

    async def lane(queue: list[Change]) -> None:
        for change in queue:
            async with slots:
                run.next_step()
                await operation(run, change)

    try:
        async with asyncio.TaskGroup() as group:
            for queue in lanes.values():
                group.create_task(lane(queue))
    except BaseExceptionGroup as failed:  # the first error, as a run of one would raise it
        raise failed.exceptions[0] from None


async def _create_unless_blocked(run: _Run, change: Change) -> None:
    if change.name in run.blocked:
        run.tell(Outcome.SKIPPED, Operation.CREATE, change, None)
        return
    await _create(run, change)


def _remember_unchanged(run: _Run, unchanged: Sequence[Change]) -> None:
    """Record what was seen of orders equal to their manifests, where the state has not yet
    got it (an entry written before, or the service wrote the WKT another way since): later
    runs then know them unchanged without reading their AOIs. Likewise the manifest's file,
    where it moved (a run over a narrower path cancels only what it covers). An entry the seal
    does not vouch for is left as it is (recording it would seal it)."""
    state, updated = run.state, {}
    for change in unchanged:
        entry = state.orders.get(change.name)
        if entry is None or change.name in state.untrusted or change.error:
            continue
        if entry.guid.lower() != (change.order_guid or "").lower():
            continue
        now = seen(change.desired, change.live)
        if now is not None and now != entry.seen:
            entry = updated[change.name] = replace(entry, seen=now)
        file = run.files.get(change.name, "")
        if file and file != entry.file:  # where its manifest is now
            updated[change.name] = replace(entry, file=file)
    if updated:
        run.record(state.with_entries(updated))


def _adopt(run: _Run, change: Change) -> None:
    entry = _entry(run, change, change.order_guid or "")
    if entry.cost is None:
        entry = replace(entry, cost=change.recorded_cost)
    state = run.state
    if change.action == Action.MOVE and change.moved_from:
        old = state.orders.get(change.moved_from)
        entry = replace(entry, previous=old.previous if old else ())
        state = state.without(change.moved_from)
    run.record(state.with_order(change.name, entry))
    operation = Operation.MOVE if change.action == Action.MOVE else Operation.ADOPT
    run.tell(Outcome.DONE, operation, change, change.order_guid)


async def _cancel(run: _Run, change: Change) -> None:
    guid = change.order_guid or ""
    intent = Intent(IntentKind.CANCEL, change.name, guid=guid)
    if change.needs_cancel:
        if not any(i.guid.lower() == guid.lower() for i in run.state.intents):
            run.record(run.state.with_intent(intent))
        await run.durable()  # before the request: a crash leaves a trace
        run.tell(Outcome.STARTED, Operation.CANCEL, change, guid)
        try:
            await run.client.cancel_order(guid)
        except ApiError as error:
            run.blocked.add(change.name)
            if _owner_of(run.state, guid) is not None:  # its entry keeps it: planned again
                run.record(_without_cancel_intents(run.state, guid))
            run.tell(Outcome.FAILED, Operation.CANCEL, change, guid, error=str(error))
            return
    state = _without_cancel_intents(run.state, guid)
    owned = state.orders.get(change.name)
    # After a create-before-cancel replace the name already owns the new order: keep it.
    if change.name and owned is not None and owned.guid.lower() == guid.lower():
        run.previous[change.name] = (*owned.previous, owned.fingerprint)
        state = state.without(change.name)
    if state != run.state:
        run.record(state)
    effect = change.cancellation.effect if change.cancellation else CancelEffect.FULL
    run.tell(Outcome.DONE, Operation.CANCEL, change, guid, effect=effect)


async def _create(run: _Run, change: Change) -> None:
    spec = change.desired
    assert spec is not None
    early = change.action == Action.REPLACE and change.create_before_cancel
    intent = Intent(
        IntentKind.CREATE,
        change.name,
        fingerprint=spec.fingerprint,
        since=datetime.now(UTC),
        replaces=(change.order_guid or "") if early else "",
    )
    run.record(run.state.with_intent(intent))
    await run.durable()  # before the request: a crash leaves a trace
    run.tell(Outcome.STARTED, Operation.CREATE, change, None)
    try:
        created = await run.client.create_order(order_request(spec))
    except (TransportError, ServerError) as error:
        run.tell(Outcome.ANSWER_LOST, Operation.CREATE, change, None, error=str(error))
        guid = await _find_lost_create(run, change, spec, intent)
    except ApiError as error:  # refused: nothing was made
        run.record(run.state.without_intent(intent))
        run.tell(Outcome.FAILED, Operation.CREATE, change, None, error=str(error))
        return
    else:
        guid = created.task_order_guid
        _record_created(run, change, intent, guid, live_order(created, unread=True).spec)
        run.tell(Outcome.DONE, Operation.CREATE, change, guid)
    if guid is not None and early:
        run.next_step()
        await _cancel(run, change)


def _record_created(
    run: _Run, change: Change, intent: Intent, guid: str, listed: OrderSpec | None = None
) -> None:
    """The name owns its new order; the order it replaces (createBeforeCancel) is to be
    cancelled next, and stays recorded as such until that succeeds. `listed`: the new order
    as the service answered."""
    entry = _entry(run, change, guid, listed)
    state = run.state.without_intent(intent).with_order(change.name, entry)
    if intent.replaces:
        state = state.with_intent(Intent(IntentKind.CANCEL, change.name, guid=intent.replaces))
    run.record(state)


async def _find_lost_create(
    run: _Run, change: Change, spec: OrderSpec, intent: Intent
) -> str | None:
    """After a lost answer: adopt the order if the service committed it; its guid, or None.
    When the account cannot be listed the intent stays open for the next plan."""
    try:
        live = await refresh(run.client)
    except ApiError as error:
        run.tell(Outcome.UNCHECKED, Operation.CREATE, change, None, error=str(error))
        return None
    found = _made_by_this_run(run, live, spec)
    if found is None:
        run.record(run.state.without_intent(intent))
        run.tell(Outcome.NOT_MADE, Operation.CREATE, change, None)
        return None
    _record_created(run, change, intent, found.guid)
    run.tell(Outcome.RECOVERED, Operation.CREATE, change, found.guid)
    return found.guid


def _owner_of(state: State, guid: str) -> str | None:
    return next((n for n, e in state.orders.items() if e.guid.lower() == guid.lower()), None)


def _without_cancel_intents(state: State, guid: str) -> State:
    kept = tuple(
        i
        for i in state.intents
        if not (i.kind == IntentKind.CANCEL and i.guid.lower() == guid.lower())
    )
    return replace(state, intents=kept)


def _made_by_this_run(run: _Run, live: list[LiveOrder], spec: OrderSpec) -> LiveOrder | None:
    """The newest active, unowned order equal to `spec` made since this run began."""
    owned = {e.guid.lower() for e in run.state.orders.values()}
    since = run.started - RECENT
    matches = [
        o
        for o in live
        if o.key not in owned
        and o.active
        and o.spec == spec
        and (o.created is None or o.created >= since)
    ]
    if not matches:
        return None
    return max(matches, key=lambda o: (o.created or run.started, o.key))


def _entry(run: _Run, change: Change, guid: str, listed: OrderSpec | None = None) -> StateEntry:
    """The state entry of `change`'s order `guid` (`listed`: as the service wrote it, when
    that is not the change's live order); what the name owned before is remembered by its
    fingerprint, to know its orphans."""
    fingerprint = change.desired.fingerprint if change.desired else ""
    old = run.state.orders.get(change.name)
    previous = run.previous.get(change.name, ())
    if old is not None:
        previous = (*previous, *old.previous, old.fingerprint)
    previous = tuple(p for p in previous if p and p != fingerprint)
    return StateEntry(
        guid,
        fingerprint,
        change.prevent_cancel,
        change.new_order_cost,
        change.labels,
        tuple(dict.fromkeys(previous))[-20:],
        seen(change.desired, listed if listed is not None else change.live),
        run.files.get(change.name, ""),
    )

"""Pricing a plan's changes with the estimate endpoint, with bounded concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from reconciler.api import ClearskyClient, order_request
from reconciler.domain.calendar import month_start
from reconciler.domain.order import OrderSpec
from reconciler.errors import NoPriceError, ServiceError
from reconciler.planning import Action, Change, Cost
from reconciler.planning.money import coverage_at_apply
from reconciler.progress import report

Outcome = Cost | BaseException | None


class Prefetched(Protocol):
    def get(self, spec: OrderSpec) -> Awaitable[Cost] | None: ...


async def estimate_cost(client: ClearskyClient, spec: OrderSpec, usage: float = 0.0) -> Cost:
    """What the service would charge for `spec`, ordered today; with `usage`, as if the
    account had already spent that much more this month (SimulatedEuroUsage)."""
    request = order_request(spec)
    if usage > 0:
        request = request.model_copy(update={"simulated_euro_usage": round(usage, 2)})
    answer = await client.estimate_order(request)
    now, monthly = answer.this_month, answer.next_month
    if monthly is None and spec.end is not None:
        monthly = 0.0  # a bounded order has no cycles to come (the client allows only this)
    if now is None or monthly is None:  # the client refuses these already; never 0.00
        raise NoPriceError("the service returned no price for this order")
    _, reaches = coverage_at_apply(spec, datetime.now(UTC).date())
    named = tuple(sorted({month_start(d) for d in answer.image_dates}))
    return Cost(now, monthly, answer.currency, month=reaches, covers=named)


CHAIN_LIMIT = 16
"""New orders priced one after another as one account; past this many, each alone."""


async def price(
    changes: Sequence[Change], client: ClearskyClient, prefetched: Prefetched | None = None
) -> tuple[list[Change], tuple[str, ...]]:
    """Each create and replace priced by the estimate endpoint; cancels by the estimate the
    state recorded, or else an estimate of the live spec (approximate). A spec the service
    rejects becomes an error on its change. Estimates already started (`prefetched`) are
    awaited outside the concurrency bound, which they hold themselves. Returns the changes
    and what the reviewer should know of how they were priced."""
    asked = sum(1 for c in changes if _needs_new_estimate(c)) + sum(
        1 for c in changes if _needs_old_estimate(c)
    )
    if asked:
        report(f"pricing {asked} order(s) with the estimate endpoint...")
    new_costs, old_costs = await _estimates(changes, client, prefetched)
    priced = [
        _priced(change, new_costs.get(i), _saving_basis(old_costs.get(i), change.recorded_cost))
        for i, change in enumerate(changes)
    ]
    priced, notes = await _together(priced, client)
    return priced, notes + _cancel_note(priced)


async def _together(
    changes: list[Change], client: ClearskyClient
) -> tuple[list[Change], tuple[str, ...]]:
    """Spend tiers follow the EUR an account spends in the calendar month its orders are made
    in, so every create of one apply shares this month's tier: they are priced as one account,
    each after the first (by name) as if the ones before it were already spent
    (SimulatedEuroUsage, chained from their charges now). Each alone would be dearer, never
    cheaper. The chain starts from nothing more: the estimate already reflects the account's
    own spend this month (its tier), and adding it again would price the orders cheaper."""
    chain = sorted(
        (i for i, c in enumerate(changes) if c.needs_create and c.new_order_cost and not c.error),
        key=lambda i: changes[i].name,
    )
    if len(chain) < 2:
        return changes, ()
    if len(chain) - 1 > CHAIN_LIMIT:
        return changes, (
            f"{len(chain)} new orders are priced each alone: the spend tiers are per account "
            "and month, so together they may cost less than shown (never more)",
        )
    out = list(changes)
    spent = 0.0
    for index in chain:
        change = out[index]
        assert change.desired is not None and change.new_order_cost is not None
        if spent > 0:
            try:
                cost = await estimate_cost(client, change.desired, usage=spent)
            except (NoPriceError, ServiceError) as error:
                out[index] = replace(change, error=_refusal(error))
                continue
            out[index] = change = replace(change, new_order_cost=cost)
        spent += change.new_order_cost.current_month if change.new_order_cost else 0.0
    return out, (
        "the new orders are priced together, as one account in this month's spend tier (the "
        "tiers follow the month orders are made in)",
    )


def _cancel_note(changes: Sequence[Change]) -> tuple[str, ...]:
    saves = any(
        c.action in (Action.CANCEL, Action.REPLACE) and c.old_order_cost is not None
        for c in changes
    )
    if not saves:
        return ()
    return (
        "cancelling lowers the account's monthly spend, which may move the orders that remain "
        "to a dearer tier; that is not estimated",
    )


def _needs_new_estimate(change: Change) -> bool:
    # Adoptions are priced too, so that the state knows what every managed order costs.
    adopting = change.action == Action.ADOPT and change.recorded_cost is None
    return (change.needs_create or adopting) and change.desired is not None


def _needs_old_estimate(change: Change) -> bool:
    """A saving is counted from a live estimate of the old order, even where the state
    recorded one (the state alone never makes a plan cheaper)."""
    if change.action == Action.ORPHANED:  # what it costs while nobody owns it
        return change.live is not None
    return (
        change.action in (Action.CANCEL, Action.REPLACE)
        and change.live is not None
        and change.needs_cancel
        and not change.error
    )


def _saving_basis(estimate: Outcome, recorded: Cost | None) -> Outcome:
    """What a cancel saves is counted from the lower of the live estimate and the recorded
    one: a recorded figure can make a plan look dearer, never cheaper. Not estimated (nothing
    is cancelled): the record, for the reviewer's information."""
    if estimate is None:
        return recorded
    if isinstance(estimate, Cost) and recorded is not None:
        return min(estimate, recorded, key=lambda c: (c.next_month, c.current_month))
    return estimate


async def managed_estimates(
    specs: Mapping[str, OrderSpec], client: ClearskyClient
) -> dict[str, Cost]:
    """A live estimate of each managed order's spec, by name; one the service cannot price is
    left out (the budget then says it could not count it)."""
    names = sorted(specs)
    jobs = [_estimator(client, specs[name]) for name in names]
    results = await client.bounded(jobs)
    return {n: r for n, r in zip(names, results, strict=True) if isinstance(r, Cost)}


async def _estimates(
    changes: Sequence[Change], client: ClearskyClient, prefetched: Prefetched | None
) -> tuple[dict[int, Outcome], dict[int, Outcome]]:
    """(new order estimates, old order estimates) by change index; errors kept as values."""
    waiting: list[Awaitable[Cost]] = []
    ahead: list[int] = []
    jobs: list[Callable[[], Awaitable[Cost]]] = []
    slots: list[tuple[str, int]] = []
    for index, change in enumerate(changes):
        if _needs_new_estimate(change):
            assert change.desired is not None
            started = prefetched.get(change.desired) if prefetched else None
            if started is not None:
                waiting.append(started)
                ahead.append(index)
            else:
                jobs.append(_estimator(client, change.desired))
                slots.append(("new", index))
        if _needs_old_estimate(change):
            assert change.live is not None
            jobs.append(_estimator(client, change.live))
            slots.append(("old", index))
    done_ahead, results = await asyncio.gather(
        asyncio.gather(*waiting, return_exceptions=True), client.bounded(jobs)
    )
    new: dict[int, Outcome] = dict(zip(ahead, done_ahead, strict=True))
    old: dict[int, Outcome] = {}
    for (part, index), result in zip(slots, results, strict=True):
        (new if part == "new" else old)[index] = result
    return new, old


def _priced(change: Change, new: Outcome, old: Outcome) -> Change:
    """The change with its costs, or with an error when the service refused to price it (one
    refused change never stops the others from being priced)."""
    if new is None and old is None and change.new_order_cost is change.old_order_cost is None:
        return change  # nothing priced (an order left alone)
    if isinstance(new, BaseException):
        change = replace(change, error=_refusal(new))
    if isinstance(old, BaseException):
        change = change.with_warning(f"the saving could not be estimated: {_refusal(old)}")
    new_cost = new if isinstance(new, Cost) else None
    old_cost = old if isinstance(old, Cost) else None
    return replace(change, new_order_cost=new_cost, old_order_cost=old_cost)


def _refusal(error: BaseException) -> str:
    """Words for an estimate that failed for this order alone; anything else stops the plan."""
    if isinstance(error, NoPriceError):
        return error.message
    if isinstance(error, ServiceError):
        return f"the service rejects this order: {error.message}"
    raise error


def _estimator(client: ClearskyClient, spec: OrderSpec) -> Callable[[], Awaitable[Cost]]:
    return lambda: estimate_cost(client, spec)

"""Pricing a plan's changes with the estimate endpoint, with bounded concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

from reconciler.api import ClearskyClient, order_request
from reconciler.domain.order import OrderSpec
from reconciler.errors import NoPriceError, ServiceError
from reconciler.planning import Action, Change, Cost, change_cost

Outcome = Cost | BaseException | None


class Prefetched(Protocol):
    def get(self, spec: OrderSpec) -> Awaitable[Cost] | None: ...


async def estimate_cost(client: ClearskyClient, spec: OrderSpec) -> Cost:
    """What the service would charge for `spec`, ordered today on its own."""
    answer = await client.estimate_order(order_request(spec))
    now, monthly = answer.this_month, answer.next_month
    if now is None or monthly is None:  # the client refuses these already; never 0.00
        raise NoPriceError("the service returned no price for this order")
    return Cost(now, monthly, answer.currency)


async def price(
    changes: Sequence[Change], client: ClearskyClient, prefetched: Prefetched | None = None
) -> list[Change]:
    """Each create and replace priced by the estimate endpoint; cancels by the estimate the
    state recorded, or else an estimate of the live spec (approximate). A spec the service
    rejects becomes an error on its change. Estimates already started (`prefetched`) are
    awaited outside the concurrency bound, which they hold themselves."""
    new_costs, old_costs = await _estimates(changes, client, prefetched)
    return [
        _priced(change, new_costs.get(i), old_costs.get(i, change.recorded_cost))
        for i, change in enumerate(changes)
    ]


def _needs_new_estimate(change: Change) -> bool:
    # Adoptions are priced too, so that the state knows what every managed order costs.
    adopting = change.action == Action.ADOPT and change.recorded_cost is None
    return (change.needs_create or adopting) and change.desired is not None


def _needs_old_estimate(change: Change) -> bool:
    return (
        change.action in (Action.CANCEL, Action.REPLACE)
        and change.live is not None
        and change.needs_cancel
        and not change.error
        and change.recorded_cost is None
    )


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
    if isinstance(new, BaseException):
        change = replace(change, error=_refusal(new))
    if isinstance(old, BaseException):
        change = change.with_warning(f"the saving could not be estimated: {_refusal(old)}")
    new_cost = new if isinstance(new, Cost) else None
    old_cost = old if isinstance(old, Cost) else None
    return replace(
        change, bill_change=change_cost(change, new_cost, old_cost), new_order_cost=new_cost
    )


def _refusal(error: BaseException) -> str:
    """Words for an estimate that failed for this order alone; anything else stops the plan."""
    if isinstance(error, NoPriceError):
        return error.message
    if isinstance(error, ServiceError):
        return f"the service rejects this order: {error.message}"
    raise error


def _estimator(client: ClearskyClient, spec: OrderSpec) -> Callable[[], Awaitable[Cost]]:
    return lambda: estimate_cost(client, spec)

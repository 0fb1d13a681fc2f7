"""Pricing a plan's changes with the estimate endpoint, with bounded concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

from reconciler.api import ClearskyClient, OrderRequest
from reconciler.errors import ValidationFailedError
from reconciler.planning import Action, Change, Cost, change_cost
from reconciler.spec.order import OrderSpec


def order_request(spec: OrderSpec) -> OrderRequest:
    return OrderRequest.model_validate(spec.request_body())


class Prefetched(Protocol):
    def get(self, spec: OrderSpec) -> Awaitable[Cost] | None: ...


async def price(
    changes: Sequence[Change], client: ClearskyClient, prefetched: Prefetched | None = None
) -> list[Change]:
    """Each create and replace priced by the estimate endpoint; cancels by the estimate the
    state recorded, or else an estimate of the live spec (approximate). A spec the service
    rejects becomes an error on its change. Estimates already started (`prefetched`) are
    awaited outside the concurrency bound, which they hold themselves."""
    waiting: list[Awaitable[Cost]] = []
    jobs: list[Callable[[], Awaitable[Cost]]] = []
    slots: list[tuple[int, str]] = []
    ahead: list[tuple[int, str]] = []
    for index, change in enumerate(changes):
        # Adoptions are priced too, so that the state knows what every managed order costs.
        adopting = change.action == Action.ADOPT and change.known_cost is None
        if (change.needs_create or adopting) and change.desired is not None:
            started = prefetched.get(change.desired) if prefetched else None
            if started is not None:
                waiting.append(started)
                ahead.append((index, "new"))
            else:
                jobs.append(_estimator(client, change.desired))
                slots.append((index, "new"))
        if (
            change.action in (Action.CANCEL, Action.REPLACE)
            and change.live is not None
            and change.needs_cancel
            and not change.error
            and change.known_cost is None
        ):
            jobs.append(_estimator(client, change.live))
            slots.append((index, "old"))
    done_ahead, results = await asyncio.gather(
        asyncio.gather(*waiting, return_exceptions=True), client.bounded(jobs)
    )
    found: dict[tuple[int, str], Cost | BaseException] = {
        **dict(zip(ahead, done_ahead, strict=True)),
        **dict(zip(slots, results, strict=True)),
    }
    priced = []
    for index, change in enumerate(changes):
        new, old = found.get((index, "new")), found.get((index, "old"), change.known_cost)
        for part, result in (("new", new), ("old", old)):
            if isinstance(result, ValidationFailedError):
                if part == "new":
                    change = replace(
                        change, error=f"the service rejects this order: {result.message}"
                    )
                else:
                    change = change.with_warning(
                        f"the saving could not be estimated: {result.message}"
                    )
            elif isinstance(result, BaseException):
                raise result
        new_cost = new if isinstance(new, Cost) else None
        old_cost = old if isinstance(old, Cost) else None
        priced.append(
            replace(change, estimate=change_cost(change, new_cost, old_cost), new_cost=new_cost)
        )
    return priced


async def estimate_cost(client: ClearskyClient, spec: OrderSpec) -> Cost:
    answer = await client.estimate_order(order_request(spec))
    return Cost(answer.this_month, answer.next_month, answer.currency)


def _estimator(client: ClearskyClient, spec: OrderSpec) -> Callable[[], Awaitable[Cost]]:
    return lambda: estimate_cost(client, spec)

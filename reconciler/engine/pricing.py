"""Pricing a plan's changes with the estimate endpoint, with bounded concurrency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from reconciler.api import ClearskyClient, OrderRequest
from reconciler.errors import ValidationFailedError
from reconciler.planning import Action, Change, Cost, change_cost
from reconciler.spec.order import OrderSpec


def order_request(spec: OrderSpec) -> OrderRequest:
    return OrderRequest.model_validate(spec.request_body())


async def price(changes: Sequence[Change], client: ClearskyClient) -> list[Change]:
    """Each create and replace priced by the estimate endpoint; cancels by an estimate of the
    live spec (approximate). A spec the service rejects becomes an error on its change."""
    jobs: list[Callable[[], Awaitable[Cost]]] = []
    slots: list[tuple[int, str]] = []
    for index, change in enumerate(changes):
        if change.needs_create and change.desired is not None:
            jobs.append(_estimator(client, change.desired))
            slots.append((index, "new"))
        if (
            change.action in (Action.CANCEL, Action.REPLACE)
            and change.live is not None
            and change.needs_cancel
            and not change.error
        ):
            jobs.append(_estimator(client, change.live))
            slots.append((index, "old"))
    results = await client.bounded(jobs)
    found: dict[tuple[int, str], Cost | BaseException] = dict(zip(slots, results, strict=True))
    priced = []
    for index, change in enumerate(changes):
        new, old = found.get((index, "new")), found.get((index, "old"))
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
        cost = change_cost(
            change, new if isinstance(new, Cost) else None, old if isinstance(old, Cost) else None
        )
        priced.append(replace(change, estimate=cost))
    return priced


def _estimator(client: ClearskyClient, spec: OrderSpec) -> Callable[[], Awaitable[Cost]]:
    async def estimate() -> Cost:
        answer = await client.estimate_order(order_request(spec))
        return Cost(answer.this_month, answer.next_month, answer.currency)

    return estimate

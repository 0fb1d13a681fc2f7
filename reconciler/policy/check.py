"""The guardrails: budgets, allowed products, safety thresholds and protected orders.

Every violation names the rule, the figure, the limit and how to proceed. Only the safety
threshold (maxChangePercent) yields to --force; budgets are changed in clearsky.yaml, in
review, and protection is lifted by applying lifecycle.preventCancel: false first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from reconciler.domain.catalog import canonical_constellation, canonical_model
from reconciler.manifest.models import Policy
from reconciler.planning.model import Action, Change, StateEntry
from reconciler.planning.plan import Plan, Violation


def check(plan: Plan, policy: Policy, state: Mapping[str, StateEntry]) -> list[Violation]:
    """Every rule the plan breaks."""
    currency = plan.currency
    found: list[Violation] = []
    found += _protected(plan.changes, state)
    found += _threshold(plan.changes, policy, state)
    found += _products(plan.changes, policy)
    now, monthly = plan.totals()
    for rule, figure, limit, what in (
        ("policy.maxIncreaseThisMonth", now, policy.max_increase_this_month, "this month"),
        ("policy.maxIncreaseMonthly", monthly, policy.max_increase_monthly, "per month"),
    ):
        if limit is not None and figure > limit:
            found.append(
                Violation(
                    rule,
                    f"the plan raises the bill by {figure:,.2f} {currency} "
                    f"{what}; the limit is {limit:,.2f} {currency}. Split "
                    "the change, or raise the limit in clearsky.yaml",
                )
            )
    found += _ceiling(plan.changes, policy, state, currency)
    return found


def _protected(changes: Sequence[Change], state: Mapping[str, StateEntry]) -> list[Violation]:
    out = []
    for change in changes:
        if change.action not in (Action.CANCEL, Action.REPLACE):
            continue
        entry = state.get(change.name)
        recorded = bool(
            entry
            and entry.prevent_cancel
            and entry.guid.lower() == (change.order_guid or "").lower()
        )
        if not (recorded or change.prevent_cancel):
            continue
        verb = "cancel" if change.action == Action.CANCEL else "replace"
        out.append(
            Violation(
                "lifecycle.preventCancel",
                f"{change.name} ({change.order_guid}) is protected and this plan would {verb} it. "
                "Set lifecycle.preventCancel: false in its manifest (restore the manifest if it "
                "was deleted) and apply that first; --force does not lift this",
            )
        )
    return out


def _threshold(
    changes: Sequence[Change], policy: Policy, state: Mapping[str, StateEntry]
) -> list[Violation]:
    managed = len(state)
    if managed < policy.min_managed_for_threshold or managed == 0:
        return []
    hit = sum(1 for c in changes if c.action in (Action.CANCEL, Action.REPLACE) and c.name in state)
    share = 100 * hit / managed
    if share <= policy.max_change_percent:
        return []
    return [
        Violation(
            "policy.maxChangePercent",
            f"the plan cancels or replaces {hit} of {managed} managed orders ({share:.1f}%); the "
            f"limit is {policy.max_change_percent:g}% once there are "
            f"{policy.min_managed_for_threshold} or more. Check the plan, then add --force if it "
            "is intended",
            forcible=True,
        )
    ]


def _products(changes: Sequence[Change], policy: Policy) -> list[Violation]:
    out = []
    models = {canonical_model(m) or m for m in policy.allowed_models or []}
    constellations = {canonical_constellation(c) or c for c in policy.allowed_constellations or []}
    model_keys = {m.lower() for m in models}
    constellation_keys = {c.lower() for c in constellations}
    for change in changes:
        spec = change.desired
        if not change.needs_create or spec is None:
            continue
        area = spec.area_km2
        limit = policy.max_area_km2_per_order
        if limit is not None and area is not None and area > limit:
            out.append(
                Violation(
                    "policy.maxAreaKm2PerOrder",
                    f"{change.name} orders {area:,.2f} km2; the limit is "
                    f"{limit:,.2f} km2. Split the area, or raise the limit",
                )
            )
        if policy.allowed_models is not None and spec.model.lower() not in model_keys:
            out.append(
                Violation(
                    "policy.allowedModels",
                    f"{change.name} uses model {spec.model}; allowed: "
                    f"{', '.join(sorted(models)) or 'none'}. Use an allowed model, or extend "
                    "policy.allowedModels in clearsky.yaml",
                )
            )
        extra = {c for c in spec.constellations if c.lower() not in constellation_keys}
        if policy.allowed_constellations is not None and extra:
            out.append(
                Violation(
                    "policy.allowedConstellations",
                    f"{change.name} uses {', '.join(sorted(extra))}; allowed: "
                    f"{', '.join(sorted(constellations)) or 'none'}. Drop it, or extend "
                    "policy.allowedConstellations in clearsky.yaml",
                )
            )
    return out


def _ceiling(
    changes: Sequence[Change], policy: Policy, state: Mapping[str, StateEntry], currency: str
) -> list[Violation]:
    """The monthly cost of every managed order after the plan: the state's recorded estimates
    for the orders it leaves alone, fresh estimates for those it creates or records."""
    limit = policy.max_monthly_cost
    if limit is None:
        return []
    touched = {c.name for c in changes if c.changes_something and c.name}
    costs: list[float] = []
    unknown = []
    for name, entry in state.items():  # orders this plan leaves as they are
        if name in touched:
            continue
        if entry.cost is None:
            unknown.append(name)
        else:
            costs.append(entry.cost.next_month)
    for change in changes:  # orders this plan makes or records
        if change.action not in (Action.CREATE, Action.REPLACE, Action.ADOPT):
            continue
        if change.new_order_cost is None:
            unknown.append(change.name)
        else:
            costs.append(change.new_order_cost.next_month)
    total = math.fsum(costs)
    if total <= limit:
        return []
    note = f" ({len(unknown)} order(s) without a recorded estimate not counted)" if unknown else ""
    return [
        Violation(
            "policy.maxMonthlyCost",
            f"managed orders would cost {total:,.2f} {currency} per month after this "
            f"plan{note}; the ceiling is {limit:,.2f} {currency}. Drop or shrink "
            "orders, or raise the ceiling in clearsky.yaml",
        )
    ]

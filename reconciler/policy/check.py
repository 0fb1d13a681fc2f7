"""The guardrails: budgets, allowed products, safety thresholds and protected orders.

Every violation names the rule, the figure, the limit and how to proceed. Only the safety
threshold (maxChangePercent) yields to --force; budgets are changed in clearsky.yaml, in
review, and protection is lifted by applying lifecycle.preventCancel: false first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.domain.catalog import canonical_constellation, canonical_model
from reconciler.manifest.models import Policy
from reconciler.planning.model import Action, Change, StateEntry
from reconciler.planning.money import MonthTotals
from reconciler.planning.plan import Plan, Violation


def check(plan: Plan, policy: Policy, state: Mapping[str, StateEntry]) -> list[Violation]:
    """Every rule the plan breaks."""
    currency = plan.currency
    found: list[Violation] = []
    found += _protected(plan.changes, state)
    found += _threshold(plan.changes, policy, state)
    found += _products(plan.changes, policy)
    found += _increases(plan, policy, currency)
    found += ceiling(plan, policy, currency)
    found += _charge_now(plan, policy, currency)
    return found


def _charge_now(plan: Plan, policy: Policy, currency: str) -> list[Violation]:
    """What apply deducts now, against policy.maxChargeAtApply and the account's credits."""
    charge = plan.charge_at_apply
    out = []
    limit = policy.max_charge_at_apply
    if limit is not None and charge > limit:
        out.append(
            Violation(
                "policy.maxChargeAtApply",
                f"apply charges {charge:,.2f} {currency} now (the coverage its new orders are "
                f"charged for when made); the limit is {limit:,.2f} {currency}. Split the "
                "change, shorten a past From or a bounded period, or raise the limit in "
                "clearsky.yaml",
            )
        )
    credits = plan.credits
    if credits is not None and charge > 0 and not credits.pays(charge):
        out.append(
            Violation(
                "account.credits",
                f"apply charges {charge:,.2f} {currency} now; the account has "
                f"{credits.balance:,.2f} {currency} of order credits and "
                f"{credits.overdraft:,.2f} {currency} overdraft. Top up the credits, or split "
                "the change",
            )
        )
    return out


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


def _increases(plan: Plan, policy: Policy, currency: str) -> list[Violation]:
    """What the plan adds to this month's bill, to each month after, and over the lives of
    its new orders."""
    months = plan.timeline.months
    out = []
    this = months[0].change if months else plan.totals()[0]
    limit = policy.max_increase_this_month
    if limit is not None and this > limit:
        out.append(
            Violation(
                "policy.maxIncreaseThisMonth",
                f"the plan raises this month's bill by {this:,.2f} {currency}; the limit is "
                f"{limit:,.2f} {currency}. Split the change, or raise the limit in clearsky.yaml",
            )
        )
    limit = policy.max_increase_monthly
    over = [m for m in months[1:] if limit is not None and m.change > limit]
    if limit is not None and over:
        worst = max(over, key=lambda m: m.change)
        out.append(
            Violation(
                "policy.maxIncreaseMonthly",
                f"the plan raises the bill by {worst.change:,.2f} {currency} in "
                f"{worst.month:%Y-%m}{_and_more(over)}; the limit is {limit:,.2f} {currency} "
                "per month. Split the change, or raise the limit in clearsky.yaml",
            )
        )
    limit = policy.max_total_commitment
    if limit is not None and plan.commitment > limit:
        out.append(
            Violation(
                "policy.maxTotalCommitment",
                f"the plan commits {plan.commitment:,.2f} {currency} (new orders over their "
                f"lives, recurring ones over {len(months)} months); the limit is {limit:,.2f} "
                f"{currency}. Shorten or split the orders, or raise the limit in clearsky.yaml",
            )
        )
    return out


def _and_more(months: Sequence[MonthTotals]) -> str:
    return f" (and {len(months) - 1} other month(s))" if len(months) > 1 else ""


def ceiling(plan: Plan, policy: Policy, currency: str) -> list[Violation]:
    """The monthly cost of every managed order after the plan, in each month of the horizon."""
    limit = policy.max_monthly_cost
    if limit is None:
        return []
    line = plan.timeline
    if line.unknown:
        names = ", ".join(line.unknown[:5]) + (" ..." if len(line.unknown) > 5 else "")
        return [
            Violation(
                "policy.maxMonthlyCost",
                f"{len(line.unknown)} managed order(s) could not be priced ({names}), so the "
                f"ceiling of {limit:,.2f} {currency} per month cannot be checked; an order the "
                "tool cannot price never counts as free. Plan again when the service answers",
            )
        ]
    over = [m for m in line.months if m.after > limit]
    if not over:
        return []
    worst = max(over, key=lambda m: m.after)
    note = ""
    return [
        Violation(
            "policy.maxMonthlyCost",
            f"managed orders would cost {worst.after:,.2f} {currency} in {worst.month:%Y-%m}"
            f"{_and_more(over)} after this plan{note}; the ceiling is {limit:,.2f} {currency} "
            "per month. Drop or shrink orders, or raise the ceiling in clearsky.yaml",
        )
    ]

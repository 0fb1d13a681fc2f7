"""The plan's machine form: JSON for `plan --format json`, saved plans and their checksum.

The pydantic models here are the source of schemas/plan.schema.json.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from shapely.geometry import MultiPolygon

from reconciler.domain.calendar import count_image_dates, month_end, next_month_start
from reconciler.domain.geometry import area_km2, canonical_wkt
from reconciler.planning.model import Action, CancelEffect, Change
from reconciler.planning.money import MonthTotals
from reconciler.planning.plan import Plan

FORMAT_VERSION = 1


class _Doc(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class EstimateDoc(_Doc):
    current_month_cost: float = Field(
        description="The change's effect on this month's charges (what apply charges now for a "
        "new order; negative saves)."
    )
    next_month_cost: float = Field(description="Its effect on next month's charges.")
    currency: str
    approximate: bool = Field(
        False, description="True when either figure is derived, not quoted by an estimate."
    )


class CoverageDoc(_Doc):
    from_: str = Field(alias="from", description="YYYY-MM: the first month charged at apply.")
    to: str = Field(description="YYYY-MM: the last month charged at apply.")


class MonthCostDoc(_Doc):
    month: str = Field(description="YYYY-MM")
    cost: float = Field(
        description="The change's effect on what is charged that month (negative saves): the "
        "month of apply carries what apply deducts, each later month its cycles."
    )
    derived: str | None = Field(
        None, description="How the figure was derived; absent when the estimate quoted it."
    )


class MonthTotalsDoc(_Doc):
    month: str = Field(description="YYYY-MM")
    before: float = Field(description="What the managed orders are charged that month now.")
    after: float = Field(
        description="What they are charged that month after the plan (the month of apply with "
        "what apply deducts)."
    )
    change: float
    approximate: bool = Field(
        False, description="True when a figure in the month is derived, not quoted."
    )


class CancellationDoc(_Doc):
    effect: CancelEffect
    effective: date | None = Field(None, description="The order's last day.")
    deadline: datetime | None = Field(
        None, description="Cancel before this (UTC), or a recurring order renews."
    )


class ChangeDoc(_Doc):
    action: Action
    name: str = Field(description="The manifest name; empty for an unmanaged order.")
    order_guid: str | None = Field(None, description="The live order concerned (TaskOrderGuid).")
    diff: dict[str, dict[str, Any]] | None = Field(None, description="field -> {old, new}")
    estimate: EstimateDoc | None = None
    warnings: list[str] = Field(default_factory=list)
    error: str | None = Field(None, description="Why this change cannot be applied.")
    drift: str | None = Field(None, description="What changed outside clearsky-orders.")
    moved_from: str | None = Field(
        None, description="For a move: the manifest name the order was recorded under."
    )
    cancellation: CancellationDoc | None = None
    area_km2: float | None = None
    images_per_month: float | None = None
    months: list[MonthCostDoc] = Field(
        default_factory=list,
        description="The change's effect on each month's bill, from the month it starts (or "
        "stops) billing: to a bounded order's end, else over the horizon.",
    )
    total_cost: float | None = Field(
        None, description="A bounded new order's cost over its whole life (charged at apply)."
    )
    charge_at_apply: float | None = Field(
        None,
        description="What apply deducts now for the new order: the coverage created when it is "
        "made (the current cycle, a past From's historical window, a bounded order's whole "
        "period).",
    )
    coverage: CoverageDoc | None = Field(None, description="The months that charge covers.")
    gross_cost: float | None = Field(
        None,
        description="The new order's own cost (gross, not netted against what the change "
        "saves): its charge at apply and its cycles over the horizon.",
    )
    desired: dict[str, Any] | None = Field(None, description="The desired spec, canonical.")
    live: dict[str, Any] | None = Field(None, description="The live spec, canonical.")
    labels: dict[str, str] = Field(default_factory=dict)
    desired_footprint: str | None = Field(
        None, description="A tile order's ground: its tiles' footprints as WKT."
    )
    live_footprint: str | None = None


class CreditsDoc(_Doc):
    balance: float = Field(description="Order credits left (EUR), as the account info says.")
    overdraft: float = Field(0.0, description="How far below zero they may go (EUR).")
    enough: bool = Field(description="Whether they pay what apply charges now.")


class SummaryDoc(_Doc):
    create: int = 0
    cancel: int = 0
    replace: int = 0
    adopt: int = 0
    move: int = 0
    noop: int = 0
    unmanaged: int = 0
    orphaned: int = 0
    errors: int = 0
    violations: int = 0
    charge_at_apply: float = Field(
        0.0, description="What this apply deducts from the order credits now (sum of the changes')."
    )
    current_month_cost: float = Field(
        0.0, description="The plan's effect on this month's charges (sum of the changes')."
    )
    next_month_cost: float = Field(
        0.0, description="Its effect on next month's charges (sum of the changes')."
    )
    currency: str = "EUR"
    credits: CreditsDoc | None = Field(
        None, description="The account's order credits, where the service names them."
    )
    months: list[MonthTotalsDoc] = Field(
        default_factory=list,
        description="The managed orders' cost before and after the plan, month by month.",
    )
    largest_change_ahead: MonthTotalsDoc | None = Field(
        None, description="The month after this one whose bill the plan changes most."
    )
    total_commitment: float = Field(
        0.0,
        description="What the new orders cost, gross: the sum of the changes' grossCost (their "
        "lives when bounded, the horizon when recurring).",
    )
    uncounted: list[str] = Field(
        default_factory=list,
        description="Managed orders with no recorded estimate, left out of `months`.",
    )


class ViolationDoc(_Doc):
    rule: str
    message: str
    forcible: bool = Field(False, description="Whether --force lifts it.")


class InputsDoc(_Doc):
    manifests: str
    live_orders: str
    state: str


class ContextDoc(_Doc):
    """Where a saved plan was made from, so that `apply FILE` can check it again."""

    manifest_paths: list[str] = Field(default_factory=list)
    state_path: str = ""
    sandbox: bool = False
    api_url: str = ""
    prune: bool = False
    prune_orphans: bool = False
    sole_owner: bool = False
    force: bool = False
    targets: list[str] = Field(default_factory=list)
    excludes: list[str] = Field(default_factory=list)
    selectors: list[str] = Field(default_factory=list, description="key=value")


class PlanDoc(_Doc):
    """A plan, as `plan --format json` prints it and `plan -o FILE` saves it."""

    model_config = ConfigDict(title="Plan")

    state_warning: str = Field(
        "",
        description="Set when the state was changed outside clearsky-orders (its seal does not "
        "match): read this first.",
    )
    untrusted_entries: list[str] = Field(
        default_factory=list,
        description="State entries treated as untrusted: they lift no protection and lower no "
        "cost until accepted with 'clearsky-orders state seal'.",
    )
    format_version: int = FORMAT_VERSION
    created_at: datetime
    today: date
    source: str = Field("", description="Where the live orders came from.")
    has_changes: bool
    checksum: str = Field(description="sha256 of the changes and summary (no time stamps).")
    inputs: InputsDoc
    changes: list[ChangeDoc]
    violations: list[ViolationDoc] = Field(
        default_factory=list, description="Guardrails the plan breaks; apply refuses it."
    )
    summary: SummaryDoc
    notes: list[str] = Field(
        default_factory=list, description="What a reviewer should know of the plan as a whole."
    )
    context: ContextDoc | None = None


def to_document(plan: Plan, context: ContextDoc | None = None, *, full: bool = False) -> PlanDoc:
    """The plan's document. Unchanged and unmanaged orders are documented lightly (name,
    order, labels, warnings) unless `full`: a large account's plan stays small."""
    changes = [_change(c, plan.today) if full or not _quiet(c) else _light(c) for c in plan.changes]
    counts = plan.counts()
    now, monthly = plan.totals()
    violations = [
        ViolationDoc(rule=v.rule, message=v.message, forcible=v.forcible) for v in plan.violations
    ]
    ahead = plan.timeline.largest_change_ahead()
    summary = SummaryDoc(
        **counts,
        errors=len(plan.errors),
        violations=len(violations),
        charge_at_apply=plan.charge_at_apply,
        credits=CreditsDoc(
            balance=plan.credits.balance,
            overdraft=plan.credits.overdraft,
            enough=plan.credits.pays(plan.charge_at_apply),
        )
        if plan.credits
        else None,
        current_month_cost=now,
        next_month_cost=monthly,
        currency=plan.currency,
        months=[_totals(m) for m in plan.timeline.months],
        largest_change_ahead=_totals(ahead) if ahead else None,
        total_commitment=plan.commitment,
        uncounted=list(plan.timeline.unknown),
    )
    return PlanDoc(
        state_warning=plan.state_warning,
        untrusted_entries=list(plan.untrusted),
        created_at=plan.created_at,
        today=plan.today,
        source=plan.source,
        has_changes=plan.has_changes,
        checksum=checksum(
            changes,
            violations,
            summary,
            [*trust_lines(plan.state_warning, plan.untrusted), *plan.notes],
        ),
        inputs=InputsDoc(
            manifests=plan.inputs.manifests,
            live_orders=plan.inputs.live_orders,
            state=plan.inputs.state,
        ),
        changes=changes,
        violations=violations,
        summary=summary,
        notes=list(plan.notes),
        context=context,
    )


def trust_lines(warning: str, untrusted: Sequence[str]) -> list[str]:
    """What the checksum covers of the state's trust (nothing when the state is as sealed)."""
    if not warning:
        return []
    return [warning, *(f"untrusted: {name}" for name in untrusted)]


def checksum(
    changes: list[ChangeDoc],
    violations: list[ViolationDoc],
    summary: SummaryDoc,
    notes: list[str] | None = None,
) -> str:
    """sha256 over the canonical JSON of the changes, violations, summary and notes: costs and
    warnings count, time stamps do not."""
    body = {
        "changes": [_checksummed(c) for c in changes],
        "violations": [v.model_dump(mode="json", by_alias=True) for v in violations],
        "summary": summary.model_dump(mode="json", by_alias=True),
        "notes": list(notes or []),
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


QUIET = (Action.NOOP, Action.UNMANAGED)


def _quiet(change: Change) -> bool:
    """An order the plan leaves alone and says nothing about."""
    return change.action in QUIET and not change.warnings and not change.error and not change.drift


def _light(change: Change) -> ChangeDoc:
    return ChangeDoc(
        action=change.action,
        name=change.name,
        order_guid=change.order_guid,
        labels=dict(change.labels),
    )


def _checksummed(doc: ChangeDoc) -> dict[str, Any]:
    """What the checksum covers of a change: all of it, but for an order left alone without a
    word only what identifies it (so `plan -v` and `plan` agree)."""
    if doc.action in QUIET and not doc.warnings and not doc.error and not doc.drift:
        # what model_dump(mode="json") gives of these four, without dumping the rest
        return {
            "action": doc.action.value,
            "name": doc.name,
            "orderGuid": doc.order_guid,
            "labels": dict(doc.labels),
        }
    return doc.model_dump(mode="json", by_alias=True)


def _change(change: Change, today: date) -> ChangeDoc:
    spec = change.desired or change.live
    shape = change.desired_shape if change.desired else change.live_shape
    area = spec.area_km2 if spec is not None and spec.area_km2 is not None else None
    if area is None and shape is not None:
        area = area_km2(shape)
    images = None
    if spec is not None:
        first = max(next_month_start(today), spec.start)
        images = float(
            count_image_dates(spec.reference_date, spec.image_frequency, first, month_end(first))
        )
    estimate = change.bill_change
    return ChangeDoc(
        action=change.action,
        name=change.name,
        order_guid=change.order_guid,
        diff={k: dict(v) for k, v in change.diff.items()} or None,
        estimate=EstimateDoc(
            current_month_cost=estimate.current_month,
            next_month_cost=estimate.next_month,
            currency=estimate.currency,
            approximate=estimate.approximate,
        )
        if estimate
        else None,
        warnings=list(change.warnings),
        error=change.error,
        drift=change.drift,
        moved_from=change.moved_from,
        cancellation=CancellationDoc(
            effect=change.cancellation.effect,
            effective=change.cancellation.effective,
            deadline=change.cancellation.deadline,
        )
        if change.cancellation
        else None,
        area_km2=round(area, 2) if area is not None else None,
        images_per_month=images,
        months=[
            MonthCostDoc(
                month=f"{m.month:%Y-%m}", cost=m.cost, derived=m.how if m.approximate else None
            )
            for m in change.months
        ],
        total_cost=change.total_cost,
        charge_at_apply=change.charge_at_apply.cost if change.charge_at_apply else None,
        coverage=CoverageDoc(
            **{"from": f"{change.coverage[0]:%Y-%m}", "to": f"{change.coverage[1]:%Y-%m}"}
        )
        if change.coverage
        else None,
        gross_cost=change.gross_cost,
        desired_footprint=_wkt(change.desired_footprint),
        live_footprint=_wkt(change.live_footprint),
        desired=change.desired.as_dict() if change.desired else None,
        live=change.live.as_dict() if change.live else None,
        labels=dict(change.labels),
    )


def _wkt(shape: MultiPolygon | None) -> str | None:
    return canonical_wkt(shape) if shape is not None else None


def _totals(m: MonthTotals) -> MonthTotalsDoc:
    return MonthTotalsDoc(
        month=f"{m.month:%Y-%m}",
        before=m.before,
        after=m.after,
        change=m.change,
        approximate=m.approximate,
    )


def dump(doc: PlanDoc) -> str:
    return doc.model_dump_json(by_alias=True, indent=2) + "\n"


def load_document(text: str) -> PlanDoc:
    return PlanDoc.model_validate_json(text)

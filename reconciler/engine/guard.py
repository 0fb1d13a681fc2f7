"""The one place that decides whether a plan may be applied.

`plan` and `apply` both ask here. A plan is refused when it breaks a guardrail of the policy
(the change threshold yields to --force, nothing else does; protected orders are among the
guardrails), when a change carries an error, when it is a saved plan whose inputs moved, or
when it is not the plan that was reviewed (--expect-checksum). Every refusal is an
UnsafePlanError (reconciler.errors) whose message carries the figures and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.errors import (
    BrokenChangesError,
    ChecksumMismatchError,
    PolicyError,
    StalePlanError,
    UnsafePlanError,
)
from reconciler.manifest import Policy
from reconciler.planning import Plan, StateEntry, Violation
from reconciler.policy import check
from reconciler.render.document import PlanDoc, checksum, to_document, trust_lines


def blocking_violations(
    plan: Plan, policy: Policy, state: Mapping[str, StateEntry], *, force: bool
) -> tuple[Violation, ...]:
    """Every guardrail the plan breaks, less those --force lifts."""
    return tuple(v for v in check(plan, policy, state) if not (force and v.forcible))


def refusal(
    plan: Plan, *, reviewed_checksum: str | None = None, saved: PlanDoc | None = None
) -> UnsafePlanError | None:
    """Why `plan` may not be applied, or None when it may."""
    if saved is not None:
        stale = _stale(saved, plan)
        if stale is not None:
            return stale
    if reviewed_checksum is not None:
        checksum = to_document(plan).checksum
        if checksum != reviewed_checksum.strip().lower():
            return ChecksumMismatchError(
                f"the plan's checksum is {checksum}, not the reviewed {reviewed_checksum}: the "
                "manifests, the live orders, the state or the prices changed since the review. "
                "Nothing was applied; review the new plan"
            )
    if plan.violations:
        return PolicyError(plan.violations)
    if plan.errors:
        return BrokenChangesError([c.label for c in plan.errors])
    return None


def raise_if_unsafe(
    plan: Plan, *, reviewed_checksum: str | None = None, saved: PlanDoc | None = None
) -> None:
    """Raise the UnsafePlanError that stops `plan`, if there is one."""
    found = refusal(plan, reviewed_checksum=reviewed_checksum, saved=saved)
    if found is not None:
        raise found


def _stale(saved: PlanDoc, plan: Plan) -> StalePlanError | None:
    lines = trust_lines(saved.state_warning, saved.untrusted_entries)
    own = checksum(saved.changes, saved.violations, saved.summary, [*lines, *saved.notes])
    if own != saved.checksum:
        return StalePlanError(
            "the saved plan was changed after it was made: its checksum does not match its "
            "content. Nothing was applied; make the plan again"
        )
    moved = [
        what
        for what, old, new in (
            ("the manifests", saved.inputs.manifests, plan.inputs.manifests),
            ("the live orders", saved.inputs.live_orders, plan.inputs.live_orders),
            ("the state", saved.inputs.state, plan.inputs.state),
        )
        if old != new
    ]
    before = [(c.action.value, c.name, c.order_guid) for c in saved.changes]
    now = [(c.action.value, c.name, c.order_guid) for c in plan.changes]
    fresh = to_document(plan).checksum
    if not moved and before == now and fresh == saved.checksum:
        return None
    what = " and ".join(moved) or (
        "the changes" if before != now else "the prices, warnings or guardrails"
    )
    return StalePlanError(
        f"the saved plan is stale: {what} changed since it was made "
        f"({saved.created_at:%Y-%m-%d %H:%M} UTC). Nothing was applied; run plan again"
    )

"""Every guardrail, tripped and passed; the rule, the figure, the limit and what to do."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from reconciler.manifest.models import Policy
from reconciler.planning import Action, Cost, Plan, StateEntry, Violation, decide
from reconciler.policy import check
from tests.conftest import SKAGEN, TODAY, desired, live, plan_of, priced, spec


def policy(**limits: Any) -> Policy:
    return Policy.model_validate(limits)


def creating(name: str = "a", s: Any = None) -> Plan:
    return plan_of(priced(decide([desired(name, s or spec())], [], {}, TODAY)))


def rules(found: list[Violation]) -> list[str]:
    return [v.rule for v in found]


def test_what_a_plan_adds_to_this_month() -> None:
    plan = creating(s=replace(spec(), start=date(2026, 11, 1)))  # +10 in November
    assert plan.timeline.months[0].change == 10.0
    assert rules(check(plan, policy(maxIncreaseThisMonth=10), {})) == []
    found = check(plan, policy(maxIncreaseThisMonth=9.99), {})
    assert rules(found) == ["policy.maxIncreaseThisMonth"]
    assert "raises this month's bill by 10.00 EUR; the limit is 9.99 EUR" in found[0].message


def test_what_a_plan_adds_to_any_month_after_names_the_month() -> None:
    later = replace(spec(), start=date(2027, 4, 1))
    plan = creating(s=later)  # April is charged at apply; its cycles start in May
    assert plan.totals()[0] > 0 and plan.totals()[1] == 0.0
    worst = max(plan.timeline.months[1:], key=lambda m: m.change)
    assert worst.change > 0 and worst.month >= date(2027, 5, 1)
    assert rules(check(plan, policy(maxIncreaseMonthly=worst.change), {})) == []
    found = check(plan, policy(maxIncreaseMonthly=1), {})
    assert rules(found) == ["policy.maxIncreaseMonthly"]
    assert f"{worst.change:,.2f} EUR in {worst.month:%Y-%m}" in found[0].message


def test_the_monthly_ceiling_counts_kept_orders_in_every_month() -> None:
    kept = live("g-kept", spec(SKAGEN), status="UpToDate")
    state = {"kept": StateEntry("g-kept", cost=Cost(100.0, 100.0, month=date(2026, 11, 1)))}
    changes = priced(decide([desired("a"), desired("kept", spec(SKAGEN))], [kept], state, TODAY))
    plan = plan_of(changes, state, [kept])
    top = max(m.after for m in plan.timeline.months)
    assert rules(check(plan, policy(maxMonthlyCost=top), state)) == []
    found = check(plan, policy(maxMonthlyCost=top - 0.01), state)
    assert rules(found) == ["policy.maxMonthlyCost"]
    assert f"would cost {top:,.2f} EUR in " in found[0].message


def test_a_ceiling_refuses_a_plan_with_managed_orders_it_could_not_price() -> None:
    kept = live("g-kept", spec(SKAGEN), status="UpToDate")
    state = {"kept": StateEntry("g-kept")}
    plan = plan_of(priced(decide([desired("a")], [kept], state, TODAY)), state, [kept])
    found = check(plan, policy(maxMonthlyCost=1e9), state)
    assert rules(found) == ["policy.maxMonthlyCost"]
    assert "1 managed order(s) could not be priced (kept)" in found[0].message


def test_the_total_commitment_of_a_plan() -> None:
    bounded = replace(spec(end=date(2027, 3, 31)), start=date(2026, 12, 1))
    plan = creating(s=bounded)
    total = plan.commitment
    assert total == plan.changes[0].total_cost and total > 0
    assert rules(check(plan, policy(maxTotalCommitment=total), {})) == []
    found = check(plan, policy(maxTotalCommitment=total - 1), {})
    assert rules(found) == ["policy.maxTotalCommitment"]


def test_area_models_and_constellations() -> None:
    plan = creating()  # 418.30 km2, Stratus2 with all three constellations
    allowed = policy(
        maxAreaKm2PerOrder=420,
        allowedModels=["stratus2"],
        allowedConstellations=["Sentinel1", "Sentinel2", "landsat89"],
    )
    assert rules(check(plan, allowed, {})) == []
    found = check(
        plan,
        policy(
            maxAreaKm2PerOrder=400,
            allowedModels=["Stratus2Fast"],
            allowedConstellations=["Sentinel1", "Sentinel2"],
        ),
        {},
    )
    assert rules(found) == [
        "policy.maxAreaKm2PerOrder",
        "policy.allowedModels",
        "policy.allowedConstellations",
    ]
    assert "orders 418.30 km2; the limit is 400.00 km2" in found[0].message


def test_change_threshold_applies_from_the_minimum_and_yields_to_force() -> None:
    state = {f"o{i}": StateEntry(f"g{i}") for i in range(10)}
    account = [live(f"g{i}", spec(SKAGEN, frequency=(i % 7) + 1)) for i in range(10)]
    wanted = [desired(f"o{i}", spec(SKAGEN, frequency=(i % 7) + 1)) for i in range(7)]
    plan = plan_of(priced(decide(wanted, account, state, TODAY)))  # cancels 3 of 10: 30%
    assert rules(check(plan, policy(), state)) == []
    fewer = plan_of(priced(decide(wanted[:6], account, state, TODAY)))  # 4 of 10: 40%
    found = check(fewer, policy(), state)
    assert rules(found) == ["policy.maxChangePercent"] and found[0].forcible
    assert "4 of 10 managed orders (40.0%); the limit is 30%" in found[0].message
    small = dict(list(state.items())[:9])
    assert rules(check(fewer, policy(), small)) == []  # under 10 managed: no threshold


def test_protection_is_recorded_in_state_and_not_forcible() -> None:
    state = {"a": StateEntry("g1", prevent_cancel=True)}
    deleted = plan_of(priced(decide([], [live("g1")], state, TODAY)))
    found = check(deleted, policy(), state)
    assert rules(found) == ["lifecycle.preventCancel"] and not found[0].forcible
    assert "--force does not lift this" in found[0].message
    unprotected = {"a": StateEntry("g1")}
    allowed = plan_of(priced(decide([], [live("g1")], unprotected, TODAY)))
    assert rules(check(allowed, policy(), unprotected)) == []
    protected_now = replace(desired("a", spec(frequency=2)), prevent_cancel=True)
    replacing = plan_of(priced(decide([protected_now], [live("g1")], unprotected, TODAY)))
    assert rules(check(replacing, policy(), unprotected)) == ["lifecycle.preventCancel"]


def test_lifting_protection_is_an_adopt_that_records_it() -> None:
    state = {"a": StateEntry("g1", prevent_cancel=True)}
    changes = decide([desired("a")], [live("g1")], state, TODAY)
    assert [c.action for c in changes] == [Action.ADOPT]
    assert "records lifecycle.preventCancel: false" in changes[0].warnings

"""Every guardrail, tripped and passed; the rule, the figure, the limit and what to do."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.manifest.models import Policy
from reconciler.planning import Action, Change, Cost, Plan, StateEntry, Violation, decide
from reconciler.policy import check
from tests.conftest import INPUTS, NOW, SKAGEN, TODAY, desired, live, priced, spec


def policy(**limits: Any) -> Policy:
    return Policy.model_validate(limits)


def plan_of(changes: list[Change]) -> Plan:
    return Plan(tuple(changes), TODAY, INPUTS, NOW, "test")


def creating(name: str = "a", s: Any = None) -> Plan:
    return plan_of(priced(decide([desired(name, s or spec())], [], {}, TODAY)))


def rules(found: list[Violation]) -> list[str]:
    return [v.rule for v in found]


def test_increase_limits() -> None:
    plan = creating()  # +10 this month, +40 per month
    assert rules(check(plan, policy(maxIncreaseThisMonth=10, maxIncreaseMonthly=40), {})) == []
    found = check(plan, policy(maxIncreaseThisMonth=9.99, maxIncreaseMonthly=39), {})
    assert rules(found) == ["policy.maxIncreaseThisMonth", "policy.maxIncreaseMonthly"]
    assert "raises the bill by 40.00 EUR per month; the limit is 39.00 EUR" in found[1].message


def test_monthly_ceiling_counts_kept_orders_from_the_state() -> None:
    state = {"kept": StateEntry("g-kept", cost=Cost(1.0, 100.0))}
    changes = priced(
        decide(
            [desired("a"), desired("kept", spec(SKAGEN))],
            [live("g-kept", spec(SKAGEN))],
            state,
            TODAY,
        )
    )
    assert rules(check(plan_of(changes), policy(maxMonthlyCost=140), state)) == []
    found = check(plan_of(changes), policy(maxMonthlyCost=139.99), state)
    assert rules(found) == ["policy.maxMonthlyCost"]
    assert "140.00 EUR per month after this plan; the ceiling is 139.99 EUR" in found[0].message


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

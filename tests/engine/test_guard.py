"""The one guard: what stops a plan from being applied, and what --force lifts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.engine.guard import blocking_violations, raise_if_unsafe, refusal
from reconciler.errors import (
    BrokenChangesError,
    ChecksumMismatchError,
    PolicyError,
    StalePlanError,
)
from reconciler.manifest.models import Policy
from reconciler.planning import Plan, StateEntry, decide
from reconciler.render.document import to_document
from tests.conftest import INPUTS, NOW, TODAY, live, priced, sample_plan, spec


def cancelling_all_of(managed: int) -> tuple[Plan, dict[str, StateEntry]]:
    state = {f"o{i}": StateEntry(f"g{i}") for i in range(managed)}
    account = [live(f"g{i}", spec(frequency=1 + i % 7)) for i in range(managed)]
    changes = priced(decide([], account, state, TODAY))  # every manifest deleted
    return Plan(tuple(changes), TODAY, INPUTS, NOW), state


def test_a_clean_plan_may_be_applied() -> None:
    plan = sample_plan()
    assert refusal(plan) is None
    raise_if_unsafe(plan, reviewed_checksum=to_document(plan).checksum)


def test_force_lifts_the_change_threshold_and_nothing_else() -> None:
    plan, state = cancelling_all_of(10)
    policy = Policy(max_change_percent=30)
    found = blocking_violations(plan, policy, state, force=False)
    assert [v.rule for v in found] == ["policy.maxChangePercent"]
    assert blocking_violations(plan, policy, state, force=True) == ()
    protected = {name: replace(entry, prevent_cancel=True) for name, entry in state.items()}
    forced = blocking_violations(plan, policy, protected, force=True)
    assert {v.rule for v in forced} == {"lifecycle.preventCancel"}


def test_violations_refuse_the_plan() -> None:
    plan, state = cancelling_all_of(10)
    found = blocking_violations(plan, Policy(), state, force=False)
    with pytest.raises(PolicyError, match="maxChangePercent"):
        raise_if_unsafe(replace(plan, violations=found))


def test_an_error_on_a_change_refuses_the_plan() -> None:
    plan = sample_plan()
    broken = replace(plan, changes=(replace(plan.changes[0], error="no"), *plan.changes[1:]))
    assert isinstance(refusal(broken), BrokenChangesError)


def test_a_plan_other_than_the_reviewed_one_is_refused() -> None:
    plan = sample_plan()
    with pytest.raises(ChecksumMismatchError, match="not the reviewed"):
        raise_if_unsafe(plan, reviewed_checksum="0" * 64)
    upper = to_document(plan).checksum.upper()
    assert refusal(plan, reviewed_checksum=f" {upper} ") is None


@pytest.mark.parametrize("moved", ["manifests", "live_orders", "state"])
def test_a_saved_plan_whose_inputs_moved_is_stale(moved: str) -> None:
    plan = sample_plan()
    saved = to_document(plan)
    now = replace(plan, inputs=replace(INPUTS, **{moved: "x" * 64}))
    found = refusal(now, saved=saved)
    assert isinstance(found, StalePlanError)
    assert refusal(plan, saved=saved) is None


def test_a_saved_plan_whose_changes_differ_is_stale() -> None:
    plan = sample_plan()
    saved = to_document(plan)
    fewer = replace(plan, changes=plan.changes[1:])
    with pytest.raises(StalePlanError, match="the changes changed"):
        raise_if_unsafe(fewer, saved=saved)

"""The whole loop against the service as it is documented today, and as the older page shows
it: the same commands, the same results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from reconciler.sandbox import Dialect, Sandbox, serve_in_thread
from tests.conftest import KEY_A, KEY_B, SKAGEN, Repo, Service, flat, manifest, next_month
from tests.e2e.test_plan_apply import Cli, converge, live_orders, state_of

NIMBUS = manifest(
    "nimbus-coast", SKAGEN, model="Nimbus", constellations="[sentinel2, Sentinel3]", frequency=2
)


@pytest.fixture(params=[Dialect.CURRENT, Dialect.PAGE], ids=lambda d: str(d.value))
def dialect_env(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Service]:
    sandbox = Sandbox(dialect=request.param)
    sandbox.add_account(KEY_A, "a")
    sandbox.add_account(KEY_B, "b")
    with serve_in_thread(sandbox.app()) as url:
        monkeypatch.setenv("CLEARSKY_API_URL", url)
        monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
        yield Service(sandbox, url)


def test_plan_apply_plan_converges_in_either_dialect(
    dialect_env: Service, repo: Repo, cli: Cli
) -> None:
    first = cli("plan", "--detailed-exitcode")
    assert first.code == 2 and "this month +0.00 EUR, next month +0.00" not in first.out
    converge(cli)
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=5))
    converge(cli)
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay", "skagen"]
    assert len(live_orders(dialect_env)) == 2


def test_an_order_in_initialize_is_accepted_so_a_bounded_one_cannot_be_removed(
    dialect_env: Service, repo: Repo, cli: Cli
) -> None:
    end = (next_month() + timedelta(days=70)).replace(day=1) - timedelta(days=1)
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", end=end))
    converge(cli)
    dialect_env.sandbox.clock.advance(timedelta(minutes=31))
    statuses = {o.ordering_process_status for o in live_orders(dialect_env)}
    assert statuses == {"Initialize"}
    repo.remove("aarhus-bay.yaml")
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 1 and "was accepted and has an end date" in flat(planned.out)
    assert len(live_orders(dialect_env)) == 2


def test_a_model_only_the_service_lists_plans_and_applies(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    repo.write("nimbus.yaml", NIMBUS)
    offline = cli("validate")
    assert offline.code == 0 and "unknown model 'Nimbus' in the built-in list" in offline.err
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2 and "+ create    nimbus-coast" in planned.out
    converge(cli)
    assert "nimbus-coast" in state_of(repo)["orders"]
    # The plan kept the service's list: validate knows Nimbus now, offline.
    again = cli("validate")
    assert again.code == 0 and "warning" not in again.err


def test_a_model_the_service_does_not_sell_is_a_located_error_at_plan(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    repo.write("cumulus.yaml", NIMBUS.replace("Nimbus", "Cumulus").replace("nimbus-coast", "c"))
    planned = cli("plan")
    assert planned.code == 1
    assert (
        "cumulus.yaml:" in planned.err
        and "unknown model 'Cumulus' in the service's list" in planned.err
    )
    assert live_orders(api_env) == []


def test_another_accounts_key_is_refused_before_anything_is_created(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    converge(cli)
    owner = state_of(repo)["owner"]
    assert owner["apiUrl"] == api_env.url and owner["account"].startswith("tenant ")
    monkeypatch.setenv("CLEARSKY_API_KEY", KEY_B)
    # a changed manifest is estimated ahead, while the service says whose account it is
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=2))
    refused = cli("apply", "--auto-approve")
    assert refused.code == 1
    assert refused.err.startswith(f"Error: this state belongs to account {owner['account']}")
    assert refused.err.count("\n") == 1 and KEY_B not in refused.err
    monkeypatch.setenv("CLEARSKY_API_KEY", KEY_B)
    assert cli("plan").code == 1
    assert live_orders(api_env, key=KEY_B) == []


def test_a_state_of_the_embedded_sandbox_is_never_taken_for_a_served_one(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    assert cli("apply", "--sandbox", "--auto-approve").code == 0
    assert state_of(repo)["owner"]["apiUrl"] == "embedded-sandbox"
    served = cli("plan")
    assert served.code == 1 and "this state belongs to account" in served.err
    assert live_orders(api_env) == []

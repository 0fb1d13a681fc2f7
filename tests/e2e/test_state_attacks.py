"""Nothing in a pull request can steer apply through the state: a rolled-back state, entries
spliced in from another version, forged unfinished operations. Each reproduction from the
audit, against the sandbox served on loopback, through the real CLI."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from reconciler.api import live_order
from reconciler.planning.model import Intent, IntentKind
from reconciler.sandbox import app as app_module
from reconciler.state import Sealer, StateFile
from tests.conftest import KEY_A, KEY_B, SKAGEN, Repo, Service, flat, manifest, running
from tests.e2e.test_plan_apply import Cli, converge, live_orders, state_of

PROTECT = "  lifecycle: {preventCancel: true}\n"


def _active(service: Service) -> set[str]:
    """Orders nobody asked to cancel (a cancelled recurring order still runs to month end)."""
    store = service.sandbox.store
    account = store.account(KEY_A)
    assert account is not None
    return {o.guid for o in store.orders(account[0]) if o.canceled_at is None and o.to_date is None}


def _protect_then_roll_back(repo: Repo, cli: Cli) -> str:
    """aarhus-bay protected by an apply, then the state from before put back and the
    manifest deleted, as a pull request can do. Returns aarhus-bay's order."""
    converge(cli)
    old = repo.state.read_text()
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", extra=PROTECT))
    assert cli("apply", "--auto-approve").code == 0
    assert state_of(repo)["orders"]["aarhus-bay"]["preventCancel"] is True
    guid: str = state_of(repo)["orders"]["aarhus-bay"]["orderGuid"]
    repo.state.write_text(old)
    repo.remove("aarhus-bay.yaml")
    return guid


def test_a_rolled_back_state_lifts_no_protection(api_env: Service, repo: Repo, cli: Cli) -> None:
    guid = _protect_then_roll_back(repo, cli)
    planned = cli("plan")
    assert planned.code == 1, planned.out + planned.err
    assert "the state was rolled back" in planned.out
    assert "its backup has seen serial" in planned.out
    applied = cli("apply", "--auto-approve")
    assert applied.code == 1
    assert guid in _active(api_env)


def test_this_machine_remembers_the_serial_when_the_backup_is_gone_too(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    guid = _protect_then_roll_back(repo, cli)
    os.unlink(repo.state.with_name("state.json.backup"))
    planned = cli("plan")
    assert planned.code == 1 and "this machine has seen serial" in planned.out, planned.out
    assert cli("apply", "--auto-approve").code == 1
    assert guid in _active(api_env)


def test_a_rolled_back_recorded_cost_makes_no_plan_cheaper(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    old = json.loads(repo.state.read_text())
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=7))
    assert cli("apply", "--auto-approve").code == 0
    body = json.loads(repo.state.read_text())
    body["orders"] = old["orders"]  # entries and their digests from the older version
    body["seal"]["entries"] = old["seal"]["entries"]
    repo.state.write_text(json.dumps(body))
    planned = cli("plan", "--format", "json")
    doc = json.loads(planned.out)
    assert "none of its entries or unfinished operations is trusted" in doc["stateWarning"]
    assert sorted(doc["untrustedEntries"]) == ["aarhus-bay", "skagen"]


def _add_intent(repo: Repo, intent: dict[str, str]) -> None:
    body = state_of(repo)
    body.setdefault("intents", []).append(intent)
    repo.state.write_text(json.dumps(body))


def test_a_forged_cancel_intent_is_never_carried_out(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    stranger = running(api_env, SKAGEN)  # an order nobody here owns
    _add_intent(repo, {"kind": "cancel", "name": "skagen", "guid": stranger})
    planned = cli("plan")
    assert f"- cancel    skagen ({stranger})" not in planned.out
    said = flat(planned.out)
    assert "is not vouched for by its seal" in said and stranger in said
    cli("apply", "--auto-approve")
    assert stranger in _active(api_env)


def test_a_forged_create_intent_makes_no_name_own_an_order(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    stranger = running(api_env, SKAGEN)
    listed = next(o for o in live_orders(api_env) if o.task_order_guid == stranger)
    spec = live_order(listed).spec
    assert spec is not None
    fingerprint = spec.fingerprint  # the stranger's own: a forged intent would match it
    _add_intent(
        repo,
        {
            "kind": "create",
            "name": "thief",
            "fingerprint": fingerprint,
            "since": "2020-01-01T00:00:00Z",
        },
    )
    cli("apply", "--auto-approve")
    owned = {e["orderGuid"] for e in state_of(repo)["orders"].values()}
    assert "thief" not in state_of(repo)["orders"] and stranger not in owned
    assert stranger in _active(api_env)


def test_a_sealed_pending_cancel_never_touches_an_automatic_order(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    automatic = running(api_env, SKAGEN)
    stored = api_env.sandbox.store
    account = stored.account(KEY_A)
    assert account is not None
    order = next(o for o in stored.orders(account[0]) if o.guid == automatic)
    stored.update(order, is_automatic=True)
    states = StateFile(repo.state, Sealer.for_api_key(KEY_A))
    state = states.load()
    states.save(state.with_intent(Intent(IntentKind.CANCEL, "skagen", guid=automatic)))
    planned = cli("plan")
    assert "the service made itself" in planned.out, planned.out
    assert f"cancel    skagen ({automatic})" not in planned.out
    cli("apply", "--auto-approve")
    assert automatic in _active(api_env)


@pytest.mark.parametrize("figure", ["NaN", 1e308, -500.0], ids=["nan", "1e308", "negative"])
def test_an_estimate_that_is_not_a_price_stops_the_plan_and_reaches_no_state(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch, figure: object
) -> None:
    converge(cli)
    repo.write("fresh.yaml", manifest("fresh", SKAGEN))
    real = app_module._current_costs

    def hostile(quote: Any) -> dict[str, Any]:
        costs = real(quote)
        costs["CurrentMonthCosts"]["TotalCostEuro"] = figure
        return costs

    monkeypatch.setattr(app_module, "_current_costs", hostile)
    planned = cli("plan")
    assert planned.code == 1, planned.out + planned.err
    assert "which is not a price" in planned.out
    assert "+nan" not in planned.out and "inf EUR" not in planned.out
    assert "Traceback" not in planned.err and "internal error" not in planned.err
    applied = cli("apply", "--auto-approve")
    assert applied.code == 1
    assert "fresh" not in state_of(repo)["orders"]
    for path in (repo.state, repo.state.with_name("state.json.backup")):
        text = path.read_text()
        assert "NaN" not in text and "Infinity" not in text
    assert cli("plan").code == 1  # and the next plan still reads the state


def test_the_seal_does_not_cry_wolf(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    converge(cli)
    monkeypatch.delenv("CLEARSKY_API_KEY")
    unkeyed = cli("state", "list")
    assert "seal was not checked (no API key)" in unkeyed.out
    assert "[changed outside" not in unkeyed.out and "aarhus-bay" in unkeyed.out
    monkeypatch.setenv("CLEARSKY_API_KEY", KEY_B)
    other = cli("state", "list")
    assert "sealed with another key" in other.out
    assert "[changed outside" not in other.out and "removed" not in other.out
    monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
    body = state_of(repo)
    body["orders"]["skagen"]["preventCancel"] = True
    repo.state.write_text(json.dumps(body))
    edited = cli("state", "list")
    assert "skagen" in edited.out and "[changed outside clearsky-orders]" in edited.out
    assert edited.out.count("[changed outside clearsky-orders]") == 1

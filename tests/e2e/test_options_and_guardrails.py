"""The CLI end to end: --prune, --selector, saved plans that keep their settings, guardrails
at apply, accepted orders that cannot be replaced, tile orders, and no key in a saved plan."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from reconciler.api import ClearskyClient, order_request
from tests.conftest import (
    AARHUS,
    KEY_A,
    SKAGEN,
    Repo,
    Service,
    aarhus_tiles,
    flat,
    manifest,
    next_month,
    spec,
)
from tests.e2e.test_plan_apply import Cli, converge, live_orders, state_of


def order_out_of_band(service: Service, wkt: str = SKAGEN) -> str:
    """An order made in the account by someone else: unmanaged."""

    async def go() -> str:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            made = await api.create_order(order_request(spec(wkt, frequency=6)))
            return made.task_order_guid

    return asyncio.run(go())


def with_label(text: str, team: str) -> str:
    return text.replace("metadata:\n", f"metadata:\n  labels: {{team: {team}}}\n")


def test_prune_cancels_unmanaged_orders_only_when_asked(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    stray = order_out_of_band(api_env)
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 0 and f"? unmanaged (no manifest) ({stray})" in planned.out
    pruning = cli("plan", "--prune", "--sole-owner", "--detailed-exitcode")
    assert pruning.code == 2 and f"- cancel    (no manifest) ({stray})" in pruning.out
    assert cli("apply", "--auto-approve", "--prune", "--sole-owner").code == 0
    assert stray not in [o.task_order_guid for o in live_orders(api_env)]
    assert len(live_orders(api_env)) == 2


def test_prune_with_a_local_state_asks_for_sole_owner(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    stray = order_out_of_band(api_env)
    refused = cli("apply", "--auto-approve", "--prune")
    assert refused.code == 1 and "cannot see the orders other repositories manage" in refused.err
    assert "--sole-owner" in refused.err
    assert stray in [o.task_order_guid for o in live_orders(api_env)]


def test_selector_limits_plan_and_apply_to_labelled_manifests(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    repo.write("aarhus-bay.yaml", with_label(manifest("aarhus-bay"), "marine"))
    selected = cli("plan", "--selector", "team=marine")
    assert "aarhus-bay" in selected.out and "skagen" not in selected.out
    assert cli("apply", "--auto-approve", "--selector", "team=marine").code == 0
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay"]
    malformed = cli("plan", "--selector", "marine")
    assert malformed.code == 1 and "write it as key=value" in malformed.err


def test_a_saved_plan_keeps_its_target(
    api_env: Service, repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", "--target", "skagen", "-o", str(saved)).code == 0
    applied = cli("apply", str(saved))
    assert applied.code == 0, applied.err
    assert sorted(state_of(repo)["orders"]) == ["skagen"]


def test_a_saved_plan_keeps_prune(api_env: Service, repo: Repo, cli: Cli, tmp_path: Path) -> None:
    converge(cli)
    stray = order_out_of_band(api_env)
    saved = tmp_path / "plan.json"
    assert cli("plan", "--prune", "--sole-owner", "-o", str(saved)).code == 0
    assert cli("apply", str(saved)).code == 0
    assert stray not in [o.task_order_guid for o in live_orders(api_env)]


def test_a_saved_plan_keeps_force(api_env: Service, repo: Repo, cli: Cli, tmp_path: Path) -> None:
    repo.write(
        "clearsky.yaml",
        "apiVersion: clearsky-orders/v1\nkind: Config\n"
        "policy: {maxChangePercent: 10, minManagedForThreshold: 1}\n",
    )
    converge(cli)
    repo.remove("coast/skagen.yaml")
    unforced, forced = tmp_path / "unforced.json", tmp_path / "forced.json"
    assert cli("plan", "-o", str(unforced)).code == 1
    assert cli("plan", "--force", "-o", str(forced)).code == 0
    refused = cli("apply", str(unforced))
    assert refused.code == 1 and "policy.maxChangePercent" in refused.err
    assert cli("apply", str(forced)).code == 0
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay"]


def test_budgets_are_checked_again_at_apply(api_env: Service, repo: Repo, cli: Cli) -> None:
    repo.write(
        "clearsky.yaml",
        "apiVersion: clearsky-orders/v1\nkind: Config\npolicy: {maxMonthlyCost: 1}\n",
    )
    refused = cli("apply", "--auto-approve")
    assert refused.code == 1
    assert "policy.maxMonthlyCost" in refused.err and "nothing was applied" in refused.err
    assert live_orders(api_env) == [] and not repo.state.exists()


def test_replacing_an_accepted_order_with_an_end_date_is_refused(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    end = next_month() + timedelta(days=95)
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", end=end.replace(day=1) - timedelta(1)))
    converge(cli)
    api_env.sandbox.clock.advance(timedelta(minutes=31))  # past review: accepted
    before = sorted(o.task_order_guid for o in live_orders(api_env))
    repo.write(
        "aarhus-bay.yaml",
        manifest("aarhus-bay", frequency=5, end=end.replace(day=1) - timedelta(1)),
    )
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 1
    said = flat(planned.out)
    assert "was accepted and has an end date" in said and "pay twice" in said
    refused = cli("apply", "--auto-approve")
    assert refused.code == 1 and "cannot be applied (aarhus-bay" in refused.err
    assert sorted(o.task_order_guid for o in live_orders(api_env)) == before


def test_tile_and_minitile_manifests_plan_and_apply(api_env: Service, repo: Repo, cli: Cli) -> None:
    tile, minis = aarhus_tiles(api_env)
    mini = minis[0]
    for name, key, guid in (("tiles", "tiles", tile), ("minis", "miniTiles", mini)):
        text = manifest(name).replace(f'    wkt: "{AARHUS}"', f"    {key}: [{guid}]")
        repo.write(f"{name}.yaml", text)
    planned = cli("plan", "--format", "json")
    changes = {c["name"]: c for c in json.loads(planned.out)["changes"]}
    assert changes["tiles"]["desired"]["aoi"]["tiles"] == [tile.lower()]
    assert changes["minis"]["desired"]["aoi"]["miniTiles"] == [mini.lower()]
    assert changes["tiles"]["chargeAtApply"] > 0 and changes["minis"]["chargeAtApply"] > 0
    converge(cli)
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay", "minis", "skagen", "tiles"]


def test_the_api_key_is_never_in_a_saved_plan(
    api_env: Service, repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    result = cli("plan", "-o", str(saved))
    assert result.code == 0
    assert KEY_A not in saved.read_text() and KEY_A not in result.out + result.err

"""No order is paid for twice or left running unowned: the ways it happened, reproduced
against the sandbox served on loopback. (A lost create found after the manifest changed is in
tests/engine/test_apply.py, where the listing can fail after the plan; a deleted or truncated
state in tests/state/test_store.py and test_plan_apply.py.)"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from reconciler.api import ClearskyClient, order_request
from reconciler.domain.order import OrderSpec
from reconciler.manifest import load
from tests.conftest import CONFIG, KEY_A, SKAGEN, Repo, Service, manifest
from tests.e2e.test_plan_apply import Cli, converge, live_orders, state_of

CANCEL = "/api/tasking/orders/cancel"
SKAGEN_FAST = manifest(
    "skagen", SKAGEN, frequency=2, model="Stratus2Fast", constellations="[Sentinel1, Sentinel2]"
)


def active(service: Service) -> list[str]:
    return sorted(o.task_order_guid for o in live_orders(service))


def owned(repo: Repo) -> list[str]:
    return sorted(e["orderGuid"] for e in state_of(repo)["orders"].values())


def test_a_rename_is_a_move_even_when_cancels_fail(api_env: Service, repo: Repo, cli: Cli) -> None:
    converge(cli)
    before = active(api_env)
    repo.remove("coast/skagen.yaml")
    repo.write("coast/skagen-north.yaml", SKAGEN_FAST.replace("name: skagen", "name: skagen-north"))
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2 and "> move      skagen-north" in planned.out
    assert "0 to create" in planned.out and "0 to cancel" in planned.out
    api_env.sandbox.faults.update(fail_path=CANCEL, retry_after_s=0)
    applied = cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "moved to skagen-north" in applied.out
    api_env.sandbox.faults.update(fail_path="")
    assert active(api_env) == before == owned(repo)
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay", "skagen-north"]
    assert cli("plan", "--detailed-exitcode").code == 0


def test_a_create_before_cancel_replace_whose_cancel_fails_keeps_the_old_order_pending(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    old = state_of(repo)["orders"]["aarhus-bay"]["orderGuid"]
    repo.write(
        "aarhus-bay.yaml",
        manifest("aarhus-bay", frequency=4) + "  lifecycle: {createBeforeCancel: true}\n",
    )
    api_env.sandbox.faults.update(fail_path=CANCEL, retry_after_s=0)
    failed = cli("apply", "--auto-approve")
    assert failed.code == 1 and f"FAILED cancel aarhus-bay ({old})" in failed.out
    assert [i["guid"] for i in state_of(repo)["intents"]] == [old]
    pending = cli("plan", "--detailed-exitcode")
    assert pending.code == 2 and f"cancel    aarhus-bay ({old})" in pending.out
    assert "pending cancel" in pending.out and "what was charged is not refunded" in pending.out
    api_env.sandbox.faults.update(fail_path="")
    converge(cli)
    assert old not in active(api_env) and active(api_env) == owned(repo)
    assert "intents" not in state_of(repo)


def test_an_added_entry_naming_an_owned_order_is_ignored_never_cancels_it(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    body = state_of(repo)
    body["orders"]["copy"] = {**body["orders"]["skagen"]}
    body["orders"]["copy"]["orderGuid"] = body["orders"]["copy"]["orderGuid"].upper()
    repo.state.write_text(json.dumps(body))
    before = active(api_env)
    planned = cli("plan")
    assert planned.out.startswith("WARNING: the state was changed outside clearsky-orders")
    assert (
        "the state entry copy" in planned.out and "which skagen owns: it is ignored" in planned.out
    )
    applied = cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert active(api_env) == before


def test_sealing_refuses_a_second_name_for_an_owned_order(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    body = state_of(repo)
    body["orders"]["copy"] = {**body["orders"]["skagen"]}
    repo.state.write_text(json.dumps(body))
    sealed = cli("state", "seal")
    assert sealed.code == 1 and "which skagen owns" in sealed.err, sealed.err
    assert "nothing was sealed" in sealed.err and "copy" in state_of(repo)["orders"]


def test_an_order_this_tool_made_that_no_entry_owns_is_an_orphan(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=5))
    converge(cli)  # replaced: the entry remembers the old spec
    stray = make(api_env, spec_of(manifest("aarhus-bay")))  # the old spec, owned by nobody
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 0 and f"! orphaned  (no manifest) ({stray})" in planned.out
    assert "costs about" in planned.out and "1 orphaned" in planned.out
    pruned = cli("apply", "--auto-approve", "--prune-orphans")
    assert pruned.code == 0, pruned.err
    assert stray not in active(api_env) and active(api_env) == owned(repo)


def make(service: Service, order: OrderSpec) -> str:
    async def go() -> str:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            return (await api.create_order(order_request(order))).task_order_guid

    return asyncio.run(go())


def spec_of(text: str) -> OrderSpec:
    """The spec a manifest's text describes (with the test repository's defaults)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "clearsky.yaml").write_text(CONFIG)
        (Path(folder) / "m.yaml").write_text(text)
        return load([folder]).orders[0].spec

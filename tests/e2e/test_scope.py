"""A path narrower than the workspace scopes the run: it never cancels what lies outside it.

The repository of the `repo` fixture: clearsky.yaml and aarhus-bay.yaml at the top, skagen
under coast/. Against the sandbox served on loopback, through the real CLI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox, serve_in_thread
from reconciler.sandbox.app import Dialect
from reconciler.state import Sealer, StateFile
from tests.conftest import KEY_A, SKAGEN, Repo, Result, Service, manifest
from tests.e2e.test_plan_apply import converge, live_orders, state_of

Cli = Callable[..., Result]


def _active_guids(service: Service) -> set[str]:
    return {
        o.task_order_guid for o in live_orders(service) if o.ordering_process_status != "Canceled"
    }


def test_a_subfolder_never_cancels_orders_outside_it(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    before = _active_guids(api_env)
    planned = cli("plan", "--detailed-exitcode", "coast")
    assert planned.code == 0, planned.out + planned.err
    assert "- cancel" not in planned.out
    assert "1 managed order(s) outside the given paths (coast) were not considered" in (
        planned.out + planned.err
    )
    applied = cli("apply", "--auto-approve", "coast")
    assert applied.code == 0, applied.out + applied.err
    assert _active_guids(api_env) == before
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay", "skagen"]


def test_a_single_manifest_file_never_cancels_the_others(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    planned = cli("plan", "--detailed-exitcode", "coast/skagen.yaml")
    assert planned.code == 0, planned.out + planned.err
    applied = cli("apply", "--auto-approve", "aarhus-bay.yaml")
    assert applied.code == 0 and "cancel" not in applied.out, applied.out + applied.err
    assert len(_active_guids(api_env)) == 2


def test_removing_a_manifest_under_the_path_cancels_only_it(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    orders = state_of(repo)["orders"]
    assert orders["skagen"]["file"] == "coast/skagen.yaml"
    assert orders["aarhus-bay"]["file"] == "aarhus-bay.yaml"
    skagen = orders["skagen"]["orderGuid"]
    repo.remove("coast/skagen.yaml")
    repo.write("coast/other.yaml", manifest("other"))  # the folder still has a manifest
    planned = cli("plan", "coast")
    assert f"- cancel    skagen ({skagen})" in planned.out, planned.out + planned.err
    assert "cancel    aarhus-bay" not in planned.out
    applied = cli("apply", "--auto-approve", "coast")
    assert applied.code == 0, applied.out + applied.err
    assert skagen not in _active_guids(api_env)
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay", "other"]


def test_a_manifest_moved_out_of_the_path_is_not_cancelled(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    text = (repo.root / "coast/skagen.yaml").read_text()
    repo.remove("coast/skagen.yaml")
    repo.write("inland/skagen.yaml", text)
    repo.write("coast/keep.yaml", manifest("keep"))
    planned = cli("plan", "coast")
    assert "skagen" not in planned.out, planned.out
    assert "+ create    keep" in planned.out
    # a whole run records where the manifest is now
    converge(cli)
    assert state_of(repo)["orders"]["skagen"]["file"] == "inland/skagen.yaml"


def test_new_manifests_outside_the_path_are_not_created(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    repo.write("fresh.yaml", manifest("fresh"))
    planned = cli("plan", "--detailed-exitcode", "coast")
    assert planned.code == 0 and "fresh" not in planned.out, planned.out


def test_an_entry_that_records_no_file_is_cancelled_only_by_a_whole_run(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    states = StateFile(repo.state, Sealer.for_api_key(KEY_A))
    state = states.load()
    states.save(state.with_orders({n: replace(e, file="") for n, e in state.orders.items()}))
    assert all("file" not in e for e in state_of(repo)["orders"].values())
    repo.remove("coast/skagen.yaml")
    repo.write("coast/other.yaml", manifest("other"))
    scoped = cli("plan", "coast")
    assert "- cancel" not in scoped.out and "+ create    other" in scoped.out, scoped.out
    whole = cli("plan")
    assert "- cancel    skagen" in whole.out, whole.out


def test_pruning_needs_the_whole_workspace(api_env: Service, repo: Repo, cli: Cli) -> None:
    for flag in ("--prune", "--prune-orphans"):
        refused = cli("plan", flag, "--sole-owner", "coast")
        assert refused.code == 1
        assert f"{flag} cancels orders no manifest describes" in refused.err
        assert "Traceback" not in refused.err


def test_a_path_outside_the_workspace_is_refused(
    api_env: Service, repo: Repo, cli: Cli, tmp_path_factory: object
) -> None:
    elsewhere = repo.root.parent / "elsewhere"
    elsewhere.mkdir()
    refused = cli("plan", "coast", str(elsewhere))
    assert refused.code == 1
    assert "in no workspace" in refused.err


def test_a_saved_plan_of_a_subfolder_applies_with_its_scope(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    repo.write("coast/more.yaml", manifest("more"))
    saved = repo.root / "p.json"
    assert cli("plan", "-o", str(saved), "coast").code == 0
    assert json.loads(saved.read_text())["context"]["manifestPaths"] == ["coast"]
    applied = cli("apply", str(saved))
    assert applied.code == 0, applied.out + applied.err
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay", "more", "skagen"]
    assert len(_active_guids(api_env)) == 3


def test_a_terraform_habit_of_one_dash_is_a_clear_error(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    for word, fixed in (("-out=p.json", "--out=p.json"), ("-auto-approve", "--auto-approve")):
        refused = cli("plan", word)
        assert refused.code == 1 and fixed in refused.err, refused.err
    assert not (repo.root / "ut=p.json").exists()
    assert cli("plan", "-o", "p.json").code == 0  # the short option still works


def test_hints_name_the_folder_and_the_target_and_work_when_pasted(
    repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    import shlex

    repo.write("clearsky.yaml", "apiVersion: clearsky-orders/v1\nkind: Config\n")
    os.chdir(repo.root.parent)
    planned = cli("plan", "--sandbox", "orders")
    hint = next(x.strip() for x in planned.out.splitlines() if "clearsky-orders tiles" in x)
    assert "--sandbox" in hint and hint.endswith(" orders"), hint
    written = cli(*shlex.split(hint)[1:])
    assert written.code == 0, written.out + written.err
    assert (repo.root / "aarhus-bay-tiles.yaml").exists()
    saved = cli("plan", "--sandbox", "-o", "p.json", "orders")
    again = saved.out.splitlines()[-1].split("apply it with: ", 1)[1]
    assert again == "clearsky-orders apply --sandbox p.json"
    assert cli(*shlex.split(again)[1:]).code == 0


def test_a_saved_plan_applies_only_to_the_target_it_was_made_for(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    assert cli("plan", "--sandbox", "-o", "sandbox.json").code == 0
    refused = cli("apply", "sandbox.json")  # CLEARSKY_API_KEY is set: no silent sandbox
    assert refused.code == 1 and "made against the embedded sandbox" in refused.err
    assert "stale" not in refused.err
    assert cli("plan", "-o", "served.json").code == 0
    wrong = cli("apply", "--sandbox", "served.json")
    assert wrong.code == 1 and "not the embedded sandbox" in wrong.err


def test_a_saved_plan_with_a_state_elsewhere_applies_with_that_state(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    elsewhere = repo.root.parent / "elsewhere" / "state.json"
    state = "../elsewhere/state.json"
    saved = cli("plan", "--state", state, "-o", "p.json")
    assert saved.code == 0
    assert f"--state {state} p.json" in saved.out.split("apply it with: ")[1]
    assert cli("apply", "p.json").code == 1  # the state is outside: named, or refused
    applied = cli("apply", "--state", state, "p.json")
    assert applied.code == 0, applied.out + applied.err
    assert elsewhere.exists() and not repo.state.exists()


def test_the_same_tenant_at_a_new_url_is_the_same_account(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    converge(cli)
    with serve_in_thread(api_env.sandbox.app()) as moved:  # the server restarted elsewhere
        monkeypatch.setenv("CLEARSKY_API_URL", moved)
        planned = cli("plan", "--detailed-exitcode")
        assert planned.code == 0, planned.out + planned.err
        assert f"the same account answers at {moved}" in planned.out
        repo.write("fresh.yaml", manifest("fresh", SKAGEN))
        assert cli("apply", "--auto-approve").code == 0
        assert state_of(repo)["owner"]["apiUrl"] == moved


def test_without_a_tenant_a_new_url_needs_accept_url_once(
    repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox(dialect=Dialect.PAGE)  # the older answer names no tenant
    sandbox.add_account(KEY_A, "a")
    monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
    with serve_in_thread(sandbox.app()) as first:
        monkeypatch.setenv("CLEARSKY_API_URL", first)
        converge(cli)
    with serve_in_thread(sandbox.app()) as second:
        monkeypatch.setenv("CLEARSKY_API_URL", second)
        refused = cli("plan")
        assert refused.code == 1 and "give --accept-url once" in refused.err
        accepted = cli("plan", "--accept-url", "--detailed-exitcode")
        assert accepted.code == 0 and "--accept-url" in accepted.out
        repo.write("fresh.yaml", manifest("fresh", SKAGEN))
        assert cli("apply", "--accept-url", "--auto-approve").code == 0
        assert cli("plan", "--detailed-exitcode").code == 0  # recorded: once is enough

"""plan and apply end to end: the real CLI against the sandbox served on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.api import ClearskyClient, TaskOrder
from reconciler.state import StateFile
from tests.conftest import KEY_A, SKAGEN, Repo, Result, Service, flat, manifest

Cli = Callable[..., Result]


def live_orders(service: Service, *, expired: bool = False, key: str = KEY_A) -> list[TaskOrder]:
    async def fetch() -> list[TaskOrder]:
        async with ClearskyClient(api_key=key, base_url=service.url) as api:
            return await api.list_orders(get_expired=expired)

    return asyncio.run(fetch())


def cancel_out_of_band(service: Service, guid: str) -> None:
    async def go() -> None:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            await api.cancel_order(guid)

    asyncio.run(go())


def state_of(repo: Repo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(repo.state.read_text())
    return data


def converge(cli: Cli) -> None:
    applied = cli("apply", "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    again = cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    assert "No changes" in again.out


def test_plan_apply_plan_is_empty(api_env: Service, repo: Repo, cli: Cli) -> None:
    first = cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "+ create    aarhus-bay" in first.out and "2 to create" in first.out
    assert "Cost: at apply" in first.out
    converge(cli)
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay", "skagen"]
    assert len(live_orders(api_env)) == 2


def test_edited_manifest_is_replaced(api_env: Service, repo: Repo, cli: Cli) -> None:
    converge(cli)
    old = state_of(repo)["orders"]["aarhus-bay"]["orderGuid"]
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=5))
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert f"-/+ replace   aarhus-bay ({old})" in planned.out
    assert "~ imageFrequency: 3 -> 5" in planned.out
    converge(cli)
    assert state_of(repo)["orders"]["aarhus-bay"]["orderGuid"] != old
    assert len(live_orders(api_env)) == 2


def test_deleted_manifest_is_cancelled(api_env: Service, repo: Repo, cli: Cli) -> None:
    converge(cli)
    guid = state_of(repo)["orders"]["skagen"]["orderGuid"]
    repo.remove("coast/skagen.yaml")
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2 and f"  - cancel    skagen ({guid})" in planned.out
    converge(cli)
    assert [o.task_order_guid for o in live_orders(api_env)] != [guid]
    assert "skagen" not in state_of(repo)["orders"]


def test_cancelled_out_of_band_is_drift_and_recreated(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    guid = state_of(repo)["orders"]["skagen"]["orderGuid"]
    cancel_out_of_band(api_env, guid)
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert f"drift: order {guid} was canceled outside clearsky-orders" in flat(planned.out)
    converge(cli)
    assert len(live_orders(api_env)) == 2


def test_lost_state_adopts_and_never_duplicates(api_env: Service, repo: Repo, cli: Cli) -> None:
    converge(cli)
    repo.state.unlink()
    refused = cli("plan")
    assert refused.code == 1 and "'clearsky-orders state restore'" in refused.err
    assert cli("state", "restore").code == 0
    restored = cli("plan", "--detailed-exitcode")  # the backup is a copy of the last write
    assert restored.code == 0 and "No changes" in restored.out
    converge(cli)
    repo.state.unlink()
    repo.state.with_name("state.json.backup").unlink()  # every copy lost
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2 and "2 to adopt" in planned.out and "0 to create" in planned.out
    converge(cli)
    assert len(live_orders(api_env)) == 2


def test_stale_saved_plan_is_refused(
    api_env: Service, repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", "-o", str(saved)).code == 0
    repo.write("extra.yaml", manifest("extra", SKAGEN, frequency=7))
    refused = cli("apply", str(saved))
    assert refused.code == 1
    assert "the saved plan is stale: the manifests changed" in refused.err
    assert live_orders(api_env) == []
    repo.remove("extra.yaml")
    converge(cli)
    assert cli("plan", "-o", str(saved)).code == 0
    cancel_out_of_band(api_env, live_orders(api_env)[0].task_order_guid)
    refused = cli("apply", str(saved))
    assert refused.code == 1 and "the live orders changed" in refused.err


def test_saved_plan_applies_exactly(api_env: Service, repo: Repo, cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", "-o", str(saved), "--format", "json").code == 0
    doc = json.loads(saved.read_text())
    assert [c["action"] for c in doc["changes"]] == ["create", "create"]
    shown = cli("show", str(saved))
    assert shown.code == 0 and "2 to create" in shown.out
    applied = cli("apply", str(saved))
    assert applied.code == 0, applied.err
    assert "[2/2] created skagen" in applied.out
    assert cli("plan", "--detailed-exitcode").code == 0


def test_second_concurrent_apply_is_refused_by_the_lock(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    with StateFile(repo.state).lock():
        refused = cli("apply", "--auto-approve")
    assert refused.code == 1
    assert "is locked by another run" in refused.err and "apply by pid" in refused.err
    assert live_orders(api_env) == []


def test_lock_timeout_waits_for_the_holder_then_gives_up_or_goes_on(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    import threading
    import time

    with StateFile(repo.state).lock():
        started = time.monotonic()
        refused = cli("apply", "--auto-approve", "--lock-timeout", "1s")
        waited = time.monotonic() - started
    assert refused.code == 1 and "(waited 1 s)" in refused.err and waited >= 1.0
    released = threading.Event()

    def hold_briefly() -> None:
        with StateFile(repo.state).lock():
            released.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    released.wait(10)
    applied = cli("apply", "--auto-approve", "--lock-timeout", "30s")
    holder.join()
    assert applied.code == 0, applied.err
    assert len(live_orders(api_env)) == 2
    bad = cli("apply", "--auto-approve", "--lock-timeout", "soon")
    assert bad.code == 1 and "not a duration" in bad.err


def test_dropped_create_response_is_adopted_not_repeated(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    api_env.sandbox.faults.update(drop_next_creates=1)
    applied = cli("apply", "--auto-approve")
    assert applied.code == 0, applied.out + applied.err
    assert "found after the answer was lost" in applied.out
    assert len(live_orders(api_env)) == 2
    assert cli("plan", "--detailed-exitcode").code == 0


def test_failed_cancel_reports_partial_apply_and_next_run_converges(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    before = state_of(repo)["orders"]
    repo.remove("coast/skagen.yaml")  # a cancel
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=5))  # a cancel, then a create
    repo.write("new.yaml", manifest("new", SKAGEN, frequency=6))  # an independent create
    api_env.sandbox.faults.update(fail_path="/api/tasking/orders/cancel", retry_after_s=0)
    failed = cli("apply", "--auto-approve")
    api_env.sandbox.faults.update(fail_path="")
    assert failed.code == 1
    assert "FAILED cancel skagen" in failed.out
    assert "FAILED create aarhus-bay: skipped because cancelling its old order failed" in failed.out
    assert "created new (" in failed.out
    assert "3 of 4 operation(s) failed; 1 done and recorded in the state" in failed.err
    after = state_of(repo)["orders"]
    assert after["aarhus-bay"] == before["aarhus-bay"] and after["skagen"] == before["skagen"]
    assert "new" in after
    converge(cli)
    assert sorted(state_of(repo)["orders"]) == ["aarhus-bay", "new"]
    assert len(live_orders(api_env)) == 2


def test_apply_without_a_terminal_refuses_to_guess(api_env: Service, repo: Repo, cli: Cli) -> None:
    refused = cli("apply")
    assert refused.code == 1 and "--auto-approve" in refused.err
    assert live_orders(api_env) == []


def test_missing_or_rejected_key_is_one_clear_line(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARSKY_API_KEY", "not-a-real-key")
    rejected = cli("plan")
    assert rejected.code == 1
    assert rejected.err.strip().count("\n") == 0 and "not-a-real-key" not in rejected.err
    monkeypatch.delenv("CLEARSKY_API_KEY")
    missing = cli("plan")
    assert missing.code == 1 and "set CLEARSKY_API_KEY" in missing.err


def test_embedded_sandbox_says_so_first(
    repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLEARSKY_API_KEY", raising=False)
    planned = cli("plan", "--sandbox")
    assert planned.code == 0
    assert planned.out.splitlines()[0].startswith("Using the embedded sandbox")
    assert (repo.root / ".clearsky" / "sandbox.db").exists()


def test_state_commands_and_import(api_env: Service, repo: Repo, cli: Cli) -> None:
    converge(cli)
    guid = state_of(repo)["orders"]["skagen"]["orderGuid"]
    listed = cli("state", "list")
    assert f"skagen\t{guid}" in listed.out
    as_json = json.loads(cli("state", "list", "--format", "json").out)
    assert as_json["location"] == ".clearsky/state.json" and not as_json["remote"]
    assert {"name": "skagen", "orderGuid": guid, "preventCancel": False, "trusted": True} in (
        as_json["orders"]
    )
    assert json.loads(cli("state", "show", "skagen").out)["orderGuid"] == guid
    removed = cli("state", "rm", "skagen", "--format", "json")
    assert removed.code == 0 and json.loads(removed.out)["messages"][0].startswith("Removed")
    assert "skagen" not in cli("state", "list").out
    missing = cli("state", "rm", "skagen", "--format", "json")
    assert (
        missing.code == 1 and "not in the state" in json.loads(missing.out)["errors"][0]["message"]
    )
    imported = cli("import", "skagen", guid)
    assert imported.code == 0 and f"Imported {guid} as skagen" in imported.out
    assert cli("plan", "--detailed-exitcode").code == 0
    assert cli("state", "show", "nobody").code == 1


def test_expect_checksum_applies_only_the_reviewed_plan(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    reviewed = json.loads(cli("plan", "--format", "json").out)["checksum"]
    repo.write("extra.yaml", manifest("extra", SKAGEN, frequency=7))
    refused = cli("apply", "--expect-checksum", reviewed)
    assert refused.code == 1 and f"not the reviewed {reviewed}" in refused.err
    assert live_orders(api_env) == []
    repo.remove("extra.yaml")
    applied = cli("apply", "--expect-checksum", reviewed)
    assert applied.code == 0, applied.err
    assert len(live_orders(api_env)) == 2


def test_checksum_differs_after_the_live_account_changed(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=5))
    before = json.loads(cli("plan", "--format", "json").out)["checksum"]
    cancel_out_of_band(api_env, state_of(repo)["orders"]["skagen"]["orderGuid"])
    after = json.loads(cli("plan", "--format", "json").out)["checksum"]
    assert before != after


def test_protected_order_survives_deletion_until_unprotected(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    protected = manifest(
        "skagen", SKAGEN, frequency=2, model="Stratus2Fast", constellations="[Sentinel1, Sentinel2]"
    )
    repo.write("coast/skagen.yaml", protected + "  lifecycle: {preventCancel: true}\n")
    converge(cli)
    repo.remove("coast/skagen.yaml")
    blocked = cli("plan", "--force")
    assert blocked.code == 1 and "lifecycle.preventCancel: skagen" in blocked.out
    assert cli("apply", "--auto-approve", "--force").code == 1
    assert len(live_orders(api_env)) == 2
    repo.write("coast/skagen.yaml", protected + "  lifecycle: {preventCancel: false}\n")
    lifting = cli("plan", "--detailed-exitcode")
    assert lifting.code == 2 and "records lifecycle.preventCancel: false" in lifting.out
    converge(cli)
    repo.remove("coast/skagen.yaml")
    converge(cli)
    assert len(live_orders(api_env)) == 1


def test_targeting_touches_only_the_selected_manifests(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    targeted = cli("plan", "--target", "skagen")
    assert "skagen" in targeted.out and "aarhus-bay" not in targeted.out
    assert cli("apply", "--auto-approve", "--exclude", "aarhus-bay").code == 0
    assert sorted(state_of(repo)["orders"]) == ["skagen"]
    assert cli("plan", "--target", "skagen", "--detailed-exitcode").code == 0
    assert cli("plan", "--detailed-exitcode").code == 2
    assert cli("plan", "--target", "nobody").code == 1


def test_create_before_cancel_replaces_in_that_order(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    repo.write(
        "aarhus-bay.yaml",
        manifest("aarhus-bay", frequency=4) + "  lifecycle: {createBeforeCancel: true}\n",
    )
    applied = cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    lines = applied.out.splitlines()
    created = next(i for i, line in enumerate(lines) if "created aarhus-bay" in line)
    canceled = next(i for i, line in enumerate(lines) if "canceled aarhus-bay" in line)
    assert created < canceled
    # one change (a replace) in two steps: the counts agree with the plan's
    assert "Plan: 0 to create, 1 to replace" in applied.out
    assert applied.out.rstrip().endswith("Apply complete: 1 change(s) done in 2 step(s).")
    assert cli("plan", "--detailed-exitcode").code == 0


def test_markdown_plan_through_the_cli(api_env: Service, repo: Repo, cli: Cli) -> None:
    result = cli("plan", "--format", "markdown")
    assert result.code == 0
    assert result.out.splitlines()[1] == "<!-- clearsky-orders:plan -->"
    assert "\033[" not in result.out


def test_state_commands_find_the_state_from_the_paths_like_plan_does(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(
        "clearsky.yaml",
        "apiVersion: clearsky-orders/v1\nkind: Config\nstate: {path: ops/state.json}\n",
    )
    converge(cli)
    monkeypatch.chdir(repo.root.parent)
    listed = cli("state", "list", "orders")
    assert listed.code == 0 and "orders/ops/state.json" in listed.out
    assert "aarhus-bay" in listed.out and "skagen" in listed.out


def test_debug_logs_each_request_without_the_key(
    api_env: Service, repo: Repo, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged = cli("plan", "--debug")
    assert logged.code == 0
    assert "clearsky_orders.api DEBUG GET /api/" in logged.err and " -> 200 in " in logged.err
    assert KEY_A not in logged.err + logged.out
    quiet = cli("plan")
    assert "clearsky_orders.api" not in quiet.err  # off unless asked
    log_file = tmp_path / "requests.log"
    monkeypatch.setenv("CLEARSKY_LOG", "debug")
    monkeypatch.setenv("CLEARSKY_LOG_FILE", str(log_file))
    assert cli("plan").code == 0
    assert "POST /api/" in log_file.read_text() and KEY_A not in log_file.read_text()


def test_apply_in_json_says_what_was_done_skipped_and_failed(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    asked = cli("apply", "--format", "json", ".")
    assert asked.code == 1 and "cannot ask for confirmation" in asked.err
    applied = cli("apply", "--auto-approve", "--format", "json", ".")
    assert applied.code == 0, applied.err
    report = json.loads(applied.out)
    assert sorted(r["name"] for r in report["done"]) == ["aarhus-bay", "skagen"]
    assert report["failed"] == [] and len(report["checksum"]) == 64
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=6))
    api_env.sandbox.faults.update(fail_path="/api/tasking/orders", fail_method="DELETE")
    broken = cli("apply", "--auto-approve", "--format", "json", ".")
    assert broken.code == 1
    report = json.loads(broken.out)
    assert [r["operation"] for r in report["failed"]] == ["cancel"]
    assert [r["name"] for r in report["skipped"]] == ["aarhus-bay"]
    assert report["errors"] and "failed" in report["errors"][0]["message"]


def test_compare_to_says_what_moved_since_the_review(
    api_env: Service, repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    reviewed = tmp_path / "reviewed.json"
    assert cli("plan", "-o", str(reviewed), ".").code == 0
    same = cli("plan", "--compare-to", str(reviewed), ".")
    assert "the same plan; apply --expect-checksum accepts it" in same.out
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=2))  # dearer
    repo.write("third.yaml", manifest("third", SKAGEN, frequency=7))
    moved = cli("plan", "--format", "json", "--compare-to", str(reviewed), ".")
    assert json.loads(moved.out).get("hasChanges"), moved.out + moved.err  # the plan, untouched
    assert "it differs" in moved.err and "+ new: create third" in moved.err
    assert "~ create aarhus-bay: imageFrequency 3 -> 2" in moved.err
    assert "~ create aarhus-bay: at apply +" in moved.err and "in all" in moved.err
    assert "  total: at apply +" in moved.err


def test_skip_if_no_changes_prints_no_comment(api_env: Service, repo: Repo, cli: Cli) -> None:
    changes = cli("plan", "--format", "markdown", "--skip-if-no-changes", ".")
    assert changes.out.startswith("**clearsky-orders:")
    converge(cli)
    quiet = cli("plan", "--format", "markdown", "--skip-if-no-changes", "--detailed-exitcode")
    assert quiet.code == 0 and quiet.out == ""


def test_progress_goes_to_a_terminal_only(api_env: Service, repo: Repo) -> None:
    import os
    import pty
    import subprocess
    import sys

    main_end, tty_end = pty.openpty()
    env = {**os.environ, "CLEARSKY_API_URL": api_env.url, "CLEARSKY_API_KEY": KEY_A}
    command = [sys.executable, "-m", "reconciler", "plan", "."]
    on_tty = subprocess.run(
        command,
        env=env,
        stderr=tty_end,
        capture_output=False,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    os.close(tty_end)
    said = b""
    while True:
        try:
            chunk = os.read(main_end, 4096)
        except OSError:
            break
        if not chunk:
            break
        said += chunk
    os.close(main_end)
    assert on_tty.returncode == 0
    assert b"reading the account and the manifests" in said and b"pricing 2 order(s)" in said
    piped = subprocess.run(command, env=env, capture_output=True, check=False)
    assert piped.returncode == 0 and b"reading the account" not in piped.stderr

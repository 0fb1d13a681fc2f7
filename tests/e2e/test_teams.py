"""State for teams, end to end: the state in a bucket on a loopback S3 server, the sandbox
served over HTTP, the CLI as users run it (and as two CI runners run it at once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.state import Sealer
from reconciler.state.remote import RemoteSettings, RemoteState
from tests.conftest import KEY_A, S3_ENV, Bucket, Repo, Result, Service, manifest
from tests.e2e.test_plan_apply import converge, live_orders

Cli = Callable[..., Result]
pytestmark = pytest.mark.slow


def active(service: Service) -> list[str]:
    return sorted(o.task_order_guid for o in live_orders(service))


def remote_state(bucket: Bucket, key: str = "team/state.json") -> dict[str, str]:
    state = RemoteState(RemoteSettings(bucket.url(key), bucket.endpoint), Sealer.for_api_key(KEY_A))
    loaded = state.load()
    return {name: entry.guid for name, entry in loaded.orders.items()}


def test_apply_keeps_the_state_in_the_bucket(
    api_env: Service, repo: Repo, cli: Cli, bucket: Bucket
) -> None:
    repo.write("clearsky.yaml", bucket.config())
    converge(cli)
    assert not repo.state.exists()
    owned = remote_state(bucket)
    assert sorted(owned) == ["aarhus-bay", "skagen"] and sorted(owned.values()) == active(api_env)
    assert "team/state.json" in bucket.objects()
    assert any(k.startswith(".clearsky-orders/ownership/") for k in bucket.objects())
    listed = cli("state", "list")
    assert listed.code == 0 and f"State: {bucket.url()} (remote)" in listed.out
    assert "Workspace: team-state" in listed.out


def test_a_second_workspace_neither_adopts_nor_prunes_the_first_ones_orders(
    api_env: Service, repo: Repo, cli: Cli, bucket: Bucket
) -> None:
    repo.write("clearsky.yaml", bucket.config("a/state.json", "team-a"))
    converge(cli)
    first = active(api_env)
    repo.write("clearsky.yaml", bucket.config("b/state.json", "team-b"))  # equal manifests
    planned = cli("plan", "--prune", "--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert "= adopt" not in planned.out and "- cancel" not in planned.out
    assert planned.out.count("owned by workspace team-a") == 2
    applied = cli("apply", "--auto-approve", "--prune")
    assert applied.code == 0, applied.err
    assert set(first) < set(active(api_env)) and len(active(api_env)) == 4
    assert set(remote_state(bucket, "a/state.json").values()) == set(first)
    assert not set(remote_state(bucket, "b/state.json").values()) & set(first)


def clone(repo: Repo, where: Path) -> Path:
    where.mkdir()
    for path in repo.root.rglob("*.yaml"):
        target = where / path.relative_to(repo.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    return where


def test_two_runners_on_one_remote_state_never_lose_a_write_nor_create_twice(
    api_env: Service, repo: Repo, bucket: Bucket, tmp_path: Path
) -> None:
    repo.write("clearsky.yaml", bucket.config())
    env = {
        **os.environ,
        **S3_ENV,
        "CLEARSKY_API_URL": api_env.url,
        "CLEARSKY_API_KEY": KEY_A,
    }
    folders = [clone(repo, tmp_path / "runner-1"), clone(repo, tmp_path / "runner-2")]
    command = [sys.executable, "-m", "reconciler", "apply", "--auto-approve"]
    runners = [
        subprocess.Popen(
            [*command, "--lock-timeout", "60s", "."],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in folders
    ]
    results = [r.communicate(timeout=120) for r in runners]
    assert [r.returncode for r in runners] == [0, 0], results
    assert len(active(api_env)) == 2  # one order per manifest, not two
    owned = remote_state(bucket)
    assert sorted(owned) == ["aarhus-bay", "skagen"] and sorted(owned.values()) == active(api_env)
    outputs = " ".join(out for out, _ in results)
    assert outputs.count("created") == 2  # one runner created both; the other had nothing to do


def test_a_crash_between_the_create_and_the_state_write_is_adopted_next_run(
    api_env: Service, repo: Repo, cli: Cli, bucket: Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("clearsky.yaml", bucket.config())
    save = RemoteState.save
    calls = {"n": 0}

    def crash_on_second_write(self: RemoteState, state: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:  # the intent was written, the create sent: the process dies
            raise KeyboardInterrupt
        return save(self, state)  # type: ignore[arg-type]

    monkeypatch.setattr(RemoteState, "save", crash_on_second_write)
    crashed = cli("apply", "--auto-approve", "--target", "skagen")
    assert crashed.code == 1 and "Traceback" not in crashed.err
    made = active(api_env)
    assert len(made) == 1 and remote_state(bucket) == {}
    monkeypatch.setattr(RemoteState, "save", save)
    planned = cli("plan")
    assert "= adopt" in planned.out and "skagen" in planned.out, planned.out
    assert cli("apply", "--auto-approve").code == 0
    assert len(active(api_env)) == 2 and made[0] in active(api_env)
    assert remote_state(bucket)["skagen"] == made[0]


def test_a_lost_lock_is_forced_away_by_its_id(
    api_env: Service, repo: Repo, cli: Cli, bucket: Bucket
) -> None:
    repo.write("clearsky.yaml", bucket.config())
    dead = RemoteState(RemoteSettings(bucket.url(), bucket.endpoint)).lock(operation="apply")
    dead.__enter__()  # a runner that died holding the lock
    refused = cli("apply", "--auto-approve")
    assert refused.code == 1 and "is locked" in refused.err and active(api_env) == []
    lock_id = refused.err.split("force-unlock ")[1].split("'")[0]
    forced = cli("force-unlock", lock_id)
    assert forced.code == 0 and forced.out.startswith("Warning: removed the lock")
    assert cli("apply", "--auto-approve").code == 0 and len(active(api_env)) == 2


def test_migrate_moves_a_local_state_into_the_bucket(
    api_env: Service, repo: Repo, cli: Cli, bucket: Bucket
) -> None:
    converge(cli)
    local = json.loads(repo.state.read_text())["orders"]
    repo.write("clearsky.yaml", bucket.config())
    moved = cli("state", "migrate", "--from", ".clearsky/state.json")
    assert moved.code == 0 and "Migrated 2 order(s)" in moved.out, moved.err
    assert remote_state(bucket) == {n: e["orderGuid"] for n, e in local.items()}
    assert cli("plan", "--detailed-exitcode").code == 0  # nothing to do: nothing was lost
    again = cli("state", "migrate", "--from", ".clearsky/state.json")
    assert again.code == 0  # the same lineage: copying again is harmless


def test_an_unreachable_bucket_is_one_clear_error(
    api_env: Service, repo: Repo, cli: Cli, bucket: Bucket
) -> None:
    from reconciler.sandbox.server import free_port

    config = bucket.config().replace(bucket.endpoint, f"http://127.0.0.1:{free_port()}")
    repo.write("clearsky.yaml", config)
    failed = cli("plan")
    assert failed.code == 1 and "cannot read s3://" in failed.err
    assert "Traceback" not in failed.err and S3_ENV["AWS_SECRET_ACCESS_KEY"] not in failed.err
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay"))

"""Remote state against a real S3-protocol server on loopback: compare-and-swap writes, the
lock object, force-unlock, the ownership index, migration."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from reconciler.engine import migrate_state
from reconciler.errors import OwnershipError, StateConflictError, StateError, StateLockedError
from reconciler.planning import StateEntry
from reconciler.planning.model import Intent, IntentKind
from reconciler.state import Owner, Sealer, State, StateFile
from reconciler.state.remote import RemoteSettings, RemoteState
from tests.conftest import Bucket

SEALER = Sealer.for_api_key("remote-test-key")
OWNER = Owner("http://localhost", "acct-1")


def remote(bucket: Bucket, key: str = "team/state.json", workspace: str = "team") -> RemoteState:
    return RemoteState(RemoteSettings(bucket.url(key), bucket.endpoint), SEALER, workspace)


def owning(*pairs: tuple[str, str]) -> State:
    return State({n: StateEntry(g) for n, g in pairs}, owner=OWNER)


def test_a_state_round_trips_through_the_bucket(bucket: Bucket) -> None:
    first = remote(bucket)
    assert first.load().orders == {}
    first.save(owning(("a", "g-1")))
    loaded = remote(bucket).load()
    assert dict(loaded.orders) == {"a": StateEntry("g-1")} and loaded.serial == 1
    assert loaded.trust.clean and loaded.workspace == "team"
    assert "team/state.json" in bucket.objects()


def test_a_write_over_a_version_it_did_not_read_is_refused(bucket: Bucket) -> None:
    remote(bucket).save(owning(("a", "g-1")))
    one, two = remote(bucket), remote(bucket)
    one_state, two_state = one.load(), two.load()
    one.save(one_state.with_order("b", StateEntry("g-2")))
    with pytest.raises(StateConflictError, match="written by another run"):
        two.save(two_state.with_order("c", StateEntry("g-3")))
    assert set(remote(bucket).load().orders) == {"a", "b"}  # nothing was lost


def test_two_first_writes_cannot_both_succeed(bucket: Bucket) -> None:
    one, two = remote(bucket), remote(bucket)
    one.load(), two.load()
    one.save(owning(("a", "g-1")))
    with pytest.raises(StateConflictError):
        two.save(owning(("b", "g-2")))


def test_the_lock_names_its_holder_and_waits_when_asked(bucket: Bucket) -> None:
    holder, other = remote(bucket), remote(bucket)
    locked = pytest.raises(StateLockedError, match=r"apply since .*force-unlock [0-9a-f-]{36}")
    with holder.lock(operation="apply"), locked, other.lock():
        pass
    released = threading.Event()

    def hold_briefly() -> None:
        with holder.lock():
            released.set()
            time.sleep(1.5)

    thread = threading.Thread(target=hold_briefly)
    thread.start()
    released.wait(10)
    started = time.monotonic()
    with other.lock(timeout=30):
        waited = time.monotonic() - started
    thread.join()
    assert 0.3 < waited < 30
    assert "team/state.json.lock" not in bucket.objects()


def test_a_dead_holders_lock_is_forced_away_by_its_id(bucket: Bucket) -> None:
    dead = remote(bucket).lock(operation="apply")
    dead.__enter__()  # never released: the holder died
    with pytest.raises(StateLockedError) as locked, remote(bucket).lock():
        pass
    lock_id = str(locked.value).split("force-unlock ")[1].rstrip("'")
    with pytest.raises(StateError, match="nothing was unlocked"):
        remote(bucket).force_unlock("00000000-0000-0000-0000-000000000000")
    message = remote(bucket).force_unlock(lock_id)
    assert message.startswith("removed the lock") and "apply since" in message
    with remote(bucket).lock():
        pass
    assert "not locked" in remote(bucket).force_unlock(lock_id)


def test_a_state_may_not_record_an_order_another_state_owns(bucket: Bucket) -> None:
    team_a, team_b = remote(bucket, "a/state.json", "a"), remote(bucket, "b/state.json", "b")
    team_a.save(owning(("fields", "G-1")))
    assert team_b.others(OWNER.account) == {"g-1": f"workspace a ({bucket.url('a/state.json')})"}
    team_b.load()
    with pytest.raises(OwnershipError, match="owned by workspace a"):
        team_b.save(owning(("fields", "g-1")))
    assert "b/state.json" not in bucket.objects()  # nothing was recorded
    team_a.save(team_a.load().without("fields"))  # a lets it go
    team_b.save(owning(("fields", "g-1")))
    assert team_a.others(OWNER.account) == {"g-1": f"workspace b ({bucket.url('b/state.json')})"}


def test_migrate_copies_every_entry_and_intent_and_keeps_the_source(
    bucket: Bucket, tmp_path: Path
) -> None:
    local = StateFile(tmp_path / "state.json", SEALER)
    intent = Intent(IntentKind.CANCEL, "old", guid="g-9")
    local.save(owning(("a", "g-1"), ("b", "g-2")).with_intent(intent))
    before = local.path.read_text()
    assert migrate_state(local, remote(bucket)) == 2
    moved = remote(bucket).load()
    assert set(moved.orders) == {"a", "b"} and moved.intents == (intent,)
    assert moved.lineage == local.load().lineage and moved.trust.clean
    assert local.path.read_text() == before
    other = StateFile(tmp_path / "other.json", SEALER)
    other.save(owning(("z", "g-7")))
    with pytest.raises(StateError, match="already holds another state"):
        migrate_state(other, remote(bucket))


def test_bad_locations_are_one_clear_error(bucket: Bucket) -> None:
    for url, words in [
        ("s3://key:secret@bucket/state.json", "may not carry credentials"),
        ("s3://bucket", "needs a bucket and an object path"),
        ("ftp://bucket/state.json", "use s3://"),
    ]:
        with pytest.raises(StateError, match=words):
            RemoteState(RemoteSettings(url))
    with pytest.raises(StateError, match="use https"):
        RemoteState(RemoteSettings(bucket.url(), "http://192.0.2.1:9000"))
    from reconciler.sandbox.server import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(StateError, match=r"cannot read s3://"):
        RemoteState(RemoteSettings(bucket.url(), closed)).load()
    assert time.monotonic() - started < 30


def test_an_unreadable_state_object_is_a_located_error(bucket: Bucket) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=bucket.endpoint)
    s3.put_object(Bucket=bucket.name, Key="team/state.json", Body=b"{not json")
    with pytest.raises(StateError, match=r"s3://.*team/state.json is not JSON"):
        remote(bucket).load()
    s3.put_object(Bucket=bucket.name, Key="team/state.json", Body=json.dumps({"version": 1}))
    with pytest.raises(StateError, match="lineage"):
        remote(bucket).load()


def test_a_lock_object_too_large_to_read_can_still_be_forced_away(bucket: Bucket) -> None:
    state = remote(bucket)
    state._put(state.key + ".lock", b"x" * (70 * 1024), None)
    with (
        pytest.raises(StateLockedError, match=r"over 64 KiB.*force-unlock unreadable"),
        remote(bucket).lock(),
    ):
        pass
    assert remote(bucket).force_unlock("unreadable").startswith("removed the lock")
    with remote(bucket).lock():
        pass

"""The state file: strict, atomic, backed up (never by a fresh start), restorable, locked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import StateError, StateLockedError
from reconciler.planning import Cost, StateEntry
from reconciler.state import State, StateFile


def saved(tmp_path: Path, *names: str) -> StateFile:
    states = StateFile(tmp_path / ".clearsky" / "state.json")
    state = State()
    for number, name in enumerate(names):
        state = states.save(state.with_order(name, StateEntry(f"g{number}")))
    return states


def test_saves_bump_the_serial_keep_the_lineage_and_a_backup_copy(tmp_path: Path) -> None:
    states = StateFile(tmp_path / ".clearsky" / "state.json")
    first = states.save(State({"a": StateEntry("g1", "f1", cost=Cost(1.0, 2.0))}))
    second = states.save(first.with_order("b", StateEntry("g2", labels={"team": "agri"})))
    assert (first.serial, second.serial) == (1, 2) and first.lineage == second.lineage
    loaded = states.load()
    assert loaded.orders["a"].cost == Cost(1.0, 2.0)
    assert loaded.orders["b"].labels == {"team": "agri"}
    backup = json.loads(states.backup.read_text())
    assert backup["serial"] == 2 and list(backup["orders"]) == ["a", "b"]
    assert not list(states.path.parent.glob("*.tmp"))


def test_a_missing_file_without_a_backup_is_an_empty_state(tmp_path: Path) -> None:
    assert StateFile(tmp_path / "none.json").load().orders == {}


def test_a_missing_file_with_a_backup_of_orders_is_refused_with_the_way_back(
    tmp_path: Path,
) -> None:
    states = saved(tmp_path, "a", "b", "c")
    states.path.unlink()
    with pytest.raises(StateError, match=r"records 3 order\(s\).*'clearsky-orders state restore'"):
        states.load()
    assert sorted(states.restore().orders) == ["a", "b", "c"]


def test_a_broken_file_says_how_old_its_backup_is_and_how_to_restore_it(tmp_path: Path) -> None:
    states = saved(tmp_path, "a", "b")
    states.path.write_text('{"version": 1, "serial": 2, "lin')  # truncated by a crash
    with pytest.raises(StateError) as caught:
        states.load()
    message = str(caught.value)
    assert "not JSON" in message and "state.json.backup (saved just now, 2 order(s))" in message
    assert "'clearsky-orders state restore'" in message and "remove" not in message
    assert sorted(states.restore().orders) == ["a", "b"]
    assert states.path.with_name("state.json.broken").exists()


def test_a_state_that_started_afresh_never_overwrites_the_backup(tmp_path: Path) -> None:
    states = saved(tmp_path, "a", "b")  # the backup records "a" and "b"
    states.path.unlink()  # deleted; someone starts afresh (a new lineage)
    first = states.save(State({"x": StateEntry("gx")}))
    states.save(first.with_order("y", StateEntry("gy")))
    states.save(states.load().with_order("z", StateEntry("gz")))
    assert list(json.loads(states.backup.read_text())["orders"]) == ["a", "b"]


def test_two_names_owning_one_order_are_refused(tmp_path: Path) -> None:
    states = saved(tmp_path, "a")
    body = json.loads(states.path.read_text())
    body["orders"]["b"] = {**body["orders"]["a"], "orderGuid": "G0"}
    states.path.write_text(json.dumps(body))
    with pytest.raises(StateError, match=r"'a' and 'b' both own order G0"):
        states.load()


H = "ab" * 32
SEEN = {"manifest": H, "listed": H, "listedFingerprint": H}


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("preventCancel", "yes", "orders.a.preventCancel"),
        ("orderGuid", 7, "orders.a.orderGuid"),
        ("estimate", {"currentMonthCost": "cheap", "nextMonthCost": 1}, "currentMonthCost"),
        ("surprise", 1, "orders.a.surprise"),
        ("seen", {"manifest": "x", "listed": H, "listedFingerprint": H}, "seen.manifest"),
        ("seen", {"manifest": H, "listed": H}, "seen.listedFingerprint"),
        ("seen", {**SEEN, "bounds": [1.0, 2.0, 3.0]}, "seen.bounds"),
        ("seen", {**SEEN, "bounds": [1.0, 95.0, 3.0, 4.0]}, "seen.bounds.1"),
        ("seen", {**SEEN, "bounds": [1.0, "2", 3.0, 4.0]}, "seen.bounds.1"),
        ("seen", {**SEEN, "surprise": 1}, "seen.surprise"),
    ],
)
def test_a_field_of_the_wrong_type_is_one_located_error(
    tmp_path: Path, field: str, value: object, where: str
) -> None:
    states = saved(tmp_path, "a")
    body = json.loads(states.path.read_text())
    body["orders"]["a"][field] = value
    states.path.write_text(json.dumps(body))
    with pytest.raises(StateError, match=where.replace(".", r"\.")):
        states.load()


def test_a_newer_version_asks_for_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": 99, "orders": {}}))
    with pytest.raises(StateError, match="state version 99"):
        StateFile(path).load()


def test_taking_the_lock_removes_what_killed_writes_left(tmp_path: Path) -> None:
    states = saved(tmp_path, "a")
    stray = states.path.parent / ".state.json.abc123.tmp"
    stray.write_text("{")
    other = states.path.parent / ".unrelated.tmp"
    other.write_text("{")
    with states.lock():
        assert not stray.exists() and other.exists()


def test_the_lock_refuses_a_second_holder_and_is_released(tmp_path: Path) -> None:
    states = StateFile(tmp_path / "state.json")
    with (
        states.lock(),
        pytest.raises(StateLockedError, match="locked by another run"),
        StateFile(tmp_path / "state.json").lock(),
    ):
        pass
    with states.lock():
        pass


@pytest.mark.parametrize(
    "file", ["../outside.yaml", "/etc/passwd", "a/../../b.yaml", "a\\b", "a\nb"]
)
def test_an_entry_file_outside_the_workspace_is_refused(tmp_path: Path, file: str) -> None:
    path = tmp_path / "state.json"
    StateFile(path).save(State(orders={"a": StateEntry("g-1", file="a.yaml")}))
    data = json.loads(path.read_text())
    assert data["orders"]["a"]["file"] == "a.yaml"
    data["orders"]["a"]["file"] = file
    path.write_text(json.dumps(data))
    with pytest.raises(StateError, match=r"orders\.a\.file"):
        StateFile(path).load()


def test_a_journal_a_killed_apply_left_is_folded_in_when_the_lock_is_next_taken(
    tmp_path: Path,
) -> None:
    from reconciler.state import Sealer

    sealer = Sealer.for_api_key("journal-key")
    states = StateFile(tmp_path / "state.json", sealer)
    state = states.save(State(orders={"a": StateEntry("g-a")}))
    states._journaling = True  # inside apply: the next write is a journal line ...
    states.save(state.with_order("b", StateEntry("g-b")))
    assert states.journal.exists()  # ... and the run is killed before its last whole write
    on_disk = json.loads(states.path.read_text())
    assert sorted(on_disk["orders"]) == ["a"]
    fresh = StateFile(tmp_path / "state.json", sealer)
    with fresh.lock():
        pass  # any run that holds the lock, even one with nothing to do
    assert not fresh.journal.exists()
    assert sorted(json.loads(fresh.path.read_text())["orders"]) == ["a", "b"]
    assert fresh.load().trust.clean
    assert fresh.lock_path.read_text() == ""  # says nothing once the run is over

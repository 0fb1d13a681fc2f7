"""The state file: versioned, atomic, backed up, locked, and clear when it is broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import StateError, StateLockedError
from reconciler.planning import Cost, StateEntry
from reconciler.state import State, StateFile


def test_saves_bump_the_serial_keep_the_lineage_and_back_up_the_previous(tmp_path: Path) -> None:
    states = StateFile(tmp_path / ".clearsky" / "state.json")
    first = states.save(State({"a": StateEntry("g1", "f1", cost=Cost(1.0, 2.0))}))
    second = states.save(first.with_order("b", StateEntry("g2", labels={"team": "agri"})))
    assert (first.serial, second.serial) == (1, 2) and first.lineage == second.lineage
    loaded = states.load()
    assert loaded.orders["a"].cost == Cost(1.0, 2.0)
    assert loaded.orders["b"].labels == {"team": "agri"}
    backup = json.loads(states.backup.read_text())
    assert backup["serial"] == 1 and list(backup["orders"]) == ["a"]
    assert not list(states.path.parent.glob("*.tmp"))


def test_a_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    assert StateFile(tmp_path / "none.json").load().orders == {}


def test_a_broken_file_says_how_to_recover(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(StateError, match=r"state\.json\.backup"):
        StateFile(path).load()
    path.write_text(json.dumps({"version": 99, "orders": {}}))
    with pytest.raises(StateError, match="state version 99"):
        StateFile(path).load()


def test_the_lock_refuses_a_second_holder_and_is_released(tmp_path: Path) -> None:
    states = StateFile(tmp_path / "state.json")
    with (
        states.lock(),
        pytest.raises(StateLockedError, match="another apply is running"),
        StateFile(tmp_path / "state.json").lock(),
    ):
        pass
    with states.lock():
        pass

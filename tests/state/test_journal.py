"""The journal: inside apply's batch a write appends what changed, so it costs the same at
10 entries and at 50,000; leaving the batch writes the state whole; a crash is replayed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.planning import Cost, StateEntry
from reconciler.planning.model import Intent, IntentKind
from reconciler.state import Sealer, State, StateFile

SEALER = Sealer.for_api_key("journal-test-key")


def many(count: int) -> State:
    return State(
        {f"n-{i:05d}": StateEntry(f"g-{i}", "f" * 64, False, Cost(1, 2)) for i in range(count)}
    )


def test_a_write_in_a_batch_appends_only_what_changed(tmp_path: Path) -> None:
    states = StateFile(tmp_path / "state.json", SEALER)
    states.save(many(2000))
    whole = states.path.read_bytes()
    with states.batch():
        current = states.load()
        current = states.save(current.with_intent(Intent(IntentKind.CANCEL, "n-00001", guid="g-1")))
        current = states.save(current.with_order("new", StateEntry("g-new", "e" * 64)))
        assert states.path.read_bytes() == whole  # the file is not rewritten
        lines = states.journal.read_text().splitlines()
        assert len(lines) == 2 and all(len(line) < 1000 for line in lines)
        assert set(StateFile(states.path, SEALER).load().orders) == set(current.orders)
    assert not states.journal.exists()
    loaded = StateFile(states.path, SEALER).load()
    assert "new" in loaded.orders and loaded.serial == current.serial and loaded.trust.clean


def test_a_crash_inside_the_batch_is_replayed_and_a_torn_line_ignored(tmp_path: Path) -> None:
    states = StateFile(tmp_path / "state.json", SEALER)
    states.save(many(3))
    batch = states.batch()
    batch.__enter__()  # the process dies inside: the batch never ends
    current = states.load()
    intent = Intent(IntentKind.CANCEL, "n-00001", guid="g-1")
    states.save(current.with_intent(intent))
    with states.journal.open("a") as journal:
        journal.write('{"body": {"serial": 99')  # a write the crash cut short
    reread = StateFile(states.path, SEALER).load()
    assert reread.intents == (intent,) and reread.trust.clean


def test_a_journal_line_changed_outside_the_tool_is_refused(tmp_path: Path) -> None:
    states = StateFile(tmp_path / "state.json", SEALER)
    states.save(many(3))
    with states.batch():
        current = states.load()
        states.save(current.without("n-00001"))
        lines = states.journal.read_text().splitlines()
        line = json.loads(lines[0])
        line["body"]["set"] = {"ghost": {"orderGuid": "g-x", "preventCancel": False}}
        states.journal.write_text(json.dumps(line) + "\n")
        with pytest.raises(StateError, match="journal was changed outside"):
            StateFile(states.path, SEALER).load()
        states.journal.write_text("\n".join(lines) + "\n")  # put back: the batch can end


def test_restore_brings_back_the_backup_and_what_the_journal_recorded_since(
    tmp_path: Path,
) -> None:
    states = StateFile(tmp_path / "state.json", SEALER)
    states.save(many(3))  # the state and its backup copy
    batch = states.batch()
    batch.__enter__()  # killed inside apply, then the state file was lost
    intent = Intent(IntentKind.CREATE, "made", fingerprint="e" * 64)
    states.save(states.load().without("n-00000").with_intent(intent))
    states.path.unlink()
    restored = states.restore()
    assert sorted(restored.orders) == ["n-00001", "n-00002"] and restored.intents == (intent,)
    reread = StateFile(states.path, SEALER).load()
    assert reread.intents == (intent,) and reread.trust.clean


def test_restore_sets_aside_a_journal_that_does_not_follow_the_backup(tmp_path: Path) -> None:
    states = StateFile(tmp_path / "state.json", SEALER)
    states.save(many(3))
    batch = states.batch()
    batch.__enter__()
    states.save(states.load().without("n-00000"))
    lines = states.journal.read_text().splitlines()
    body = json.loads(lines[0])
    body["body"]["serial"] += 5  # a journal of some later version
    states.journal.write_text(json.dumps(body) + "\n")
    assert len(states.restore().orders) == 3
    assert not states.journal.exists()
    assert states.journal.with_name("state.json.journal.broken").exists()


def test_the_journal_replays_to_exactly_the_state_written(tmp_path: Path) -> None:
    states = StateFile(tmp_path / "state.json", SEALER)
    states.save(many(50))
    batch = states.batch()
    batch.__enter__()  # replayed before the batch ends, as after a crash
    current = states.load()
    current = states.save(current.with_order("a", StateEntry("g-a")).without("n-00003"))
    replaced = {**current.orders, "n-00004": StateEntry("g-other")}
    del replaced["n-00005"]
    current = states.save(current.with_orders(replaced))  # what changed is not known here
    current = states.save(current.with_order("n-00006", StateEntry("g-6b", "e" * 64)))
    reread = StateFile(states.path, SEALER).load()
    assert dict(reread.orders) == dict(current.orders) and reread.serial == current.serial


def test_a_journal_line_with_a_serial_that_is_not_a_number_is_one_error(tmp_path: Path) -> None:
    states = StateFile(tmp_path / "state.json", SEALER)
    states.save(many(2))
    body = {"serial": "x", "lineage": states.load().lineage, "set": {}, "unset": []}
    states.journal.write_text(json.dumps({"body": body, "mac": ""}) + "\n")
    with pytest.raises(StateError, match=r"state.json.journal:1: not a journal line"):
        StateFile(states.path, SEALER).load()

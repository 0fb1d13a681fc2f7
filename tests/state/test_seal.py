"""The seal: what apply writes is sealed; what changed outside the tool is named, untrusted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.planning import Cost, StateEntry
from reconciler.planning.model import Intent, IntentKind
from reconciler.state import Owner, Sealer, State, StateFile

KEY = "seal-test-api-key"


def sealed_file(tmp_path: Path, sealer: Sealer | None = None) -> StateFile:
    states = StateFile(tmp_path / "state.json", sealer or Sealer.for_api_key(KEY))
    state = State(
        {
            "a": StateEntry("g-a", "f1", True, Cost(1.0, 10.0)),
            "b": StateEntry("g-b", "f2", False, Cost(2.0, 20.0)),
        },
        owner=Owner("http://localhost", "acct"),
    )
    states.save(state)
    return states


def edit(states: StateFile, change: object) -> None:
    body = json.loads(states.path.read_text())
    change(body)  # type: ignore[operator]
    states.path.write_text(json.dumps(body))


def test_what_apply_wrote_is_trusted_and_the_key_is_not_in_the_file(tmp_path: Path) -> None:
    states = sealed_file(tmp_path)
    loaded = states.load()
    assert loaded.trust.clean and loaded.untrusted == frozenset()
    text = states.path.read_text()
    assert KEY not in text and Sealer.for_api_key(KEY).key.hex() not in text
    assert "<key>" in repr(Sealer.for_api_key(KEY))


def test_each_kind_of_hand_edit_is_named(tmp_path: Path) -> None:
    cases = {
        "added": lambda b: b["orders"].update(c={"orderGuid": "g-c", "preventCancel": False}),
        "guid case": lambda b: b["orders"]["a"].update(orderGuid="G-A"),
        "cost": lambda b: b["orders"]["b"]["estimate"].update(nextMonthCost=0.5),
        "protection": lambda b: b["orders"]["a"].update(preventCancel=False),
    }
    changed = {"added": ("c",), "guid case": ("a",), "cost": ("b",), "protection": ("a",)}
    for case, change in cases.items():
        folder = tmp_path / case.replace(" ", "-")
        folder.mkdir()
        states = sealed_file(folder)
        edit(states, change)
        loaded = states.load()
        assert loaded.trust.changed == changed[case], case
        assert loaded.untrusted == frozenset(changed[case]), case
        assert "changed outside clearsky-orders" in loaded.trust.summary(), case


def test_an_untrusted_entry_lifts_no_protection_and_lowers_no_cost(tmp_path: Path) -> None:
    states = sealed_file(tmp_path)
    edit(states, lambda b: b["orders"]["a"].update(preventCancel=False))
    loaded = states.load()
    guarded, protected = loaded.guarded(), loaded.protections()
    assert guarded["a"].prevent_cancel is False and guarded["a"].cost is None
    assert protected["a"].prevent_cancel is True and protected["a"].cost is None
    assert guarded["b"].cost == Cost(2.0, 20.0)  # the sealed one is used as recorded


def test_a_removed_entry_is_an_other_change_and_the_rest_stay_trusted(tmp_path: Path) -> None:
    removed = sealed_file(tmp_path)
    edit(removed, lambda b: b["orders"].pop("b"))
    loaded = removed.load()
    trust = loaded.trust
    assert trust.changed == () and trust.other_changes and not trust.clean
    assert trust.whole and loaded.untrusted == frozenset()
    assert "entries were removed" in trust.summary()


def test_changed_intents_make_nothing_in_the_state_trusted(tmp_path: Path) -> None:
    states = sealed_file(tmp_path)
    edit(states, lambda b: b.update(intents=[{"kind": "cancel", "name": "a", "guid": "g-a"}]))
    loaded = states.load()
    assert loaded.trust.forged and not loaded.trust.whole
    assert loaded.untrusted == {"a", "b"} and loaded.trusted_intents == ()
    assert "none of its entries or unfinished operations is trusted" in loaded.trust.summary()


def test_an_entry_and_its_digest_copied_from_another_version_are_untrusted(
    tmp_path: Path,
) -> None:
    states = sealed_file(tmp_path)
    old = json.loads(states.path.read_text())  # "a" protected
    state = states.load()
    states.save(state.with_order("a", StateEntry("g-a", "f1", False, Cost(1.0, 10.0))))
    assert states.load().trust.clean  # the tool lifted the protection: sealed

    def splice(body: dict[str, Any]) -> None:  # put back the old "a", digest and all
        body["orders"]["a"] = old["orders"]["a"]
        body["seal"]["entries"]["a"] = old["seal"]["entries"]["a"]

    edit(states, splice)
    loaded = states.load()
    assert loaded.trust.changed == () and loaded.trust.forged
    assert loaded.untrusted == {"a", "b"}


def test_the_serial_is_sealed(tmp_path: Path) -> None:
    states = sealed_file(tmp_path)
    edit(states, lambda b: b.update(serial=b["serial"] + 100))
    loaded = states.load()
    assert loaded.trust.forged and loaded.untrusted == {"a", "b"}


def test_a_version_1_seal_is_still_read(tmp_path: Path) -> None:
    sealer = Sealer.for_api_key(KEY)
    states = sealed_file(tmp_path)
    body = json.loads(states.path.read_text())
    header = {
        "lineage": body["lineage"],
        "workspace": "",
        "owner": body["owner"],
        "intents": [],
    }
    body["seal"]["version"] = 1
    body["seal"]["digest"] = sealer.whole(header, body["seal"]["entries"])
    states.path.write_text(json.dumps(body))
    assert states.load().trust.clean


def test_an_unsealed_state_trusts_none_of_its_entries(tmp_path: Path) -> None:
    states = sealed_file(tmp_path)
    edit(states, lambda b: b.pop("seal"))
    loaded = states.load()
    assert not loaded.trust.sealed and loaded.untrusted == {"a", "b"}
    assert "not sealed" in loaded.trust.summary()


def test_another_key_trusts_nothing(tmp_path: Path) -> None:
    sealed_file(tmp_path)
    other = StateFile(tmp_path / "state.json", Sealer.for_api_key("another-key"))
    assert other.load().untrusted == {"a", "b"}
    unchecked = StateFile(tmp_path / "state.json", None).load()
    assert not unchecked.trust.checked and "not checked" in unchecked.trust.summary()


def test_writing_keeps_an_untrusted_entry_untrusted_until_the_tool_writes_it(
    tmp_path: Path,
) -> None:
    states = sealed_file(tmp_path)
    edit(states, lambda b: b["orders"]["a"].update(preventCancel=False))
    loaded = states.load()
    states.save(loaded.with_intent(Intent(IntentKind.CANCEL, "b", guid="g-b")))
    assert states.load().untrusted == {"a"}  # an apply's write does not launder it
    states.save(states.load().with_order("a", StateEntry("g-a", "f1", True)))
    assert states.load().untrusted == frozenset()


def test_sealing_accepts_the_state_as_it_is(tmp_path: Path) -> None:
    states = sealed_file(tmp_path)
    edit(states, lambda b: b["orders"]["a"].update(preventCancel=False))
    states.save(states.load().sealed_as_is())
    loaded = states.load()
    assert loaded.trust.clean and loaded.orders["a"].prevent_cancel is False


def test_whole_euro_figures_stay_sealed(tmp_path: Path) -> None:
    # the service may answer 100 rather than 100.0; read back, the figure is a float
    states = StateFile(tmp_path / "state.json", Sealer.for_api_key(KEY))
    states.save(State({"a": StateEntry("g-a", "f1", False, Cost(100, 250))}))
    assert states.load().trust.clean

"""Unchanged orders known from what apply saw: their AOIs stay unread, and nothing else does.

Apply records in each sealed state entry the raw keys of the manifest's spec and of the
order as the service lists it. A plan that finds both unchanged knows the pair equal without
reading either AOI; anything else (an edit, a field changed, a state edited by hand, a
manifest never applied) is read and compared as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from reconciler.domain.unread import Unread
from reconciler.manifest import load, load_chunk, prepare
from reconciler.sandbox.app import Dialect
from tests.conftest import AARHUS, BROKEN, SKAGEN, Repo, Result, Service, manifest

Cli = Callable[..., Result]

MOVED = "POLYGON((10.2 56.1, 10.32 56.1, 10.32 56.2, 10.2 56.2, 10.2 56.1))"
NEAR_SKAGEN = "POLYGON((10.60 57.72, 10.70 57.72, 10.70 57.78, 10.60 57.78, 10.60 57.72))"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kind of every AOI text read during the test ("wkt": a manifest's, "listed": the
    service's), with the text's first coordinates."""
    seen: list[str] = []
    read = Unread.read

    def counted(self: Unread) -> Any:
        seen.append(f"{self.kind} {self.text.split('((')[-1][:12]}")
        return read(self)

    monkeypatch.setattr(Unread, "read", counted)
    return seen


def state_of(repo: Repo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(repo.state.read_text())
    return data


def applied(cli: Cli) -> None:
    result = cli("apply", "--auto-approve")
    assert result.code == 0, result.out + result.err


def raw_key(repo: Repo, name: str) -> str:
    """The raw key a manifest's spec has as written now."""
    job = prepare([repo.root])
    chunk = load_chunk(job.files, job.root, job.defaults, job.catalog, unread=True)
    return next(o.spec.raw_key for o in chunk.orders if o.name == name)


def test_apply_records_what_it_saw_of_each_order(api_env: Service, repo: Repo, cli: Cli) -> None:
    applied(cli)
    for name in ("aarhus-bay", "skagen"):
        seen = state_of(repo)["orders"][name]["seen"]
        assert seen["manifest"] == raw_key(repo, name)
        assert len(seen["listed"]) == 64 and len(seen["listedFingerprint"]) == 64
        west, south, east, north = seen["bounds"]
        assert west < east and south < north
    assert state_of(repo)["orders"]["skagen"]["seen"]["bounds"] == [10.52, 57.7, 10.66, 57.76]


def test_unchanged_orders_are_planned_without_reading_their_aois(
    api_env: Service, repo: Repo, cli: Cli, reads: list[str]
) -> None:
    applied(cli)
    reads.clear()
    again = cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    assert "No changes" in again.out
    assert reads == []


def test_an_edited_aoi_is_read_and_replaced(
    api_env: Service, repo: Repo, cli: Cli, reads: list[str]
) -> None:
    applied(cli)
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", MOVED))
    reads.clear()
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert "-/+ replace   aarhus-bay" in planned.out
    assert "skagen" not in planned.out  # unchanged, and not read
    assert sorted(r.split()[0] for r in reads) == ["listed", "wkt"]  # aarhus-bay's two


def test_a_changed_field_with_the_same_aoi_is_replaced(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    applied(cli)
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=5))
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert "-/+ replace   aarhus-bay" in planned.out and "imageFrequency" in planned.out
    applied(cli)  # the new order is recorded with the new spec's fingerprint
    fingerprint = next(
        o.spec.fingerprint for o in load([repo.root]).orders if o.name == "aarhus-bay"
    )
    assert state_of(repo)["orders"]["aarhus-bay"]["fingerprint"] == fingerprint


def test_a_record_edited_by_hand_is_not_trusted(
    api_env: Service, repo: Repo, cli: Cli, reads: list[str]
) -> None:
    """A pull request that moves an AOI and records the new text as seen in the state (to
    hide the change) breaks the entry's seal: the AOI is read and the replace shown."""
    applied(cli)
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", MOVED))
    state = state_of(repo)
    state["orders"]["aarhus-bay"]["seen"]["manifest"] = raw_key(repo, "aarhus-bay")
    repo.state.write_text(json.dumps(state, indent=2))
    reads.clear()
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 1, planned.err  # refused until someone holding the key looks
    assert "changed outside clearsky-orders" in planned.out + planned.err
    assert "-/+ replace   aarhus-bay" in planned.out
    assert any(r.startswith("wkt 10.2 56.1") for r in reads)


def test_a_bad_aoi_is_reported_where_it_was_written_by_plan(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    broken = (BROKEN / "self-intersection.yaml").read_text()
    repo.write("self-intersection.yaml", broken)
    planned = cli("plan")
    assert planned.code == 1
    expected = broken.splitlines()[0].removeprefix("# expect: ")
    assert expected in planned.err
    assert "Traceback" not in planned.err


def test_overlaps_of_unchanged_manifests_are_still_told(
    api_env: Service, repo: Repo, cli: Cli, reads: list[str]
) -> None:
    repo.write(
        "coast/skagen-east.yaml",
        manifest(
            "skagen-east",
            NEAR_SKAGEN,
            frequency=2,
            model="Stratus2Fast",
            constellations="[Sentinel1, Sentinel2]",
        ),
    )
    applied(cli)
    reads.clear()
    planned = cli("plan")
    assert planned.code == 0, planned.err
    assert "overlaps manifest skagen-east" in planned.out
    assert "overlaps manifest skagen " in planned.out
    assert "aarhus-bay" not in planned.out
    assert reads and not any(AARHUS.split("((")[-1][:12] in r for r in reads)  # not read


def test_apply_records_unchanged_orders_a_state_did_not_have(
    api_env: Service, repo: Repo, cli: Cli, reads: list[str]
) -> None:
    """A state written before apply recorded what it saw (sealed as it is) is completed by
    the next apply that changes anything; from then on those orders are not read."""
    applied(cli)
    state = state_of(repo)
    for entry in state["orders"].values():
        del entry["seen"]
    repo.state.write_text(json.dumps(state, indent=2))
    assert cli("state", "seal").code == 0
    repo.write("north.yaml", manifest("north", SKAGEN.replace("57.", "58.")))
    applied(cli)
    assert state_of(repo)["orders"]["aarhus-bay"]["seen"]["manifest"] == raw_key(repo, "aarhus-bay")
    reads.clear()
    assert "No changes" in cli("plan").out
    assert reads == []


def test_the_older_dialect_is_recognised_too(
    api_env: Service, repo: Repo, cli: Cli, reads: list[str]
) -> None:
    api_env.sandbox.dialect = Dialect.PAGE
    applied(cli)
    reads.clear()
    assert "No changes" in cli("plan").out
    assert reads == []

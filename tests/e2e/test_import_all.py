"""Bringing an existing account under management: `import --all` writes a manifest for each
order made outside the tool, and the next plan has nothing to do. Against the sandbox served
on loopback, with orders created through the API (not by this tool)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reconciler.api import ClearskyClient, order_request
from reconciler.domain.calendar import month_end, month_start, next_month_start
from tests.conftest import (
    AARHUS,
    KEY_A,
    PAGE_WKT,
    SKAGEN,
    Repo,
    Result,
    Service,
    aarhus_tiles,
    spec,
)
from tests.e2e.test_plan_apply import live_orders, state_of

Cli = Callable[..., Result]
COLLECTION = (
    "GEOMETRYCOLLECTION(POLYGON((9.0 55.0, 9.1 55.0, 9.1 55.1, 9.0 55.1, 9.0 55.0)),"
    "POLYGON((9.3 55.0, 9.4 55.0, 9.4 55.1, 9.3 55.1, 9.3 55.0)))"
)
GEOJSON = {
    "type": "Polygon",
    "coordinates": [[[8.5, 55.5], [8.6, 55.5], [8.6, 55.6], [8.5, 55.6], [8.5, 55.5]]],
}
MULTI = (
    "MULTIPOLYGON(((10.0 56.0, 10.1 56.0, 10.1 56.1, 10.0 56.1, 10.0 56.0)),"
    "((10.3 56.0, 10.4 56.0, 10.4 56.1, 10.3 56.1, 10.3 56.0)))"
)


def _made_elsewhere(service: Service) -> list[str]:
    """Orders of every kind, made through the API as a dashboard or a script would."""
    from dataclasses import replace

    today = datetime.now(UTC).date()
    this, following = month_start(today), next_month_start(today)
    past = month_start(this - timedelta(days=1))

    tile, minis = aarhus_tiles(service)

    earlier = month_start(past - timedelta(days=1))
    s2, s1 = frozenset({"Sentinel2"}), frozenset({"Sentinel1", "Sentinel2"})

    async def go() -> list[str]:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            specs = [
                replace(spec(PAGE_WKT), start=following),  # recurring
                replace(spec(SKAGEN, frequency=5, end=month_end(following)), start=this),
                replace(spec(MULTI, frequency=7), start=past),  # a backfill
                replace(spec(COLLECTION, frequency=6, end=month_end(past)), start=earlier,
                        model="Stratus2NoSnow", storage_months=3),  # historical
                replace(spec(AARHUS, frequency=2), start=following, aoi=None,
                        tiles=frozenset({tile}), model="Stratus3"),
                replace(spec(AARHUS, frequency=4), start=following, aoi=None,
                        mini_tiles=frozenset(minis[:2]), model="Stratus2Fast",
                        constellations=s1, api_requests=2),
            ]  # fmt: skip
            made = [await api.create_order(order_request(s)) for s in specs]
            nimbus = replace(spec(SKAGEN, frequency=1), start=following, model="Nimbus",
                             constellations=s2)  # fmt: skip
            sent_as_geojson = order_request(nimbus).model_copy(
                update={"wkt": None, "geo_json": GEOJSON}
            )
            made.append(await api.create_order(sent_as_geojson))
            return [m.task_order_guid for m in made]

    return asyncio.run(go())


def test_import_all_writes_manifests_that_plan_to_nothing(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    repo.remove("aarhus-bay.yaml")
    repo.remove("coast/skagen.yaml")
    made = _made_elsewhere(api_env)
    dry = cli("import", "--all", "--dry-run", "--format", "json", ".")
    assert dry.code == 0, dry.out + dry.err
    assert len(json.loads(dry.out)["written"]) == len(made)
    assert not (repo.root / "imported").exists()

    done = cli("import", "--all", "--write", "imported", "--format", "json", ".")
    assert done.code == 0, done.out + done.err
    written = json.loads(done.out)["written"]
    assert sorted(w["orderGuid"] for w in written) == sorted(made)
    assert cli("validate", ".").code == 0
    planned = cli("plan", "--detailed-exitcode", ".")
    assert planned.code == 0, planned.out + planned.err
    assert sorted(e["orderGuid"] for e in state_of(repo)["orders"].values()) == sorted(made)

    again = cli("import", "--all", "--write", "imported", "--format", "json", ".")
    assert json.loads(again.out)["written"] == []  # nothing twice

    gone = written[0]
    (repo.root / gone["file"]).unlink()
    applied = cli("apply", "--auto-approve", ".")
    assert applied.code == 0, applied.out + applied.err
    assert "Plan: 0 to create, 0 to replace, 1 to cancel" in applied.out
    assert gone["name"] not in state_of(repo)["orders"]
    left = {o.task_order_guid for o in live_orders(api_env)}
    assert gone["orderGuid"] not in left and len(left) == len(made) - 1  # the one, no other


def test_import_all_skips_what_is_not_ours_to_take(api_env: Service, repo: Repo, cli: Cli) -> None:
    from tests.conftest import running

    automatic = running(api_env, SKAGEN)
    stored = api_env.sandbox.store
    account = stored.account(KEY_A)
    assert account is not None
    order = next(o for o in stored.orders(account[0]) if o.guid == automatic)
    stored.update(order, is_automatic=True)
    found = cli("import", "--all", "--format", "json", ".")
    skipped = {s["orderGuid"]: s["why"] for s in json.loads(found.out)["skipped"]}
    assert "made by the service itself" in skipped[automatic]
    assert json.loads(found.out)["written"] == []


def test_a_plan_with_unmanaged_orders_names_the_command_that_adopts_them(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    _made_elsewhere(api_env)
    planned = cli("plan", "coast/..")
    assert "unmanaged order(s): 'clearsky-orders import --all" in " ".join(planned.out.split())


def test_import_one_order_writes_its_manifest(api_env: Service, repo: Repo, cli: Cli) -> None:
    made = _made_elsewhere(api_env)
    guid = made[2]  # the backfill: a multipolygon from last month
    written = cli("import", "harbour", guid, "--write", "coast/harbour.yaml", ".")
    assert written.code == 0, written.out + written.err
    text = (repo.root / "coast" / "harbour.yaml").read_text()
    assert "name: harbour" in text and "MULTIPOLYGON" in text
    assert state_of(repo)["orders"]["harbour"]["orderGuid"] == guid
    assert state_of(repo)["orders"]["harbour"]["file"] == "coast/harbour.yaml"
    planned = cli("plan", "--format", "json", ".")
    changes = {c["name"]: c["action"] for c in json.loads(planned.out)["changes"]}
    assert changes["harbour"] == "noop"  # unchanged: nothing to replace

    again = cli("import", "other", guid, "--write", "coast/other.yaml", ".")
    assert again.code == 1 and "the manifest 'harbour' describes it" in again.err
    taken = cli("import", "harbour", made[0], "--write", "coast/x.yaml", ".")
    assert taken.code == 1 and "'harbour' is taken" in taken.err
    kept = cli("import", "kept", made[0], "--write", "aarhus-bay.yaml", ".")
    assert kept.code == 1 and "never overwrites" in kept.err
    assert "name: aarhus-bay" in (repo.root / "aarhus-bay.yaml").read_text()
    outside = cli("import", "away", made[0], "--write", "../away.yaml", ".")
    assert outside.code == 1 and "outside the workspace" in outside.err
    assert not (repo.root.parent / "away.yaml").exists()
    dry = cli("import", "dry", made[0], "--write", "dry.yaml", "--dry-run", ".")
    assert dry.code == 0 and "name: dry" in dry.out and not (repo.root / "dry.yaml").exists()
    assert "dry" not in state_of(repo)["orders"]


def test_written_manifests_leave_out_what_the_defaults_give(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    repo.remove("aarhus-bay.yaml")
    repo.remove("coast/skagen.yaml")
    later = month_end(next_month_start(next_month_start(datetime.now(UTC).date())))
    repo.write(
        "clearsky.yaml",
        "apiVersion: clearsky-orders/v1\nkind: Config\ndefaults:\n  model: Stratus2\n"
        "  constellations: [Sentinel2, Sentinel1, Landsat89]\n  imageFrequency: 3\n"
        f"  to: {later.isoformat()}\n",
    )
    made = _made_elsewhere(api_env)
    done = cli("import", "--all", "--write", "imported", "--format", "json", ".")
    assert done.code == 0, done.out + done.err
    texts = {w["orderGuid"]: Path(w["file"]).read_text() for w in json.loads(done.out)["written"]}
    recurring = texts[made[0]]  # Stratus2, all three, every 3 days: as the defaults say
    assert "model:" not in recurring and "constellations:" not in recurring
    assert "imageFrequency:" not in recurring and "storageMonths" not in recurring
    assert "to: null" in recurring  # the default `to` would make it end: kept
    assert "model: Stratus2Fast" in texts[made[5]]
    assert cli("plan", "--detailed-exitcode", ".").code == 0

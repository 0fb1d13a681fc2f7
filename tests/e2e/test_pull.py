"""pull, products and acquisitions as a user runs them: the sandbox served over HTTP, orders
that started two months ago, every downloaded file opened with GDAL (rasterio)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import rasterio
from pyproj import Transformer
from rasterio.io import MemoryFile

from reconciler.sandbox import Dialect, Sandbox, serve_in_thread
from reconciler.sandbox.tiles import TileRef, utm_epsg
from tests.conftest import (
    AARHUS,
    CONFIG,
    KEY_A,
    Bucket,
    Repo,
    Result,
    Service,
    manifest,
    running,
)
from tests.e2e.conftest import DELIVERY, SMALL, credits_used, delivered, upload_config

Cli = Callable[..., Result]
pytestmark = pytest.mark.slow


def test_pull_downloads_every_delivered_date_as_a_geotiff_and_again_nothing(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    first = cli("pull", "--auto-approve")
    assert first.code == 0, first.out + first.err
    files = sorted((repo.root / "imagery" / "field").glob("*.tif"))
    assert [f.stem for f in files] == [d.isoformat() for d in dates]
    to_utm = Transformer.from_crs(4326, 32632, always_xy=True)
    x0, y0 = to_utm.transform(10.00, 56.30)
    x1, y1 = to_utm.transform(10.06, 56.34)
    for file in files:
        with rasterio.open(file) as ds:
            assert ds.crs.to_epsg() == 32632
            assert ds.res == (80.0, 80.0)
            # a file with an index is float32 throughout (the index is a normalised difference)
            assert ds.count == 4 and set(ds.dtypes) == {"float32"} and ds.nodata == -9999
            assert ds.descriptions == ("B4", "B3", "B2", "[B8_B4]")
            left, bottom, right, top = ds.bounds
            assert left <= x0 < left + 80 and right - 80 < x1 <= right + 80
            assert bottom <= y0 < bottom + 80 and top - 80 < y1 <= top + 80
            band = ds.read(1)
            assert band[0, 0] == -9999, "the corner is outside the triangle: NODATA"
            assert band[band.shape[0] * 3 // 4, band.shape[1] // 2] > 0, "inside: a value"
    # The estimate shown is what the downloads used.
    shown = float(first.out.split("estimated ")[1].split(" ")[0])
    assert shown == pytest.approx(credits_used(api_env), rel=1e-3) and shown > 0

    again = cli("pull", "--auto-approve")
    assert again.code == 0 and "Nothing to pull" in again.out
    everything = cli("pull", "--auto-approve", "--since", dates[0].isoformat())
    assert everything.code == 0 and f"({len(dates)} already complete)" in everything.out
    assert credits_used(api_env) == pytest.approx(shown, rel=1e-3), "nothing bought twice"


def test_a_changed_or_missing_file_is_fetched_again_and_only_that(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    assert cli("pull", "--auto-approve").code == 0
    folder = repo.root / "imagery" / "field"
    gone, changed, kept = (folder / f"{d.isoformat()}.tif" for d in dates[:3])
    gone.unlink()
    changed.write_bytes(changed.read_bytes()[:-10] + b"0123456789")  # same size, other bytes
    before, kept_bytes = credits_used(api_env), kept.read_bytes()
    (folder / f".{gone.name}.part").write_bytes(b"half a file")

    again = cli("pull", "--auto-approve", "--since", dates[0].isoformat(), "--format", "json")
    assert again.code == 0, again.out
    report = json.loads(again.out)
    assert sorted(f["path"] for f in report["downloaded"]) == sorted(
        f"field/{p.name}" for p in (gone, changed)
    )
    assert report["complete"] == len(dates) - 2
    assert gone.exists() and kept.read_bytes() == kept_bytes
    per_file = before / len(dates)
    assert credits_used(api_env) == pytest.approx(before + 2 * per_file, rel=1e-3)
    assert not list(folder.glob(".*.part"))


def test_a_date_that_fails_is_reported_at_the_end_and_the_rest_arrive(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    bad = dates[1]
    api_env.sandbox.faults.update(fail_date=bad.isoformat())
    first = cli("pull", "--auto-approve")
    assert first.code == 1
    assert f"failed: field/{bad.isoformat()}.tif" in first.err and "No imagery" in first.err
    arrived = {f.stem for f in (repo.root / "imagery" / "field").glob("*.tif")}
    assert arrived == {d.isoformat() for d in dates} - {bad.isoformat()}

    api_env.sandbox.faults.update(fail_date="")
    second = cli("pull", "--auto-approve", "--format", "json")  # starts again at the failure
    assert second.code == 0, second.out
    assert [f["date"] for f in json.loads(second.out)["downloaded"]] == [bad.isoformat()]


def test_the_credit_budget_stops_a_pull_before_anything_is_downloaded(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    repo.write("clearsky.yaml", CONFIG + "policy:\n  maxProcessingCredits: 0.001\n")
    stopped = cli("pull", "--auto-approve")
    assert stopped.code == 1
    assert "policy.maxProcessingCredits" in stopped.err and "nothing was downloaded" in stopped.err
    assert credits_used(api_env) == 0 and not (repo.root / "imagery" / "field").exists()


def test_dry_run_shows_the_files_and_credits_and_downloads_nothing(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    looked = cli("pull", "--dry-run")
    assert looked.code == 0
    assert f"Pull: {len(dates)} file(s) for 1 order(s)" in looked.out
    assert "processing credit(s)" in looked.out and credits_used(api_env) == 0
    refused = cli("pull")  # no terminal to confirm on
    assert refused.code == 1 and "--auto-approve" in refused.err


def test_tile_orders_come_per_minitile_in_their_own_utm_grid(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    epsg = utm_epsg(10.0, 56.3)
    to_utm = Transformer.from_crs(4326, epsg, always_xy=True)
    x, y = to_utm.transform(10.0, 56.3)
    minis = [TileRef(epsg, int(x // 51_200), int(y // 51_200), c, 3) for c in (4, 5)]
    guid = running(api_env, None, frequency=7, mini_tiles=[m.guid for m in minis])
    repo.write(
        "aarhus-bay.yaml",
        manifest("aarhus-bay").replace(
            f'wkt: "{AARHUS}"', "miniTiles: [" + ", ".join(m.guid for m in minis) + "]"
        ),
    )
    repo.remove("coast/skagen.yaml")
    assert cli("import", "aarhus-bay", guid).code == 0
    dates = delivered(api_env, guid)
    done = cli("pull", "--auto-approve", "--since", dates[-1].isoformat())
    assert done.code == 0, done.out + done.err
    for mini in minis:
        file = repo.root / "imagery" / "aarhus-bay" / dates[-1].isoformat() / f"{mini.guid}.tif"
        with rasterio.open(file) as ds:
            assert ds.crs.to_epsg() == epsg and ds.res == (10.0, 10.0)
            assert (ds.width, ds.height) == (320, 320)
            assert tuple(ds.bounds) == pytest.approx(mini.utm_box().bounds)
            assert ds.count == 10 and ds.dtypes[0] == "int16" and ds.nodata == -32768

    whole = repo.root / "whole"
    done = cli(
        "pull",
        "--auto-approve",
        "--since",
        dates[-1].isoformat(),
        "--tiles",
        "composite",
        "--resolution",
        "20",
        "--out",
        str(whole),
    )
    assert done.code == 0, done.out + done.err
    with rasterio.open(whole / "aarhus-bay" / f"{dates[-1].isoformat()}.tif") as ds:
        assert ds.crs.to_epsg() == epsg and ds.res == (20.0, 20.0)
        left, bottom, right, top = ds.bounds  # both minitiles, side by side: 6.4 x 3.2 km
        assert right - left == pytest.approx(6_400, abs=60)
        assert top - bottom == pytest.approx(3_200, abs=60)


def test_the_service_puts_each_file_into_a_bucket_through_a_presigned_url(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]], bucket: Bucket
) -> None:
    _, dates = small
    repo.write("clearsky.yaml", upload_config(bucket))
    sent = cli("pull", "--auto-approve", "--since", dates[-2].isoformat())
    assert sent.code == 0, sent.out + sent.err
    assert "X-Amz" not in sent.out + sent.err
    keys = [k for k in bucket.objects() if k.startswith("imagery/") and k.endswith(".tif")]
    assert keys == [f"imagery/field/{d.isoformat()}.tif" for d in dates[-2:]]
    import boto3

    body = (
        boto3.client("s3", endpoint_url=bucket.endpoint)
        .get_object(Bucket=bucket.name, Key=keys[0])["Body"]
        .read()
    )
    with MemoryFile(body) as memory, memory.open() as ds:
        assert ds.crs.to_epsg() == 32632 and ds.count == 4
    index = (repo.root / "imagery" / ".clearsky-pull.json").read_text()
    assert "X-Amz" not in index and not (repo.root / "imagery" / "field").exists()
    again = cli("pull", "--auto-approve", "--since", dates[-2].isoformat())
    assert again.code == 0 and "(2 already complete)" in again.out


class _Receiver(BaseHTTPRequestHandler):
    received: dict[str, bytes]

    def do_PUT(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        self.received[self.path] = self.rfile.read(length)
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[tuple[str, dict[str, bytes]]]:
    """An HTTP server on a free loopback port that keeps what is PUT to it."""
    received: dict[str, bytes] = {}
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_an_upload_url_template_receives_each_file_and_its_token_is_never_shown(
    api_env: Service,
    repo: Repo,
    cli: Cli,
    small: tuple[str, list[date]],
    receiver: tuple[str, dict[str, bytes]],
) -> None:
    url, received = receiver
    _, dates = small
    template = url + "/drop/{name}/{date}.tif?sig=s3cr3t-token"
    sent = cli("pull", "--auto-approve", "--upload-url-template", template, "--format", "json")
    assert sent.code == 0, sent.out + sent.err
    assert sorted(received) == [f"/drop/field/{d.isoformat()}.tif?sig=s3cr3t-token" for d in dates]
    for body in received.values():
        with MemoryFile(body) as memory, memory.open() as ds:
            assert ds.res == (80.0, 80.0)
    assert "s3cr3t" not in sent.out + sent.err
    assert "s3cr3t" not in (repo.root / "imagery" / ".clearsky-pull.json").read_text()


def test_an_upload_url_that_is_not_loopback_is_refused_by_the_sandbox(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    sent = cli(
        "pull",
        "--auto-approve",
        "--since",
        dates[-1].isoformat(),
        "--upload-url-template",
        "https://example.com/{date}.tif",
    )
    assert sent.code == 1 and "only to loopback" in sent.err


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("delivery:\n  out: ../outside\n", "leads outside the repository"),
        ("delivery:\n  layout: '../{name}/{date}.tif'\n", "without '..'"),
        ("delivery:\n  layout: '{name}/{when}.tif'\n", "unknown field {when}"),
        ("delivery:\n  layout: '{name}.tif'\n", "needs {date}"),
    ],
)
def test_a_layout_or_folder_that_leads_elsewhere_is_one_message(
    api_env: Service,
    repo: Repo,
    cli: Cli,
    small: tuple[str, list[date]],
    config: str,
    words: str,
) -> None:
    repo.write("clearsky.yaml", CONFIG + config)
    refused = cli("pull", "--auto-approve")
    assert refused.code == 1 and words in refused.err, refused.err
    assert "Traceback" not in refused.err and credits_used(api_env) == 0
    assert not (repo.root.parent / "outside").exists()


def test_a_broken_pull_index_is_named_and_nothing_is_downloaded(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    repo.write("imagery/.clearsky-pull.json", '{"files": {"x": {"size": -1}}}')
    refused = cli("pull", "--auto-approve")
    assert refused.code == 1 and ".clearsky-pull.json: not a pull index" in refused.err
    assert credits_used(api_env) == 0


def test_products_and_acquisitions_answer_for_an_order(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    text = cli("products", "field", "--date", dates[-1].isoformat())
    assert text.code == 0, text.err
    assert "input product(s) behind field" in text.out and "Sentinel2" in text.out
    listed = json.loads(
        cli("products", "field", "--date", dates[-1].isoformat(), "--format", "json").out
    )["products"]
    assert listed and all(p["acquired"][:10] <= dates[-1].isoformat() for p in listed)
    assert {p["constellation"] for p in listed} <= {"Sentinel1", "Sentinel2", "Landsat89"}
    mapped = json.loads(
        cli("products", "field", "--date", dates[-1].isoformat(), "--format", "geojson").out
    )
    assert mapped["type"] == "FeatureCollection" and mapped["features"][0]["geometry"]
    off_cadence = date.fromordinal(dates[-1].toordinal() - 1)
    refused = cli("products", "field", "--date", off_cadence.isoformat())
    assert refused.code == 1 and "code 1002" in refused.err

    passes = json.loads(cli("acquisitions", "field", "--days", "20", "--format", "json").out)
    today = datetime.now(UTC).date().isoformat()
    assert passes["passes"] and all(p["date"] >= today for p in passes["passes"])
    assert {p["satellite"] for p in passes["passes"]} >= {"S2A", "S1A"}
    bare = cli("acquisitions", SMALL, "--days", "3")
    assert bare.code == 0 and "satellite pass(es) over the AOI" in bare.out


def test_pull_works_against_the_older_dialect(
    service: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    service.sandbox.dialect = Dialect.PAGE
    monkeypatch.setenv("CLEARSKY_API_URL", service.url)
    monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
    repo.remove("coast/skagen.yaml")
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", SMALL, extra=DELIVERY))
    guid = running(service, SMALL, frequency=5)
    assert cli("import", "aarhus-bay", guid).code == 0
    dates = delivered(service, guid)
    done = cli(
        "pull", "--auto-approve", "--since", dates[-1].isoformat(), "--out", str(tmp_path / "out")
    )
    assert done.code == 0, done.out + done.err
    assert (tmp_path / "out" / "aarhus-bay" / f"{dates[-1].isoformat()}.tif").exists()


def test_plan_notes_the_passes_on_a_new_orders_first_image_dates_when_asked(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    quiet = cli("plan", "--format", "json")
    assert quiet.code == 0 and "planned satellite pass" not in quiet.out
    repo.write("clearsky.yaml", CONFIG + "notes:\n  passes: true\n")
    noted = cli("plan", "--format", "json")
    assert noted.code == 0, noted.err
    changes = {c["name"]: c for c in json.loads(noted.out)["changes"]}
    for name in ("aarhus-bay", "skagen"):
        line = next(w for w in changes[name]["warnings"] if "planned satellite pass" in w)
        passes, dates = int(line.split()[0]), int(line.split(" of the ")[1].split()[0])
        assert passes >= 1 and dates >= 1, line


class InFlight:
    """ASGI middleware: the most download requests the sandbox had in flight at once."""

    def __init__(self, app: Any) -> None:
        self.app, self.now, self.most = app, 0, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        counted = scope.get("path") == "/api/satelliteimages/process/composite"
        if counted:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            await self.app(scope, receive, send)
        finally:
            if counted:
                self.now -= 1


def test_downloads_run_concurrently_within_the_accounts_connections(
    repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox(max_concurrent_connections=3)
    sandbox.add_account(KEY_A, "a")
    sandbox.faults.update(latency_ms=40)
    watched = InFlight(sandbox.app())
    with serve_in_thread(watched) as url:
        monkeypatch.setenv("CLEARSKY_API_URL", url)
        monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
        repo.remove("coast/skagen.yaml")
        repo.write("aarhus-bay.yaml", manifest("aarhus-bay", SMALL, extra=DELIVERY))
        service = Service(sandbox, url)
        guid = running(service, SMALL, frequency=2)
        assert cli("import", "aarhus-bay", guid).code == 0
        done = cli("pull", "--auto-approve", "--parallelism", "8")
    assert done.code == 0, done.out + done.err
    assert len(delivered(service, guid)) > 6
    assert watched.most == 3, "as many as the account allows, and no more"


def _daily_field(api_env: Service, repo: Repo, cli: Cli) -> str:
    """The repository with one managed order over SMALL, imaging every day: its GUID."""
    repo.remove("aarhus-bay.yaml")
    repo.remove("coast/skagen.yaml")
    repo.write("field.yaml", manifest("field", SMALL, extra=DELIVERY))
    guid = running(api_env, SMALL, frequency=1)
    assert cli("import", "field", guid).code == 0
    return guid


@pytest.mark.parametrize("kill_after", [0.4, 0.9])
def test_a_pull_killed_midway_leaves_no_broken_file_and_the_next_one_completes(
    api_env: Service, repo: Repo, cli: Cli, kill_after: float
) -> None:
    dates = delivered(api_env, _daily_field(api_env, repo, cli))
    api_env.sandbox.faults.update(latency_ms=60)
    child = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "pull", "--auto-approve", "--parallelism", "2", "."],
        cwd=repo.root,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(kill_after)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    folder = repo.root / "imagery" / "field"
    arrived = sorted(folder.glob("*.tif")) if folder.exists() else []
    assert len(arrived) < len(dates), "killed before the end"
    for file in arrived:  # whatever is in place is whole
        with rasterio.open(file) as ds:
            assert ds.count == 4

    api_env.sandbox.faults.update(latency_ms=0)
    before = credits_used(api_env)
    again = cli("pull", "--auto-approve", "--since", dates[0].isoformat(), "--format", "json")
    assert again.code == 0, again.out + again.err
    report = json.loads(again.out)
    assert len(report["downloaded"]) + report["complete"] == len(dates)
    assert len(report["downloaded"]) == len(dates) - len(arrived), "nothing fetched twice"
    per_file = (credits_used(api_env) - before) / max(len(report["downloaded"]), 1)
    assert per_file > 0
    assert sorted(f.stem for f in folder.glob("*.tif")) == [d.isoformat() for d in dates]
    assert not list(folder.glob(".*.part"))


def test_an_order_whose_dates_cannot_be_read_fails_the_pull(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    api_env.sandbox.faults.update(
        fail_path="/api/satelliteimages/search/available", retry_after_s=0
    )
    failed = cli("pull", "--auto-approve")
    assert failed.code == 1
    assert "failed: field: cannot read its delivered dates" in failed.err


def test_a_layout_that_puts_two_orders_files_in_one_place_is_refused(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    repo.write("other.yaml", manifest("other", AARHUS))
    assert cli("import", "other", running(api_env, AARHUS, frequency=5)).code == 0
    refused = cli("pull", "--auto-approve", "--layout", "{date}.tif")
    assert refused.code == 1 and "puts two files at" in refused.err
    assert credits_used(api_env) == 0


def test_pull_never_writes_through_a_symlink_in_its_folder(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]], tmp_path: Path
) -> None:
    _, dates = small
    assert cli("pull", "--auto-approve").code == 0
    folder = repo.root / "imagery" / "field"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    first = folder / f"{dates[0].isoformat()}.tif"
    first.unlink()
    (folder / f".{first.name}.part").symlink_to(victim)  # planted: the download's temp file
    again = cli("pull", "--auto-approve", "--since", dates[0].isoformat())
    assert again.code == 0, again.out + again.err
    assert victim.read_text() == "keep me"
    assert first.is_file() and not first.is_symlink()
    # a symlinked order folder would send the files elsewhere: refused, nothing written there
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere, target_is_directory=True)
    refused = cli("pull", "--auto-approve", "--since", dates[0].isoformat())
    assert refused.code == 1 and "symlink" in refused.err
    assert list(elsewhere.iterdir()) == []


def test_pull_reads_its_index_and_files_bounded_and_never_hangs(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    assert cli("pull", "--auto-approve").code == 0
    folder = repo.root / "imagery" / "field"
    first = folder / f"{dates[0].isoformat()}.tif"
    first.unlink()
    first.symlink_to("/dev/zero")  # hashing it would never end
    second = folder / f"{dates[1].isoformat()}.tif"
    second.unlink()
    os.mkfifo(second)  # opening it would hang
    again = cli("pull", "--auto-approve", "--since", dates[0].isoformat())
    assert "Traceback" not in again.err and "internal error" not in again.err
    index = repo.root / "imagery" / ".clearsky-pull.json"
    index.unlink()
    index.symlink_to("/dev/zero")
    refused = cli("pull", "--auto-approve")
    assert refused.code == 1 and "not a pull index" in refused.err
    index.unlink()
    os.mkfifo(index)
    assert cli("pull", "--auto-approve").code == 1  # at once: no hang


def test_a_forged_index_date_is_one_message(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    assert cli("pull", "--auto-approve").code == 0
    index = repo.root / "imagery" / ".clearsky-pull.json"
    doc = json.loads(index.read_text())
    doc["pulled"]["field"] = "9999-12-31"
    index.write_text(json.dumps(doc))
    refused = cli("pull", "--auto-approve")
    assert refused.code == 1 and "not a pull index" in refused.err
    assert "internal error" not in refused.err


def test_an_answer_that_is_no_geotiff_fails_its_date_alone(
    api_env: Service,
    repo: Repo,
    cli: Cli,
    small: tuple[str, list[date]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reconciler.sandbox import imagery

    _, dates = small
    real, calls = imagery.geotiff, []

    def sometimes(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return b"<html>not an image</html>" if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(imagery, "geotiff", sometimes)
    pulled = cli("pull", "--auto-approve")
    assert pulled.code == 1
    assert pulled.err.count("failed:") == 1 and "not a GeoTIFF" in pulled.err
    assert len(list((repo.root / "imagery" / "field").glob("*.tif"))) == len(dates) - 1


def test_a_removed_file_is_fetched_again_by_the_next_pull_without_since(
    api_env: Service, repo: Repo, cli: Cli, small: tuple[str, list[date]]
) -> None:
    _, dates = small
    assert cli("pull", "--auto-approve").code == 0
    gone = repo.root / "imagery" / "field" / f"{dates[0].isoformat()}.tif"
    gone.unlink()
    again = cli("pull", "--auto-approve", "--format", "json")
    assert again.code == 0, again.out + again.err
    assert [f["path"] for f in json.loads(again.out)["downloaded"]] == [f"field/{gone.name}"]
    assert gone.is_file()


def test_a_pull_stopped_with_sigterm_leaves_no_temporary_file(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    _daily_field(api_env, repo, cli)
    api_env.sandbox.faults.update(latency_ms=300)  # every download is under way a while
    child = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "pull", "--auto-approve", "--parallelism", "2", "."],
        cwd=repo.root,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    folder = repo.root / "imagery" / "field"
    deadline = time.monotonic() + 20
    while not list(folder.glob(".*.part")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert list(folder.glob(".*.part")), "a download was under way"
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 1 and b"Traceback" not in err
    assert not list(folder.glob(".*.part"))

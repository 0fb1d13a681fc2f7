"""pull: fetch the imagery the managed orders paid for.

For each selected manifest whose order this state manages: the dates the service delivered
for the order's area (POST /api/satelliteimages/search/available, kept to the order's own
cadence and range), one file per date (per tile and date for tile orders, unless they come as
one composite of their area). Files already complete (size and sha256 as the pull index
records them) are skipped. The processing credits of what is left are estimated and summed
before anything is downloaded; policy.maxProcessingCredits and the caller's confirmation
stand between the estimate and the downloads.

Each file is streamed into a temporary file beside its final path, synced and renamed, then
recorded; with an upload target the service PUTs the file there instead (201) and the upload
is recorded. A date that fails is reported at the end; the others go on. Downloads run within
the parallelism and the account's MaxConcurrentConnections.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.api import ClearskyClient
from reconciler.api.imagery import (
    CompositeOptions,
    Source,
    download,
    download_body,
    estimate_credits,
)
from reconciler.domain.calendar import image_dates
from reconciler.domain.desired import DesiredOrder
from reconciler.domain.geometry import service_wkt
from reconciler.domain.live import LiveOrder
from reconciler.engine.deliveries import (
    LAYOUT,
    TILE_LAYOUT,
    OrderDelivery,
    check_layout,
    file_path,
    settle,
    upload_url,
    utm_zone,
)
from reconciler.engine.footprints import tile_footprints
from reconciler.engine.live import refresh
from reconciler.engine.plan import open_service
from reconciler.engine.pull_index import PullIndex, is_tiff, request_digest
from reconciler.engine.raster import RasterProblem
from reconciler.engine.stac import CATALOG_NAME, CatalogReport, OrderFacts, sync, write_item
from reconciler.engine.status import dates_for
from reconciler.engine.workspace import Workspace, project_dir
from reconciler.errors import ApiError, AuthError, ClearskyOrdersError, ConfigurationError
from reconciler.files import create_file, folders_below, inside
from reconciler.manifest import load
from reconciler.oneline import shown_url
from reconciler.progress import report

SAVE_EVERY_S = 2.0
"""How often the index is written while files arrive (and always at the end)."""


@dataclass(frozen=True)
class PullOptions:
    since: date | None = None
    until: date | None = None
    out: Path | None = None
    given: Mapping[str, Any] = field(default_factory=dict)
    """Delivery settings from the command line (over the manifests' and clearsky.yaml's), and
    `layout` and `upload_url_template`."""
    stac: bool = True
    """Write the STAC catalog (when clearsky.yaml's delivery.stac is not false too)."""


@dataclass(frozen=True)
class FileJob:
    name: str
    guid: str
    day: date
    tile: str
    """The tile or minitile GUID of a per-tile file; empty for a composite."""
    source: Source
    options: CompositeOptions
    body: dict[str, Any]
    request: str
    relpath: str
    upload_template: str | None = None
    """A URL template the service PUTs the file to, instead of sending it back."""
    upload_to: str | None = None
    """A bucket URL (s3://, gs://, az://) to presign a PUT URL in, per file."""

    @property
    def upload(self) -> bool:
        return bool(self.upload_template or self.upload_to)

    @property
    def label(self) -> str:
        return self.relpath


@dataclass
class PullPlan:
    out: Path
    index: PullIndex
    jobs: list[FileJob] = field(default_factory=list)
    complete: int = 0
    credits: float = 0.0
    notes: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    """Orders whose delivered dates the service would not tell: a failure of this pull."""
    ranges: dict[str, tuple[date, date]] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)
    """Each file's estimated processing credits, by its path."""
    over_budget: str = ""
    """Why the pull may not go ahead (policy.maxProcessingCredits), when it may not."""
    orders: dict[str, OrderFacts] = field(default_factory=dict)
    """What the STAC catalog says of each order, by lower-case GUID; empty: no catalog."""
    buckets: set[str] = field(default_factory=set)
    """The uploadTo bucket URLs of the selected orders (their catalogs are kept there)."""


@dataclass
class PullResult:
    plan: PullPlan
    declined: bool = False
    fetched: list[tuple[FileJob, int]] = field(default_factory=list)
    uploaded: list[FileJob] = field(default_factory=list)
    failed: list[tuple[FileJob, str]] = field(default_factory=list)
    catalog: CatalogReport | None = None
    bucket_catalogs: dict[str, CatalogReport] = field(default_factory=dict)
    """By uploadTo URL: the catalog kept beside the uploaded objects."""


Listener = Callable[[str, FileJob, str], None]
"""Told ('downloaded' | 'uploaded' | 'failed', job, detail) as each file ends."""


async def pull(
    workspace: Workspace,
    options: PullOptions,
    *,
    confirm: Callable[[PullPlan], bool],
    listener: Listener | None = None,
    today: date | None = None,
) -> PullResult:
    """Plan the pull, ask `confirm`, then fetch."""
    day = today or datetime.now(UTC).date()
    state = workspace.state_file.load()
    manifests = load(workspace.paths)
    out = _out_folder(workspace, options)
    plan = PullPlan(out=out, index=PullIndex.open(out))
    async with workspace.target.client() as client:
        await open_service(workspace, state, client)
        report("reading the account...")
        live = {o.key: o for o in await refresh(client)}
        chosen = _chosen(workspace, options, manifests.orders, state.orders, live, plan)
        footprints = await _plan_files(client, workspace, options, chosen, plan, day)
        if options.stac and workspace.config.delivery.stac:
            plan.orders = order_facts(state.orders, live, footprints)
            if any(c.delivery.upload_url and not c.delivery.upload_to for c in chosen):
                plan.notes.append(
                    "files the service PUTs to an uploadUrl get no STAC item: this tool cannot "
                    "read them back (uploadTo a bucket keeps a catalog there)"
                )
        plan.over_budget = _over_budget(workspace, plan)
        agreed = confirm(plan)  # shown first, whatever the budget says
        if plan.over_budget:
            raise ClearskyOrdersError(plan.over_budget)
        if not agreed:
            declined = PullResult(plan, declined=True)
            if not plan.jobs and plan.orders:  # nothing to fetch: the catalogs still follow
                await _catalogs(workspace, plan, declined)
            return declined
        result = PullResult(plan)
        try:
            await _fetch(client, workspace, plan, result, listener)
        finally:
            if plan.orders:  # in line with the files, whatever happened to the downloads
                await _catalogs(workspace, plan, result)
    _mark_pulled(plan, result)
    plan.index.save()
    return result


async def _catalogs(workspace: Workspace, plan: PullPlan, result: PullResult) -> None:
    report("writing the STAC catalog...")
    if plan.index.doc.files or (plan.out / CATALOG_NAME).exists():
        try:
            result.catalog = sync(plan.out, plan.index, plan.orders)
        except OSError as error:  # a full disk, a read-only folder: the files stay as they are
            said = error.strerror or str(error)
            result.catalog = CatalogReport(problems=[f"the STAC catalog was not kept: {said}"])
    if not plan.buckets:
        return
    from reconciler.engine.stac_bucket import sync_bucket
    from reconciler.engine.upload_urls import Signer

    fresh = {job.relpath for job in result.uploaded}
    endpoint = workspace.config.delivery.upload_endpoint
    for bucket in sorted(plan.buckets):
        signer = Signer(bucket, endpoint)
        result.bucket_catalogs[bucket] = await asyncio.to_thread(
            sync_bucket, signer, plan.index, plan.orders, fresh
        )


def order_facts(
    entries: Mapping[str, Any], live: Mapping[str, LiveOrder], footprints: Mapping[str, Any]
) -> dict[str, OrderFacts]:
    """What the catalog says of each order this state manages, by lower-case GUID."""
    found = {}
    for name, entry in entries.items():
        order = live.get(entry.guid.lower())
        spec = order.spec if order is not None else None
        if spec is None:
            found[entry.guid.lower()] = OrderFacts(name=name, guid=entry.guid)
            continue
        area = _area(spec, footprints)
        found[entry.guid.lower()] = OrderFacts(
            name=name,
            guid=entry.guid,
            model=spec.model,
            constellations=tuple(sorted(spec.constellations)),
            start=spec.start,
            end=spec.end,
            area_bbox=tuple(area.bounds) if area is not None and not area.is_empty else None,
        )
    return found


def _over_budget(workspace: Workspace, plan: PullPlan) -> str:
    ceiling = workspace.config.policy.max_processing_credits
    if ceiling is None or plan.credits <= ceiling:
        return ""
    return (
        f"policy.maxProcessingCredits: this pull would use an estimated {plan.credits:g} "
        f"processing credit(s) for {len(plan.jobs)} file(s), over the limit of "
        f"{ceiling:g}; nothing was downloaded. Pull fewer dates (--since, --until, "
        "--target) or at a coarser --resolution"
    )


def _out_folder(workspace: Workspace, options: PullOptions) -> Path:
    if options.out is not None:  # the user's own choice, anywhere
        return options.out
    base = project_dir(workspace.paths)
    out = base / workspace.config.delivery.out
    if Path(workspace.config.delivery.out).is_absolute() or not inside(out, base):
        raise ConfigurationError(
            f"delivery.out {workspace.config.delivery.out!r} in clearsky.yaml leads outside the "
            "repository; keep it inside, or give --out"
        )
    return out


@dataclass(frozen=True)
class _Chosen:
    desired: DesiredOrder
    order: LiveOrder
    delivery: OrderDelivery


def _chosen(
    workspace: Workspace,
    options: PullOptions,
    desired: Sequence[DesiredOrder],
    entries: Mapping[str, Any],
    live: Mapping[str, LiveOrder],
    plan: PullPlan,
) -> list[_Chosen]:
    selection = workspace.settings.selection
    names = {d.name for d in desired}
    unknown = sorted(selection.targets - names)
    if unknown:
        raise ClearskyOrdersError(f"--target {', '.join(unknown)}: no manifest has that name")
    chosen = []
    for wanted in sorted(desired, key=lambda d: d.name):
        if not selection.wants(wanted.name, wanted.labels):
            continue
        entry = entries.get(wanted.name)
        if entry is None:
            plan.notes.append(f"{wanted.name}: not applied yet; nothing to pull")
            continue
        order = live.get(entry.guid.lower())
        if order is None or order.spec is None:
            plan.notes.append(f"{wanted.name}: its order {entry.guid} is not in the account")
            continue
        if order.in_review:
            plan.notes.append(f"{wanted.name}: in review; nothing delivered yet")
            continue
        delivery = settle(
            workspace.config.delivery,
            dict(wanted.delivery),
            options.given,
            where=str(wanted.source),
        )
        chosen.append(_Chosen(wanted, order, delivery))
    return chosen


async def _plan_files(
    client: ClearskyClient,
    workspace: Workspace,
    options: PullOptions,
    chosen: list[_Chosen],
    plan: PullPlan,
    today: date,
) -> Mapping[str, Any]:
    footprints, notes = await tile_footprints([c.order.spec for c in chosen], client)
    plan.notes.extend(notes)
    report(f"asking the service what {len(chosen)} order(s) delivered...")
    asked = await client.bounded(
        [_dates_job(client, c, footprints, options, plan, today) for c in chosen]
    )
    first: dict[str, str] = {}
    plan.buckets = {c.delivery.upload_to for c in chosen if c.delivery.upload_to}
    for item, dates in zip(chosen, asked, strict=True):
        if isinstance(dates, BaseException):
            if isinstance(dates, AuthError) or not isinstance(dates, ApiError):
                raise dates
            plan.unread.append(f"{item.desired.name}: cannot read its delivered dates: {dates}")
            continue
        for job in _jobs(item, dates, footprints):
            if job.relpath in first:
                raise ConfigurationError(
                    f"the layout puts two files at {job.relpath} ({first[job.relpath]} and "
                    f"{job.name}): add {{name}}, {{date}} or {{tile}} to it"
                )
            first[job.relpath] = job.name
            if _already_there(plan, job):
                plan.complete += 1
            else:
                plan.jobs.append(job)
    await _estimate(client, plan)
    return footprints


def _dates_job(
    client: ClearskyClient,
    item: _Chosen,
    footprints: Mapping[str, Any],
    options: PullOptions,
    plan: PullPlan,
    today: date,
) -> Callable[[], Any]:
    spec = item.order.spec
    assert spec is not None
    name = item.desired.name

    async def job() -> list[date]:
        area = _area(spec, footprints)
        if area is None:
            plan.unread.append(f"{name}: the tile search could not draw its tiles")
            return []
        last_pulled = plan.index.pulled(name)
        start = options.since or (last_pulled + timedelta(days=1) if last_pulled else spec.start)
        start = max(start, spec.start)
        until = min(options.until or today, today, spec.end or today)
        plan.ranges[name] = (start, until)
        # files pulled before the window that were removed since (or changed size) come again
        gone = {d for d in plan.index.gone(item.order.guid, plan.out) if d < start}
        if until < start:
            return sorted(gone)
        answer = await client.available_dates(
            wkt=service_wkt(area), start=start.isoformat(), until=until.isoformat()
        )
        delivered = set(dates_for(answer.model_image_dates, spec.model, spec.constellations))
        cadence = image_dates(spec.reference_date, spec.image_frequency, start, until)
        return sorted({d for d in cadence if d in delivered} | gone)

    return job


def _area(spec: Any, footprints: Mapping[str, Any]) -> Any:
    if spec.geometry is not None:
        return spec.geometry
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    parts = [footprints.get(g.lower()) for g in (*spec.tiles, *spec.mini_tiles)]
    if not parts or any(p is None for p in parts):
        return None
    merged = shapely.union_all(parts)
    if isinstance(merged, Polygon):
        return MultiPolygon([merged])
    return merged


def _jobs(
    item: _Chosen,
    dates: list[date],
    footprints: Mapping[str, Any],
) -> list[FileJob]:
    spec = item.order.spec
    assert spec is not None
    delivery = item.delivery
    tiled = spec.geometry is None
    per_tile = tiled and delivery.per_tile
    layout = delivery.layout or (TILE_LAYOUT if per_tile else LAYOUT)
    check_layout(layout)
    if per_tile and "{tile}" not in layout:
        raise ConfigurationError(
            f"{item.desired.name}: the layout {layout!r} needs {{tile}} for a tile order "
            "downloaded per tile (or set delivery.tiles: composite)"
        )
    constellations = sorted(spec.constellations)
    jobs = []
    options = delivery.options
    if options.processing_level and spec.model.lower() != "nimbus":
        raise ConfigurationError(
            f"{item.desired.name}: delivery.processingLevel is for Nimbus orders only; "
            f"{spec.model} files come at one level"
        )
    if per_tile:
        sources = [(g, Source(tile=g)) for g in spec.tiles]
        sources += [(g, Source(mini_tile=g)) for g in spec.mini_tiles]
    else:
        area = _area(spec, footprints)
        sources = [("", Source(wkt=service_wkt(area)))]
        if delivery.epsg_utm:
            point = area.representative_point()
            options = replace(options, epsg=utm_zone(point.x, point.y))
    for day in dates:
        for tile, source in sources:
            body = download_body(source, day, spec.model, constellations, options)
            jobs.append(
                FileJob(
                    name=item.desired.name,
                    guid=item.order.guid,
                    day=day,
                    tile=tile,
                    source=source,
                    options=options,
                    body=body,
                    request=request_digest(body),
                    relpath=file_path(layout, item.desired.name, day, tile or "composite"),
                    upload_template=None if delivery.upload_to else delivery.upload_url,
                    upload_to=delivery.upload_to,
                )
            )
    return jobs


def _already_there(plan: PullPlan, job: FileJob) -> bool:
    if job.upload:
        return plan.index.uploaded(job.relpath, job.request)
    file = plan.out / job.relpath
    if plan.index.complete(job.relpath, job.request, file):
        return True
    if job.relpath not in plan.index.doc.files and is_tiff(file):
        # Renamed into place and not yet recorded (a run stopped in between): complete.
        plan.index.record(job.relpath, job.guid, job.day, job.request, file)
        return True
    return False


async def _estimate(client: ClearskyClient, plan: PullPlan) -> None:
    """Sum the processing credits of the files to fetch: one estimate per distinct source and
    settings (a file's cost does not depend on its date)."""
    distinct: dict[tuple[Source, CompositeOptions], FileJob] = {}
    for job in plan.jobs:
        distinct.setdefault((job.source, job.options), job)
    if not distinct:
        return
    report(f"estimating the processing credits of {len(plan.jobs)} file(s)...")
    keys = list(distinct)
    answers = await client.bounded([_estimate_job(client, *key) for key in keys])
    costs: dict[tuple[Source, CompositeOptions], float] = {}
    for key, answer in zip(keys, answers, strict=True):
        if isinstance(answer, BaseException):
            if not isinstance(answer, ApiError):
                raise answer
            raise ClearskyOrdersError(
                f"cannot estimate the processing credits of {distinct[key].relpath}: {answer}; "
                "nothing was downloaded"
            )
        costs[key] = answer
    plan.costs = {job.relpath: costs[(job.source, job.options)] for job in plan.jobs}
    plan.credits = round(sum(plan.costs.values()), 4)


def _estimate_job(
    client: ClearskyClient, source: Source, options: CompositeOptions
) -> Callable[[], Any]:
    async def run() -> float:
        answer = await estimate_credits(client, source, options)
        return answer.credit_estimate

    return run


async def _fetch(
    client: ClearskyClient,
    workspace: Workspace,
    plan: PullPlan,
    result: PullResult,
    listener: Listener | None,
) -> None:
    total = len(plan.jobs)
    if not total:
        return
    signers = _signers(workspace, plan)
    saved_at = time.monotonic()
    done = 0
    lock = asyncio.Lock()

    async def one(job: FileJob) -> None:
        nonlocal done, saved_at
        try:
            if job.upload:
                target = _upload_target(job, signers)
                await download(client, job.source, {**job.body, "UploadUrl": target}, _NoFile())
                plan.index.record_upload(
                    job.relpath, job.guid, job.day, job.request, shown_url(target)
                )
                result.uploaded.append(job)
                outcome, detail = "uploaded", shown_url(target)
            else:
                size = await _download_file(client, job, plan.out / job.relpath, plan.out)
                plan.index.record(
                    job.relpath, job.guid, job.day, job.request, plan.out / job.relpath
                )
                _write_item(plan, job)
                result.fetched.append((job, size))
                outcome, detail = "downloaded", f"{size} bytes"
        except AuthError:
            raise
        except (ClearskyOrdersError, OSError) as error:  # this date fails; the others go on
            message = str(error)  # what the service answered (status, code, text) and where
            result.failed.append((job, message))
            outcome, detail = "failed", message
        async with lock:
            done += 1
            report(f"{done}/{total} file(s)")
            if listener is not None:
                listener(outcome, job, detail)
            if time.monotonic() - saved_at > SAVE_EVERY_S:
                plan.index.save()
                saved_at = time.monotonic()

    try:
        await asyncio.gather(*(client.limited(_bind(one, job)) for job in plan.jobs))
    finally:
        plan.index.save()


def _write_item(plan: PullPlan, job: FileJob) -> None:
    """The file's STAC item, right after the file (the catalog's links follow at the end)."""
    order = plan.orders.get(job.guid.lower())
    if order is None:
        return
    with contextlib.suppress(RasterProblem, OSError):  # said by the catalog's sync at the end
        write_item(plan.out, job.relpath, plan.index.doc.files[job.relpath], order)


def _bind(one: Callable[[FileJob], Any], job: FileJob) -> Callable[[], Any]:
    async def run() -> None:
        await one(job)

    return run


class _NoFile:
    """The sink of an upload: the service answers 201 and sends no file."""

    def seek(self, offset: int, /) -> int:
        return 0

    def truncate(self, size: int | None = None, /) -> int:
        return 0

    def write(self, data: bytes, /) -> int:
        raise ClearskyOrdersError("the service sent the file back instead of uploading it")


async def _download_file(
    client: ClearskyClient, job: FileJob, final: Path, out: Path | None = None
) -> int:
    """Download to `.NAME.part` beside `final`, then rename it into place. No folder below
    `out` and no file is written through a symlink (one planted there is refused or
    replaced)."""
    folders_below(out or final.parent, final.parent)
    partial = final.with_name(f".{final.name}.part")
    try:
        with os.fdopen(create_file(partial), "wb") as sink:
            status = await download(client, job.source, job.body, sink)
            if status != 200:
                raise ClearskyOrdersError(f"the service answered {status} and sent no file")
            sink.flush()
            os.fsync(sink.fileno())
        if not is_tiff(partial):
            raise ClearskyOrdersError("the service's answer is not a GeoTIFF; not kept")
        size = partial.stat().st_size
        os.replace(partial, final)
        return size
    finally:
        partial.unlink(missing_ok=True)


def _signers(workspace: Workspace, plan: PullPlan) -> dict[str, Any]:
    buckets = {j.upload_to for j in plan.jobs if j.upload_to}
    if not buckets:
        return {}
    from reconciler.engine.upload_urls import Signer

    endpoint = workspace.config.delivery.upload_endpoint
    return {b: Signer(b, endpoint) for b in sorted(buckets)}


def _upload_target(job: FileJob, signers: Mapping[str, Any]) -> str:
    if job.upload_to:
        signer = signers[job.upload_to]
        return str(signer.url(signer.key(job.relpath)))
    assert job.upload_template is not None
    return upload_url(job.upload_template, job.name, job.day, job.tile or "composite")


def _mark_pulled(plan: PullPlan, result: PullResult) -> None:
    """Each order's next pull starts after the last date before its first failure."""
    first_failed: dict[str, date] = {}
    for job, _ in result.failed:
        seen = first_failed.get(job.name)
        first_failed[job.name] = job.day if seen is None else min(seen, job.day)
    for name, (start, until) in plan.ranges.items():
        if until < start:
            continue
        failed = first_failed.get(name)
        last = until if failed is None else failed - timedelta(days=1)
        previous = plan.index.pulled(name)
        if last >= start and (previous is None or last > previous):
            plan.index.mark_pulled(name, last)

"""clearsky-orders pull"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from reconciler.cli.options import announce, run, settings_options
from reconciler.cli.output import format_option, say
from reconciler.engine import Settings, open_workspace
from reconciler.engine.workspace import relative
from reconciler.errors import ClearskyOrdersError
from reconciler.oneline import one_line, shown_url

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(changes=False, select=True)
@click.option("--since", type=DAY, default=None, help="First date (default: after the last pull).")
@click.option("--until", type=DAY, default=None, help="Last date (default: today).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write into (default: clearsky.yaml's delivery.out, or imagery/ beside it).",
)
@click.option(
    "--layout",
    default=None,
    metavar="TEMPLATE",
    help="Each file's path under --out: {name}, {date}, {tile}, {year}, {month} "
    "(default {name}/{date}.tif; {name}/{date}/{tile}.tif for tiles).",
)
@click.option(
    "--resolution",
    type=click.Choice(["10", "20", "40", "80", "160", "320", "640", "1280"]),
    default=None,
    help="Metres per pixel (default 10).",
)
@click.option("--epsg", default=None, metavar="CODE|utm", help="The files' CRS (default utm).")
@click.option(
    "--bands", default=None, help="all, rgb, or a list such as B4,B3,B2,B8,[B8_B4] (default all)."
)
@click.option("--data-type", type=click.Choice(["INT16", "UINT8"]), default=None)
@click.option("--pixel-selection", type=click.Choice(["intersect", "contained"]), default=None)
@click.option(
    "--utm-selection",
    type=click.Choice(["single_utm_fully_covered", "single_utm", "combined_utm"]),
    default=None,
)
@click.option(
    "--allow-partial/--no-allow-partial",
    default=None,
    help="Take a date whose image covers only part of the area.",
)
@click.option(
    "--processing-level",
    type=click.Choice(["L1C", "L2A"]),
    default=None,
    help="Nimbus orders: the files' processing level.",
)
@click.option(
    "--tiles",
    type=click.Choice(["each", "composite"]),
    default=None,
    help="Tile orders: a file per tile and date, or one composite of their area.",
)
@click.option(
    "--upload-url-template",
    envvar="CLEARSKY_UPLOAD_URL_TEMPLATE",
    default=None,
    metavar="URL",
    help="Have the service PUT each file to this URL ({name}, {date}, {tile} filled in) "
    "[env CLEARSKY_UPLOAD_URL_TEMPLATE]. Never printed past its path.",
)
@click.option(
    "--no-stac",
    is_flag=True,
    help="Write no STAC catalog (also delivery.stac: false in clearsky.yaml).",
)
@click.option("--auto-approve", is_flag=True, help="Download without asking (for CI).")
@click.option("--dry-run", is_flag=True, help="Show what would be pulled and its credits; stop.")
@format_option("text", "json", help="json: one report at the end (needs --auto-approve).")
def pull(
    settings: Settings,
    since: datetime | None,
    until: datetime | None,
    out: Path | None,
    layout: str | None,
    resolution: str | None,
    epsg: str | None,
    bands: str | None,
    data_type: str | None,
    pixel_selection: str | None,
    utm_selection: str | None,
    allow_partial: bool | None,
    processing_level: str | None,
    tiles: str | None,
    upload_url_template: str | None,
    no_stac: bool,
    auto_approve: bool,
    dry_run: bool,
    fmt: str,
) -> int:
    """Download the imagery the managed orders paid for, as GeoTIFFs.

    For each manifest whose order this state manages (or --target, --selector): every date
    the service delivered from --since to --until, into <out>/<name>/<date>.tif (per tile
    for tile orders). Settings come from the command line, then the manifest's `delivery:`
    block, then clearsky.yaml's. Files already complete are skipped (the pull index in the
    folder records each one's size and sha256); each file is written to a temporary name and
    renamed when whole. Before anything is downloaded the processing credits are estimated,
    summed and shown; policy.maxProcessingCredits can stop the pull.

    A STAC catalog of the files is kept beside them (<out>/catalog.json: a collection per
    order, an item per file with its footprint, projection, bands, size and sha256), in line
    with the files on disk after every pull; --no-stac turns it off.

    Exit status: 0 when every file arrived, 1 when any failed (the rest are kept).

    \b
    Examples:
      clearsky-orders pull orders/
      clearsky-orders pull --target aarhus-bay --since 2026-11-01 --resolution 20 orders/
      clearsky-orders pull --dry-run orders/          # what it would fetch, and its credits
      clearsky-orders pull --auto-approve --format json orders/ > pulled.json   # in CI
    """
    from reconciler.engine.pull import PullOptions, PullPlan, PullResult
    from reconciler.engine.pull import pull as run_pull

    if fmt == "json" and not (auto_approve or dry_run):
        raise ClearskyOrdersError("--format json cannot ask for confirmation: add --auto-approve")
    given: dict[str, Any] = {
        "resolution": int(resolution) if resolution else None,
        "epsg": _epsg(epsg),
        "bands": bands,
        "data_type": data_type,
        "pixel_selection": pixel_selection,
        "utm_selection": utm_selection,
        "allow_partial": allow_partial,
        "processing_level": processing_level,
        "tiles": tiles,
        "layout": layout,
        "upload_url_template": upload_url_template,
    }
    options = PullOptions(
        since=since.date() if since else None,
        until=until.date() if until else None,
        out=out,
        given={k: v for k, v in given.items() if v is not None},
        stac=not (no_stac or dry_run),
    )
    workspace = open_workspace(settings)
    announce(workspace.target, err=fmt == "json")
    text = fmt == "text"

    def confirm(plan: PullPlan) -> bool:
        if text:
            for line in _summary(plan, every_file=dry_run):
                say(line)
        elif dry_run:  # json: the files it would fetch, then (if over) the budget's error
            say(_json_report(PullResult(plan, declined=True)))
        if dry_run or not plan.jobs or plan.over_budget:
            return False
        if auto_approve:
            return True
        return _ask()

    def tell(outcome: str, job: Any, detail: str) -> None:
        if text:
            say(f"{outcome:>8} {job.relpath}" + (f": {detail}" if outcome == "failed" else ""))

    result = run(run_pull(workspace, options, confirm=confirm, listener=tell))
    if fmt == "json" and not dry_run:
        say(_json_report(result))
    elif result.declined and result.plan.jobs and not dry_run:
        say("Pull cancelled; nothing was downloaded.")
        return 1
    elif not result.declined:
        say(
            f"Pull complete: {len(result.fetched)} downloaded, {len(result.uploaded)} uploaded, "
            f"{len(result.failed)} failed; files in {relative(result.plan.out)}."
        )
    if result.catalog is not None and fmt == "text" and result.catalog.items:
        catalog = result.plan.out / "catalog.json"
        say(f"STAC catalog: {result.catalog.items} item(s) in {relative(catalog)}.")
    for bucket, uploaded in result.bucket_catalogs.items():
        if fmt == "text":
            say(f"STAC catalog: {uploaded.items} item(s) in {shown_url(bucket)}/catalog.json.")
    problems = [*(result.catalog.problems if result.catalog else [])]
    problems += [p for c in result.bucket_catalogs.values() for p in c.problems]
    for problem in problems:
        say(f"warning: {one_line(problem)}", err=True)
    for job, message in result.failed:
        say(
            f"failed: {one_line(job.relpath)} ({job.day.isoformat()}): {one_line(message)}",
            err=True,
        )
    for message in result.plan.unread:
        say(f"failed: {one_line(message)}", err=True)
    return 1 if result.failed or result.plan.unread else 0


def _epsg(value: str | None) -> int | str | None:
    if value is None:
        return None
    if value.strip().lower() == "utm":
        return "utm"
    if value.strip().isdigit() and 0 < int(value) < 1_000_000:
        return int(value)
    raise ClearskyOrdersError(f"--epsg {value[:20]!r}: give an EPSG code such as 32632, or utm")


def _summary(plan: Any, *, every_file: bool = False) -> list[str]:
    lines = [f"note: {n}" for n in plan.notes]
    names = sorted({j.name for j in plan.jobs})
    done = f" ({plan.complete} already complete)" if plan.complete else ""
    if not plan.jobs:
        lines.append(f"Nothing to pull{done}.")
        return lines
    lines.append(
        f"Pull: {len(plan.jobs)} file(s) for {len(names)} order(s){done}; estimated "
        f"{plan.credits:g} processing credit(s)."
    )
    for name in names:
        jobs = [j for j in plan.jobs if j.name == name]
        first, last = min(j.day for j in jobs), max(j.day for j in jobs)
        lines.append(f"  {name}: {len(jobs)} file(s), {first.isoformat()} to {last.isoformat()}")
        if every_file:
            lines.extend(
                f"    {one_line(j.relpath)}  {plan.costs[j.relpath]:g} credit(s)" for j in jobs
            )
    return lines


def _ask() -> bool:
    if not sys.stdin.isatty():
        raise ClearskyOrdersError(
            "there is no terminal to confirm on: add --auto-approve (or --dry-run to look first)"
        )
    answer = click.prompt(
        "Download them? Only 'yes' downloads them", default="", show_default=False
    )
    return str(answer).strip() == "yes"


def _json_report(result: Any) -> str:
    plan = result.plan
    return json.dumps(
        {
            "credits": plan.credits,
            "complete": plan.complete,
            "notes": plan.notes,
            "downloaded": [
                {"path": j.relpath, "name": j.name, "date": j.day.isoformat(), "bytes": size}
                for j, size in result.fetched
            ],
            "uploaded": [
                {"path": j.relpath, "name": j.name, "date": j.day.isoformat()}
                for j in result.uploaded
            ],
            "failed": [
                {"path": j.relpath, "name": j.name, "date": j.day.isoformat(), "error": m}
                for j, m in result.failed
            ]
            + [{"error": m} for m in plan.unread],
            "stac": None
            if result.catalog is None
            else {
                "catalog": str(plan.out / "catalog.json"),
                "items": result.catalog.items,
                "written": result.catalog.written,
                "removed": result.catalog.removed,
                "problems": result.catalog.problems,
            },
            "pending": [
                {
                    "path": j.relpath,
                    "name": j.name,
                    "date": j.day.isoformat(),
                    "credits": plan.costs.get(j.relpath),
                }
                for j in plan.jobs
            ]
            if result.declined
            else [],
        },
        indent=2,
    )

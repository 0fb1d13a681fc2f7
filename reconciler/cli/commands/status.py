"""clearsky-orders status"""

from __future__ import annotations

from datetime import date, datetime

import click

from reconciler.cli.options import (
    DAYS_OPTION,
    GRACE_OPTION,
    announce,
    leading_argument,
    run,
    settings_options,
)
from reconciler.cli.output import format_option, say
from reconciler.cli.workspaces import severest, shown, workspaces
from reconciler.engine import Settings, open_workspace
from reconciler.errors import ClearskyOrdersError


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(changes=False)
@click.option("--all", "everything", is_flag=True, help="Unmanaged active orders too.")
@DAYS_OPTION
@GRACE_OPTION
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="With a manifest NAME first: ask the service whether that day's image is available "
    "and explain each answer.",
)
@format_option("text", "json", "markdown", help="markdown: a report for a scheduled CI job.")
def status(
    settings: Settings, everything: bool, days: int, grace: int, day: datetime | None, fmt: str
) -> int:
    """Is every managed order delivering what it is paid for?

    For each managed order: its service status, the image dates its cadence promised over
    this month and the last --days days, the dates the service delivered for its area, the
    dates missing, the next expected date, the renewal or cancel deadline, and a health word:
    Healthy, Progressing (in review, or not started), Degraded (promised dates missing for
    more than --grace days), Missing (no live order), Ended.

    Exit status: 0 when every order is healthy or progressing, 2 when any is degraded or
    missing, 1 on error.

    \b
    Examples:
      clearsky-orders status orders/
      clearsky-orders status --format markdown orders/ > status.md   # a scheduled report
      clearsky-orders status aarhus-bay --date 2026-11-20 orders/
    """
    if day is not None:
        return _availability(settings, day.date())
    from reconciler.engine.status import account_status
    from reconciler.planning.health import BAD
    from reconciler.render.status import FORMATS

    covered = workspaces(settings)
    worst = 0
    for each in covered:  # every workspace under the paths, a section each
        workspace = open_workspace(each)
        if len(covered) > 1:
            say(f"=== workspace {shown(each)} ===")
        announce(workspace.target, err=fmt != "text")
        found = run(account_status(workspace, days=days, grace=grace, everything=everything))
        say(FORMATS[fmt](found.orders, found.today, found.days, found.grace))
        worst = severest(worst, 2 if any(o.health in BAD for o in found.orders) else 0)
    return worst


EXPLAINED = {
    "intersected_active_zones": "no active order of this model and constellations covers "
    "any part of the area that day",
    "polygon_in_data_area": "the area is outside the data the account's orders cover",
    "data_available_for_user": "no data of this account is there that day",
    "data_on_zone_data_frequency_date": "the day is not an image date of an order's cadence "
    "there (or its image was not delivered)",
    "orders_cover_polygon": "the orders do not cover the whole area",
    "fully_available": "the image is not available for the whole area",
    "partially_available": "no part of the area has an image that day",
    "all_images_predicted": "not every image of that day has been produced yet",
    "any_image_within_storage_months": "the images are older than the orders keep them",
}


def _availability(settings: Settings, day: date) -> int:
    from reconciler.domain.geometry import service_wkt
    from reconciler.manifest import load

    name, rest = leading_argument(
        settings, "give the manifest NAME before the paths: status NAME --date D"
    )
    workspace = open_workspace(rest)
    order = {o.name: o for o in load(workspace.paths).orders}.get(name)
    if order is None or order.spec.geometry is None:
        raise ClearskyOrdersError(f"no polygon manifest is named {name!r}")

    async def ask() -> dict[str, bool]:
        async with workspace.target.client() as client:
            answer = await client.check_availability(
                wkt=service_wkt(order.spec.geometry),
                day=day,
                constellations=sorted(order.spec.constellations),
                model=order.spec.model,
            )
        return {k: bool(v) for k, v in answer.model_dump().items()}

    flags = run(ask())
    say(
        f"{name} on {day.isoformat()}: "
        + (
            "available"
            if flags.get("fully_available")
            else "partly available"
            if flags.get("partially_available")
            else "not available"
        )
    )
    for flag, value in flags.items():
        if not value and flag in EXPLAINED:
            say(f"  - {flag}: {EXPLAINED[flag]}")
    return 0

"""clearsky-orders products | acquisitions"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from reconciler.cli.options import announce, leading_argument, run, settings_options
from reconciler.cli.output import format_option, say
from reconciler.engine import Settings, open_workspace

FORMAT = format_option(
    "text", "json", "geojson", help="geojson: a FeatureCollection of the footprints, for a map."
)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(changes=False)
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="The image date whose input products to list.",
)
@FORMAT
def products(settings: Settings, day: datetime, fmt: str) -> int:
    """The input satellite products behind an order's image of a date.

    NAME (first) is a manifest name: its area, model and constellations are asked for. Each
    product: its constellation, when it was acquired, and its footprint.

    \b
    Examples:
      clearsky-orders products aarhus-bay --date 2026-11-04 orders/
      clearsky-orders products aarhus-bay --date 2026-11-04 --format geojson orders/ > p.geojson
    """
    from reconciler.engine.imagery import products as ask
    from reconciler.render import imagery as render

    name, rest = leading_argument(
        settings, "give the manifest NAME before the paths: products NAME --date D"
    )
    workspace = open_workspace(rest)
    announce(workspace.target, err=fmt != "text")
    found = run(ask(workspace, name, day.date()))
    rows = [
        render.ProductRow(p.satellite_constellation, p.image_date, p.product_geog_wkt)
        for p in found.products
    ]
    shown = {"text": render.products_text, "json": render.products_json}
    say(shown.get(fmt, render.products_geojson)(name, found.day, rows))
    return 0


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(changes=False)
@click.option(
    "--days",
    type=click.IntRange(1, 60),
    default=10,
    show_default=True,
    help="Look this many days ahead from today.",
)
@FORMAT
def acquisitions(settings: Settings, days: int, fmt: str) -> int:
    """Planned satellite passes over an order's area or an AOI.

    The first argument is a manifest name, a .wkt/.geojson file, or a WKT or GeoJSON string.
    Each pass: its date, satellite, acquisition and publication status, and footprint.

    \b
    Examples:
      clearsky-orders acquisitions aarhus-bay --days 14 orders/
      clearsky-orders acquisitions field.geojson --format geojson > passes.geojson
    """
    from reconciler.engine.imagery import acquisitions as ask
    from reconciler.render import imagery as render

    aoi, rest = leading_argument(
        settings, "give the AOI first: a manifest name, a file, or WKT/GeoJSON"
    )
    workspace = open_workspace(rest)
    announce(workspace.target, err=fmt != "text")
    found = run(ask(workspace, aoi, days, datetime.now(UTC).date()))
    rows = [
        render.PassRow(
            day.date.date(),
            plan.satellite,
            plan.acquisition_status or "?",
            plan.publication_status or "?",
            plan.wkt,
        )
        for day in found.days
        for plan in day.acquisition_plans
    ]
    shown = {"text": render.passes_text, "json": render.passes_json}
    say(shown.get(fmt, render.passes_geojson)(found.what, found.start, found.until, rows))
    return 0

"""The service's cancel rules, and the field diff between a live and a desired spec."""

from __future__ import annotations

from datetime import date
from typing import Any

from reconciler.domain.calendar import month_end
from reconciler.domain.geometry import same_geometry
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec
from reconciler.planning.model import CancelEffect, Cancellation


def cancellation(live: LiveOrder, today: date) -> tuple[Cancellation, str | None]:
    """What cancelling `live` would do today, and an error when the service cannot do it."""
    if live.canceled or live.completed:
        return Cancellation(CancelEffect.NOTHING), None
    if live.in_review:
        return Cancellation(CancelEffect.FULL, today), None
    if live.spec is None or live.spec.recurring:
        return Cancellation(CancelEffect.STOPS_RENEWAL, month_end(today)), None
    end = live.spec.end.isoformat() if live.spec.end else "its end date"
    return Cancellation(CancelEffect.IMPOSSIBLE), (
        f"order {live.guid} was accepted and has an end date ({end}): the service cannot "
        "cancel it, so replacing or removing it would pay twice. Restore the manifest, or run "
        f"'clearsky-orders state rm NAME' to stop managing it (it runs until {end})."
    )


def field_diff(live: OrderSpec, desired: OrderSpec) -> dict[str, dict[str, Any]]:
    """{field: {old, new}} for each field that differs (geometry compared as geometry)."""
    old, new = live.as_dict(), desired.as_dict()
    if (
        live.geometry is not None
        and desired.geometry is not None
        and same_geometry(live.geometry, desired.geometry)
    ):
        new["aoi"] = old["aoi"]
    from deepdiff import DeepDiff  # only a plan with a replace draws a diff: not imported before

    report = DeepDiff(old, new, ignore_order=True, view="tree")
    fields: dict[str, dict[str, Any]] = {}
    for levels in report.values():
        for level in levels:
            path = level.path(output_format="list")
            depth = 2 if path and path[0] == "aoi" and len(path) > 1 else 1
            key = ".".join(str(p) for p in path[:depth])
            fields[key] = {"old": _at(old, path[:depth]), "new": _at(new, path[:depth])}
    if "aoi.wkt" in fields and live.area_km2 is not None and desired.area_km2 is not None:
        fields["aoi.wkt"]["oldAreaKm2"] = round(live.area_km2, 2)
        fields["aoi.wkt"]["newAreaKm2"] = round(desired.area_km2, 2)
    return dict(sorted(fields.items()))


def _at(value: Any, path: list[Any]) -> Any:
    for part in path:
        if isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value

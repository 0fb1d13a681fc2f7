"""products and acquisitions as text, JSON and GeoJSON. Pure: rows in, text out. Every string
from the service is untrusted and printed plain (no control characters)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reconciler.domain.geometry import GeometryProblem, parse_wkt, to_geojson
from reconciler.render.escape import plain


@dataclass(frozen=True)
class ProductRow:
    constellation: str
    acquired: datetime
    footprint: str | None


@dataclass(frozen=True)
class PassRow:
    day: date
    satellite: str
    acquisition: str
    publication: str
    footprint: str | None


def products_text(name: str, day: date, rows: Sequence[ProductRow]) -> str:
    lines = [f"{len(rows)} input product(s) behind {plain(name, 80)} on {day.isoformat()}:"]
    for row in rows:
        lines.append(f"  {row.acquired:%Y-%m-%d %H:%M}  {plain(row.constellation, 40)}")
    by = sorted({r.constellation for r in rows})
    if by:
        counts = ", ".join(
            f"{plain(c, 40)} {sum(1 for r in rows if r.constellation == c)}" for c in by
        )
        lines.append(f"By constellation: {counts}.")
    return "\n".join(lines)


def products_json(name: str, day: date, rows: Sequence[ProductRow]) -> str:
    return json.dumps(
        {
            "name": name,
            "date": day.isoformat(),
            "products": [
                {
                    "constellation": r.constellation,
                    "acquired": r.acquired.isoformat(),
                    "footprint": r.footprint,
                }
                for r in rows
            ],
        },
        indent=2,
    )


def products_geojson(name: str, day: date, rows: Sequence[ProductRow]) -> str:
    return _collection(
        (r.footprint, {"constellation": r.constellation, "acquired": r.acquired.isoformat()})
        for r in rows
    )


def passes_text(what: str, start: date, until: date, rows: Sequence[PassRow]) -> str:
    lines = [
        f"{len(rows)} satellite pass(es) over {plain(what, 80)} from {start.isoformat()} to "
        f"{until.isoformat()}:"
    ]
    for row in rows:
        lines.append(
            f"  {row.day.isoformat()}  {plain(row.satellite, 20):<6} "
            f"{plain(row.acquisition, 30)} / {plain(row.publication, 30)}"
        )
    return "\n".join(lines)


def passes_json(what: str, start: date, until: date, rows: Sequence[PassRow]) -> str:
    return json.dumps(
        {
            "from": start.isoformat(),
            "until": until.isoformat(),
            "passes": [
                {
                    "date": r.day.isoformat(),
                    "satellite": r.satellite,
                    "acquisitionStatus": r.acquisition,
                    "publicationStatus": r.publication,
                    "footprint": r.footprint,
                }
                for r in rows
            ],
        },
        indent=2,
    )


def passes_geojson(what: str, start: date, until: date, rows: Sequence[PassRow]) -> str:
    return _collection(
        (
            r.footprint,
            {
                "date": r.day.isoformat(),
                "satellite": r.satellite,
                "acquisitionStatus": r.acquisition,
                "publicationStatus": r.publication,
            },
        )
        for r in rows
    )


def _collection(items: Any) -> str:
    features = []
    for wkt, properties in items:
        geometry = None
        if wkt:
            try:
                geometry = to_geojson(parse_wkt(wkt))
            except GeometryProblem:
                geometry = None  # a footprint the service drew unreadably: no shape
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features})

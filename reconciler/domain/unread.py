"""An AOI as it was written, read only when something needs its shape.

Most orders of a large repository are unchanged from one run to the next. Their AOIs need not
be parsed, checked, normalised and measured again when the state recorded, at the last apply,
the text the manifest held and the text the service listed (see engine/recognise.py): the
digest of the text (`key`) stands for the shape until someone asks for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from shapely.geometry import MultiPolygon

from reconciler.domain.geometry import (
    MAX_AREA_KM2,
    GeometryProblem,
    area_at_most_km2,
    area_km2,
    parse_geojson,
    parse_wkt,
)
from reconciler.domain.pickled import pickled_by_fields

READING = "1"
"""How AOIs are read (checks, normalisation, canonical form). A change to any of it changes
this, and with it every key: nothing recorded by an earlier reading is taken on trust."""

Kind = Literal["wkt", "geojson", "listed"]
"""WKT or GeoJSON text from a manifest, or the WKT the service lists for an order."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Unread:
    kind: Kind
    text: str

    @classmethod
    def of(cls, kind: Kind, text: str) -> Unread:
        return cls(kind, text)

    @property
    def key(self) -> str:
        """The digest of the text and of how it is read (asked once: OrderSpec.raw_key)."""
        return hashlib.sha256(f"{READING}\0{self.kind}\0".encode() + self.text.encode()).hexdigest()

    def __repr__(self) -> str:  # the text may be megabytes
        return f"Unread({self.kind}, {len(self.text)} characters)"

    def read(self) -> MultiPolygon:
        """The AOI parsed and checked; GeometryProblem says why it cannot be used."""
        if self.kind == "listed":  # an order the service holds, whatever its size
            return parse_wkt(self.text)
        return check_area(parse_wkt(self.text) if self.kind == "wkt" else parse_geojson(self.text))


def check_area(geometry: MultiPolygon) -> MultiPolygon:
    """`geometry`, unless it is larger than one order may sensibly be."""
    bound = area_at_most_km2(geometry)
    if bound is not None and bound <= MAX_AREA_KM2:
        return geometry  # surely below it: no need to measure (nor to load pyproj)
    area = area_km2(geometry)
    if area > MAX_AREA_KM2:
        raise GeometryProblem(
            f"the area is {area:,.0f} km2, above the ceiling of {MAX_AREA_KM2:,.0f} km2 "
            "for one order; check the units and the lon/lat order"
        )
    return geometry

"""The canonical order spec: what a tasking order is, independent of where it was written.

A desired order (from a manifest) and a live order (from the service) both become an OrderSpec;
comparing them is comparing two OrderSpecs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from shapely.geometry import MultiPolygon

from reconciler.domain.catalog import canonical_constellation, canonical_model
from reconciler.domain.geometry import (
    area_km2,
    billed_area_km2,
    canonical_wkt,
    same_geometry,
)
from reconciler.domain.unread import Unread

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True, eq=False)
class OrderSpec:
    """One tasking order's content, normalised. Equality follows design.md's Identity rules."""

    constellations: frozenset[str]
    model: str
    image_frequency: int
    reference_date: date
    start: date
    end: date | None
    storage_months: int = 1
    api_requests: int = 1
    aoi: MultiPolygon | Unread | None = None
    """The AOI (None for a tile order): its shape, or its text until the shape is needed."""
    tiles: frozenset[str] = field(default_factory=frozenset)
    mini_tiles: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def geometry(self) -> MultiPolygon | None:
        """The AOI's shape (read now if it was not yet); None for a tile order."""
        if isinstance(self.aoi, Unread):
            return self.aoi.read()
        return self.aoi

    @property
    def has_aoi(self) -> bool:
        """An AOI order (not a tile order), known without reading the AOI."""
        return self.aoi is not None

    @property
    def unread(self) -> bool:
        """The AOI is still text: nothing has needed its shape yet."""
        return isinstance(self.aoi, Unread) and "geometry" not in self.__dict__

    @property
    def recognised(self) -> bool:
        """The state vouched for this spec as unchanged (see `recognise`)."""
        return "_same" in self.__dict__

    @cached_property
    def bounds(self) -> Bounds | None:
        """(min lon, min lat, max lon, max lat) of the AOI; None for a tile order."""
        geometry = self.geometry
        if geometry is None:
            return None
        minx, miny, maxx, maxy = geometry.bounds
        return (float(minx), float(miny), float(maxx), float(maxy))

    @cached_property
    def raw_key(self) -> str:
        """sha256 of the spec as written (its AOI's text, not its shape): equal raw keys are
        equal specs. Empty when the AOI was given as a shape."""
        if not isinstance(self.aoi, Unread):
            return ""
        body = {**self._canonical_scalars(), "aoi": {"unread": self.aoi.key}}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def recognise(self, fingerprint: str, bounds: Bounds | None, same: str) -> None:
        """What the state recorded of this spec's raw key: its fingerprint and bounds, and a
        token it shares with the specs it was found equal to (see engine/recognise.py). Its
        AOI then stays unread until its shape is needed."""
        self.__dict__["fingerprint"] = fingerprint
        self.__dict__["bounds"] = bounds
        self.__dict__["_same"] = same

    @property
    def recurring(self) -> bool:
        """A recurring order has no end date and renews every month."""
        return self.end is None

    @cached_property
    def area_km2(self) -> float | None:
        """Geodesic area before the 1 km2 minimum; None for tile orders (the service knows)."""
        return None if self.geometry is None else area_km2(self.geometry)

    @cached_property
    def billed_area_km2(self) -> float | None:
        return None if self.geometry is None else billed_area_km2(self.geometry)

    @cached_property
    def _scalars(self) -> tuple[object, ...]:
        return (
            self.constellations,
            self.model,
            self.image_frequency,
            self.reference_date,
            self.start,
            self.end,
            self.storage_months,
            self.api_requests,
            self.tiles,
            self.mini_tiles,
            self.aoi is None,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrderSpec):
            return NotImplemented
        if self._scalars != other._scalars:
            return False
        if self.aoi is None or other.aoi is None:
            return True
        same = self.__dict__.get("_same")
        if same and same == other.__dict__.get("_same"):
            return True  # recorded equal, with the raw keys they have now
        a, b = self.geometry, other.geometry
        return a is not None and b is not None and same_geometry(a, b)

    def __hash__(self) -> int:
        # Equal specs must hash alike: geometry stays out (its equality has a tolerance).
        return hash(self._scalars)

    def as_dict(self) -> dict[str, Any]:
        """The canonical, JSON-ready form: what diffs, plans and fingerprints are made of."""
        aoi: dict[str, Any]
        if self.geometry is not None:
            aoi = {"wkt": canonical_wkt(self.geometry)}
        else:
            aoi = {"tiles": sorted(self.tiles), "miniTiles": sorted(self.mini_tiles)}
        return {"aoi": aoi, **self._canonical_scalars()}

    def _canonical_scalars(self) -> dict[str, Any]:
        return {
            "constellations": sorted(self.constellations),
            "model": self.model,
            "imageFrequency": self.image_frequency,
            "referenceDate": self.reference_date.isoformat(),
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
            "storageMonths": self.storage_months,
            "apiRequests": self.api_requests,
        }

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical form: the same on every run and machine."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def constellation_set(names: Iterable[str]) -> frozenset[str]:
    """Canonical constellations; unknown names are kept as written so that they still differ."""
    return _constellations(tuple(names))


@functools.lru_cache(maxsize=1024)
def _constellations(names: tuple[str, ...]) -> frozenset[str]:
    # An account's orders use a handful of combinations: each is read once.
    return frozenset(canonical_constellation(n) or n for n in names)


def model_name(name: str) -> str:
    return canonical_model(name) or name

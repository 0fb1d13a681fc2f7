"""The canonical order spec: what a tasking order is, independent of where it was written.

A desired order (from a manifest) and a live order (from the service) both become an OrderSpec;
comparing them is comparing two OrderSpecs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from shapely.geometry import MultiPolygon

from reconciler.canonical import canonical_sha256
from reconciler.domain.catalog import canonical_constellation, canonical_model
from reconciler.domain.geometry import (
    area_km2,
    billed_area_km2,
    canonical_wkt,
    same_geometry,
)
from reconciler.domain.pickled import pickled_by_fields
from reconciler.domain.unread import Unread
from reconciler.shared import shared, shared_day

Bounds = tuple[float, float, float, float]


class _Unset(Enum):
    """What a spec has not yet worked out (a member, so that it survives pickling)."""

    UNSET = "unset"


UNSET = _Unset.UNSET
NO_TILES: frozenset[str] = frozenset()
"""One empty set of tiles for every spec that has none (most of them: AOI orders)."""


@pickled_by_fields
@dataclass(frozen=True, eq=False, slots=True)
class OrderSpec:
    """One tasking order's content, normalised. Equality follows design.md's Identity rules.

    A large account holds tens of thousands of these, twice (the manifests' and the
    service's): what is worked out from the fields is kept in slots of its own, not in a
    per-object dictionary."""

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
    tiles: frozenset[str] = NO_TILES
    mini_tiles: frozenset[str] = NO_TILES
    _geometry: MultiPolygon | _Unset | None = field(default=UNSET, init=False, repr=False)
    _bounds: Bounds | _Unset | None = field(default=UNSET, init=False, repr=False)
    _area: float | _Unset | None = field(default=UNSET, init=False, repr=False)
    _billed_area: float | _Unset | None = field(default=UNSET, init=False, repr=False)
    _raw_key: str | None = field(default=None, init=False, repr=False)
    _fingerprint: str | None = field(default=None, init=False, repr=False)
    _same: str = field(default="", init=False, repr=False)
    """A token shared with the specs the state recorded as equal (see `recognise`)."""

    def __post_init__(self) -> None:
        # equal values that tens of thousands of specs repeat are kept once (domain/shared.py)
        object.__setattr__(self, "model", shared(self.model))
        object.__setattr__(self, "reference_date", shared(self.reference_date))
        object.__setattr__(self, "start", shared(self.start))
        object.__setattr__(self, "end", shared_day(self.end))
        if not self.tiles and self.tiles is not NO_TILES:
            object.__setattr__(self, "tiles", NO_TILES)
        if not self.mini_tiles and self.mini_tiles is not NO_TILES:
            object.__setattr__(self, "mini_tiles", NO_TILES)

    def _keep(self, slot: str, value: object) -> None:
        object.__setattr__(self, slot, value)

    @property
    def geometry(self) -> MultiPolygon | None:
        """The AOI's shape (read now if it was not yet); None for a tile order."""
        found = self._geometry
        if found is UNSET:
            found = self.aoi.read() if isinstance(self.aoi, Unread) else self.aoi
            self._keep("_geometry", found)
        return found

    def read_aoi(self) -> None:
        """Read an AOI given as text and keep its shape instead, as if it had been given as a
        shape; raises GeometryProblem. For the loader that made this spec, before anything
        was worked out from it."""
        if isinstance(self.aoi, Unread):
            if self._raw_key is not None or self._fingerprint is not None or self._same:
                raise RuntimeError("read_aoi on a spec already in use")
            object.__setattr__(self, "aoi", self.geometry)  # read once, and kept

    @property
    def has_aoi(self) -> bool:
        """An AOI order (not a tile order), known without reading the AOI."""
        return self.aoi is not None

    @property
    def unread(self) -> bool:
        """The AOI is still text: nothing has needed its shape yet."""
        return isinstance(self.aoi, Unread) and self._geometry is UNSET

    @property
    def recognised(self) -> bool:
        """The state vouched for this spec as unchanged (see `recognise`)."""
        return bool(self._same)

    @property
    def bounds(self) -> Bounds | None:
        """(min lon, min lat, max lon, max lat) of the AOI; None for a tile order."""
        found = self._bounds
        if found is UNSET:
            geometry = self.geometry
            found = None
            if geometry is not None:
                minx, miny, maxx, maxy = geometry.bounds
                found = (float(minx), float(miny), float(maxx), float(maxy))
            self._keep("_bounds", found)
        return found

    @property
    def raw_key(self) -> str:
        """sha256 of the spec as written (its AOI's text, not its shape): equal raw keys are
        equal specs. Empty when the AOI was given as a shape."""
        found = self._raw_key
        if found is None:
            found = ""
            if isinstance(self.aoi, Unread):
                body = {**self._canonical_scalars(), "aoi": {"unread": self.aoi.key}}
                found = canonical_sha256(body)
            self._keep("_raw_key", found)
        return found

    def recognise(self, fingerprint: str, bounds: Bounds | None, same: str) -> None:
        """What the state recorded of this spec's raw key: its fingerprint and bounds, and a
        token it shares with the specs it was found equal to (see engine/recognise.py). Its
        AOI then stays unread until its shape is needed."""
        self._keep("_fingerprint", fingerprint)
        self._keep("_bounds", bounds)
        self._keep("_same", same)

    @property
    def recurring(self) -> bool:
        """A recurring order has no end date and renews every month."""
        return self.end is None

    @property
    def area_km2(self) -> float | None:
        """Geodesic area before the 1 km2 minimum; None for tile orders (the service knows)."""
        found = self._area
        if found is UNSET:
            found = None if self.geometry is None else area_km2(self.geometry)
            self._keep("_area", found)
        return found

    @property
    def billed_area_km2(self) -> float | None:
        found = self._billed_area
        if found is UNSET:
            found = None if self.geometry is None else billed_area_km2(self.geometry)
            self._keep("_billed_area", found)
        return found

    @property
    def _scalars(self) -> tuple[object, ...]:
        # made when asked, not kept: 50,000 orders compare once each
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
        if self._same and self._same == other._same:
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

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical form: the same on every run and machine."""
        found = self._fingerprint
        if found is None:
            found = canonical_sha256(self.as_dict())
            self._keep("_fingerprint", found)
        return found


def constellation_set(names: Iterable[str]) -> frozenset[str]:
    """Canonical constellations; unknown names are kept as written so that they still differ."""
    return _constellations(tuple(names))


@functools.lru_cache(maxsize=1024)
def _constellations(names: tuple[str, ...]) -> frozenset[str]:
    # An account's orders use a handful of combinations: each is read once.
    return frozenset(canonical_constellation(n) or n for n in names)


def model_name(name: str) -> str:
    return canonical_model(name) or name

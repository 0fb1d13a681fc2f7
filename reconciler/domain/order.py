"""The canonical order spec: what a tasking order is, independent of where it was written.

A desired order (from a manifest) and a live order (from the service) both become an OrderSpec;
comparing them is comparing two OrderSpecs.
"""

from __future__ import annotations

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
    geometry: MultiPolygon | None = None
    tiles: frozenset[str] = field(default_factory=frozenset)
    mini_tiles: frozenset[str] = field(default_factory=frozenset)

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
            self.geometry is None,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrderSpec):
            return NotImplemented
        if self._scalars != other._scalars:
            return False
        if self.geometry is None or other.geometry is None:
            return True
        return same_geometry(self.geometry, other.geometry)

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
        return {
            "aoi": aoi,
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
    return frozenset(canonical_constellation(n) or n for n in names)


def model_name(name: str) -> str:
    return canonical_model(name) or name

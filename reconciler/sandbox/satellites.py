"""The satellites behind the sandbox's imagery: when each one passes over an area.

One schedule serves both questions: the acquisition plans of upcoming passes, and the input
products behind a composite (the passes of the order's constellations in the days up to its
date). Each satellite passes every `revisit` days from a phase fixed by its name, so the
answers are deterministic and agree with each other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from shapely import affinity
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Satellite:
    name: str
    constellation: str
    revisit: int

    def passes(self, start: date, end: date) -> list[date]:
        """The days from start to end (both included) on which it passes."""
        phase = int.from_bytes(hashlib.sha256(self.name.encode()).digest()[:2], "big")
        first = start + timedelta(days=(self.revisit - (start.toordinal() + phase)) % self.revisit)
        out = []
        while first <= end:
            out.append(first)
            first += timedelta(days=self.revisit)
        return out


SATELLITES = (
    Satellite("S1A", "Sentinel1", 12),
    Satellite("S1C", "Sentinel1", 12),
    Satellite("S2A", "Sentinel2", 10),
    Satellite("S2B", "Sentinel2", 10),
    Satellite("S2C", "Sentinel2", 10),
    Satellite("S3A", "Sentinel3", 2),
    Satellite("S3B", "Sentinel3", 2),
    Satellite("L8", "Landsat89", 16),
    Satellite("L9", "Landsat89", 16),
)
PRODUCT_WINDOW_DAYS = 15
"""How far back a composite looks for input products."""


def footprint(satellite: Satellite, day: date, area: BaseGeometry) -> BaseGeometry:
    """The swath of a pass over `area`: a box around the area, shifted a little per pass."""
    digest = hashlib.sha256(f"{satellite.name}:{day}".encode()).digest()
    dx = (digest[0] / 255 - 0.5) * 0.4
    dy = (digest[1] / 255 - 0.5) * 0.4
    x0, y0, x1, y1 = area.bounds
    swath = box(x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5)
    shifted: BaseGeometry = affinity.translate(swath, dx, dy)
    return shifted


def acquisitions(
    area: BaseGeometry, start: date, end: date, today: date
) -> list[tuple[date, Satellite, str, str, BaseGeometry]]:
    """(day, satellite, acquisition status, publication status, footprint) of every pass
    over `area` from start to end."""
    out = []
    for satellite in SATELLITES:
        for day in satellite.passes(start, end):
            acquired = day < today
            out.append(
                (
                    day,
                    satellite,
                    "Acquired" if acquired else "Planned",
                    "Published" if acquired else "NotPublished",
                    footprint(satellite, day, area),
                )
            )
    out.sort(key=lambda item: (item[0], item[1].name))
    return out


def products(
    area: BaseGeometry, day: date, constellations: set[str]
) -> list[tuple[Satellite, date, BaseGeometry]]:
    """(satellite, acquisition day, footprint) of the input products of a composite of
    `area` on `day`, from the given constellations (lower case)."""
    start = day - timedelta(days=PRODUCT_WINDOW_DAYS)
    out = []
    for satellite in SATELLITES:
        if satellite.constellation.lower() not in constellations:
            continue
        for passed in satellite.passes(start, day):
            out.append((satellite, passed, footprint(satellite, passed, area)))
    out.sort(key=lambda item: (item[1], item[0].name))
    return out

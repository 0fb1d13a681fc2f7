"""A desired order: a manifest's spec after defaults are merged and everything is normalised."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.domain.order import OrderSpec
from reconciler.domain.pickled import pickled_by_fields


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Source:
    """Where a manifest was written, for messages."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DesiredOrder:
    name: str
    spec: OrderSpec
    source: Source
    labels: Mapping[str, str] = field(default_factory=dict)
    prevent_cancel: bool = False
    create_before_cancel: bool = False
    delivery: tuple[tuple[str, object], ...] = ()
    """The manifest's `delivery` settings (how pull fetches the imagery), as given."""
    aoi_at: tuple[int, str] = (0, "")
    """(line, field) of a WKT, GeoJSON or file AOI in the manifest: where a problem found on
    reading it is."""

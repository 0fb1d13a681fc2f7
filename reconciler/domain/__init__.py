"""The domain: the canonical order, live orders, geometry, fingerprints and the calendar."""

from reconciler.domain.catalog import (
    BUILT_IN,
    Catalog,
    ModelEntry,
    canonical_constellation,
    canonical_model,
)
from reconciler.domain.geometry import (
    COORD_TOLERANCE,
    GeometryProblem,
    area_km2,
    parse_geojson,
    parse_wkt,
    same_geometry,
)
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec, constellation_set, model_name

__all__ = [
    "BUILT_IN",
    "COORD_TOLERANCE",
    "Catalog",
    "GeometryProblem",
    "LiveOrder",
    "ModelEntry",
    "OrderSpec",
    "area_km2",
    "canonical_constellation",
    "canonical_model",
    "constellation_set",
    "model_name",
    "parse_geojson",
    "parse_wkt",
    "same_geometry",
]

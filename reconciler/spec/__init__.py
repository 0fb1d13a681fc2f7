"""The canonical order spec, geometry normalisation and fingerprints."""

from reconciler.spec.catalog import (
    CONSTELLATIONS,
    MODEL_REQUIRES,
    MODELS,
    canonical_constellation,
    canonical_model,
)
from reconciler.spec.geometry import (
    COORD_TOLERANCE,
    GeometryProblem,
    area_km2,
    parse_geojson,
    parse_wkt,
    same_geometry,
)
from reconciler.spec.order import OrderSpec, constellation_set, model_name

__all__ = [
    "CONSTELLATIONS",
    "COORD_TOLERANCE",
    "MODELS",
    "MODEL_REQUIRES",
    "GeometryProblem",
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

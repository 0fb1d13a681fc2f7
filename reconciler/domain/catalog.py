"""What the service sells: constellations and models, with their canonical spelling."""

from __future__ import annotations

CONSTELLATIONS: tuple[str, ...] = ("Sentinel1", "Sentinel2", "Landsat89")

# Each model and the constellations it cannot do without (facts file: Models).
MODEL_REQUIRES: dict[str, frozenset[str]] = {
    "Stratus2": frozenset({"Sentinel1", "Sentinel2", "Landsat89"}),
    "Stratus2Fast": frozenset({"Sentinel1", "Sentinel2"}),
    "Stratus2NoSnow": frozenset({"Sentinel1", "Sentinel2", "Landsat89"}),
}
MODELS: tuple[str, ...] = tuple(MODEL_REQUIRES)

_CONSTELLATION_BY_KEY = {c.lower(): c for c in CONSTELLATIONS}
_MODEL_BY_KEY = {m.lower(): m for m in MODELS}


def canonical_constellation(name: str) -> str | None:
    """The canonical spelling of a constellation (`landsat89` -> `Landsat89`), or None."""
    return _CONSTELLATION_BY_KEY.get(name.strip().lower())


def canonical_model(name: str) -> str | None:
    """The canonical spelling of a model, or None when the service does not offer it."""
    return _MODEL_BY_KEY.get(name.strip().lower())

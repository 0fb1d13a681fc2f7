"""What the simulated service sells: its models, and for each the constellations it needs and
those it can add. GET /api/tasking/models answers with this table.

The Stratus2 family follows the facts file (Stratus2Fast takes Landsat as an option). Stratus3,
Nimbus and Sentinel3 are sold by the service today but the built-in offline list of
clearsky-orders does not know them: they exercise models that come only from the service.
"""

from __future__ import annotations

from reconciler.domain.catalog import ModelEntry as Model

S1, S2, S3, L89 = "Sentinel1", "Sentinel2", "Sentinel3", "Landsat89"
MODELS: tuple[Model, ...] = (
    Model("Stratus2", frozenset({S1, S2, L89})),
    Model("Stratus2Fast", frozenset({S1, S2}), frozenset({L89})),
    Model("Stratus2NoSnow", frozenset({S1, S2, L89})),
    Model("Stratus3", frozenset({S1, S2, L89})),  # "none optional" (facts file: Models)
    Model("Nimbus", frozenset({S2}), frozenset({S1, S3})),
)
CONSTELLATIONS: tuple[str, ...] = (S1, S2, S3, L89)

_MODELS = {m.name.lower(): m for m in MODELS}
_CONSTELLATIONS = {c.lower(): c for c in CONSTELLATIONS}


def model(name: str) -> Model | None:
    return _MODELS.get(name.strip().lower())


def constellation(name: str) -> str | None:
    return _CONSTELLATIONS.get(name.strip().lower())

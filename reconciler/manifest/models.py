"""The manifest and clearsky.yaml formats as pydantic models: the source of the JSON Schemas.

Spec fields are optional here because clearsky.yaml `defaults` may supply them; what a resolved
order must have is checked when the manifest is resolved (see resolve.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

API_VERSION = "clearsky-orders/v1"
NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
NAME_MAX = 63


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class Aoi(_Strict):
    """The area of interest: exactly one of the five ways to give it."""

    wkt: str | None = Field(
        None, description="A WKT Polygon, MultiPolygon or GEOMETRYCOLLECTION, lon lat."
    )
    geojson: dict[str, Any] | str | None = Field(
        None, description="A GeoJSON Geometry, Feature or FeatureCollection (object or string)."
    )
    file: str | None = Field(
        None,
        description="A .geojson, .json or .wkt file relative to this manifest, inside the repo.",
    )
    tiles: list[str] | None = Field(
        None, description="Tile GUIDs (a tile order, 20% of the polygon price)."
    )
    mini_tiles: list[str] | None = Field(
        None, description="MiniTile GUIDs (a minitile order, 50% of the polygon price)."
    )


class Lifecycle(_Strict):
    prevent_cancel: bool = Field(
        False, description="Refuse any plan that would cancel or replace this order."
    )
    create_before_cancel: bool = Field(
        False, description="On replace, create the new order before cancelling the old one."
    )


class SpecDefaults(_Strict):
    """Spec fields that clearsky.yaml may set for every manifest; a manifest's own value wins."""

    constellations: list[str] | None = Field(
        None, description="Sentinel1, Sentinel2, Landsat89 (case-insensitive).", min_length=1
    )
    model: str | None = Field(None, description="Stratus2, Stratus2Fast or Stratus2NoSnow.")
    image_frequency: int | None = Field(
        None, ge=1, le=7, description="Days between images, 1 to 7."
    )
    reference_date: date | None = Field(
        None, description="Anchors the image cadence; defaults to `from`."
    )
    from_: date | None = Field(None, alias="from", description="First day of a month.")
    to: date | None = Field(
        None, description="Last day ordered; null means recurring (renews monthly)."
    )
    storage_months: int | None = Field(None, ge=1, description="Months of storage, at least 1.")
    api_requests: int | None = Field(None, ge=1)
    lifecycle: Lifecycle | None = None


class Spec(SpecDefaults):
    aoi: Aoi


class Metadata(_Strict):
    name: str = Field(
        pattern=NAME_PATTERN,
        max_length=NAME_MAX,
        description="Unique in the repository: lowercase letters, digits and '-'.",
    )
    labels: dict[str, str] = Field(default_factory=dict)


class TaskingOrderManifest(_Strict):
    """One tasking order the account should have."""

    model_config = ConfigDict(title="TaskingOrder")

    api_version: Literal["clearsky-orders/v1"]
    kind: Literal["TaskingOrder"]
    metadata: Metadata
    spec: Spec


class StateSettings(_Strict):
    path: str = Field(".clearsky/state.json", description="Relative to clearsky.yaml.")
    url: str | None = Field(
        None,
        max_length=1000,
        pattern=r"^(s3|gs|az|azure|abfs|abfss)://[^@?#\s]+$",
        description="Remote state shared by a team, e.g. s3://bucket/team/state.json (then "
        "`path` is not used). Credentials come from the standard environment variables.",
    )
    endpoint: str | None = Field(
        None,
        max_length=1000,
        pattern=r"^https?://[^@?#\s]+$",
        description="An S3-compatible server's URL (MinIO, Ceph, R2, ...).",
    )
    region: str | None = Field(None, max_length=64, pattern=r"^[a-z0-9-]+$")
    workspace: str | None = Field(
        None,
        pattern=NAME_PATTERN,
        max_length=NAME_MAX,
        description="This state's name in the account's ownership index (remote state); "
        "defaults to the state's path.",
    )


class ApiSettings(_Strict):
    parallelism: int = Field(8, ge=1, le=64, description="Requests in flight at once.")


class TileSettings(_Strict):
    suggest: bool = Field(
        True,
        description="In plan, ask the service's tile optimiser for each new polygon order "
        "(the first 20 of a plan) and say when its tile cover would be cheaper.",
    )
    cheaper_by: float = Field(
        20, ge=0, le=100, description="Percent cheaper a tile cover must be to be suggested."
    )


class Policy(_Strict):
    """Guardrails checked at plan time and again at apply."""

    max_monthly_cost: float | None = Field(
        None,
        ge=0,
        description="Ceiling on the monthly cost of all managed orders after the change, "
        "in every month of the horizon.",
    )
    max_increase_this_month: float | None = Field(
        None, ge=0, description="What one plan may add to this month's bill."
    )
    max_increase_monthly: float | None = Field(
        None, ge=0, description="What one plan may add to the bill of any month after this one."
    )
    max_total_commitment: float | None = Field(
        None,
        ge=0,
        description="What one plan may commit in all: new bounded orders over their lives, "
        "recurring ones over the horizon (12 months unless --horizon says otherwise).",
    )
    max_area_km2_per_order: float | None = Field(None, gt=0)
    allowed_models: list[str] | None = None
    allowed_constellations: list[str] | None = None
    max_change_percent: float = Field(
        30,
        ge=0,
        le=100,
        description="At most this share of managed orders cancelled or replaced in one run.",
    )
    min_managed_for_threshold: int = Field(
        10, ge=0, description="The share applies once there are this many managed orders."
    )


class Config(_Strict):
    """clearsky.yaml: defaults merged into every spec, the state location and the policy."""

    model_config = ConfigDict(title="Config")

    api_version: Literal["clearsky-orders/v1"]
    kind: Literal["Config"]
    defaults: SpecDefaults = Field(default_factory=SpecDefaults)
    state: StateSettings = Field(default_factory=StateSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    tiles: TileSettings = Field(default_factory=TileSettings)
    policy: Policy = Field(default_factory=Policy)


def default_config() -> Config:
    return Config(api_version=API_VERSION, kind="Config")

"""The manifest and clearsky.yaml formats as pydantic models: the source of the JSON Schemas.

Spec fields are optional here because clearsky.yaml `defaults` may supply them; what a resolved
order must have is checked when the manifest is resolved (see resolve.py).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from reconciler.loopback import is_loopback

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


RESOLUTIONS = (10, 20, 40, 80, 160, 320, 640, 1280)


class Delivery(_Strict):
    """How `pull` fetches an order's imagery: the composite download's settings, and where the
    files go. Nothing here changes what is ordered or what a plan shows."""

    resolution: Literal[10, 20, 40, 80, 160, 320, 640, 1280] | None = Field(
        None, description="Metres per pixel (default 10)."
    )
    epsg: int | Literal["utm"] | None = Field(
        None,
        description="The files' CRS as an EPSG code (4326, 3857, 32632, ...), or utm: the UTM "
        "zone of the area's centre (default).",
    )
    bands: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[A-Za-z0-9_,\[\] ]+$",
        description="all (default), rgb, or a comma-separated list of bands and indices: "
        "B2,B3,B4,B8,[B8_B4].",
    )
    data_type: Literal["INT16", "UINT8"] | None = Field(
        None, description="INT16 (NODATA -32768, default) or UINT8 (NODATA 0)."
    )
    pixel_selection: Literal["intersect", "contained"] | None = Field(
        None, description="Pixels touching the area (intersect, default) or inside it."
    )
    utm_selection: Literal["single_utm_fully_covered", "single_utm", "combined_utm"] | None = Field(
        None, description="For UTM EPSG codes only (default combined_utm)."
    )
    force_pixel_size: bool | None = Field(
        None, description="Keep the exact pixel size when reprojecting (default true)."
    )
    allow_partial: bool | None = Field(
        None,
        description="Take a date whose image covers only part of the area (default false; "
        "true for tiles and minitiles).",
    )
    processing_level: Literal["L1C", "L2A"] | None = Field(
        None, description="Nimbus orders only: the processing level of the files (L1C or L2A)."
    )
    tiles: Literal["each", "composite"] | None = Field(
        None,
        description="Tile and minitile orders: one file per tile and date (each, default), or "
        "one composite of their area per date.",
    )
    upload_url: str | None = Field(
        None,
        max_length=4000,
        pattern=r"^https?://\S+$",
        description="Have the service PUT each file to this URL instead of downloading it; "
        "{name}, {date} and {tile} are filled in (an Azure container SAS URL, a server "
        "accepting PUTs). Keep tokens out of git: prefer --upload-url-template from a secret.",
    )
    upload_to: str | None = Field(
        None,
        max_length=1000,
        pattern=r"^(s3|gs|az)://[^@?#\s]+$",
        description="Have the service PUT each file into this bucket: a URL presigned for "
        "each file, e.g. s3://bucket/imagery/{name}/{date}.tif (credentials from the "
        "standard environment variables).",
    )

    @field_validator("upload_url")
    @classmethod
    def _encrypted_url(cls, value: str | None) -> str | None:
        return _encrypted(value, "uploadUrl")


def _encrypted(value: str | None, field: str) -> str | None:
    """Plain http only to loopback: a presigned URL or an access key id travels in it."""
    if value is None:
        return value
    parts = urlsplit(value.replace("{", "").replace("}", ""))
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise ValueError(
            f"{field} sends the files over plain http to {parts.hostname}: use https (plain "
            "http only to this machine)"
        )
    return value


class DeliverySettings(Delivery):
    """clearsky.yaml `delivery`: defaults for every manifest's `delivery`, and the folder."""

    out: str = Field(
        "imagery", max_length=500, description="Where pull writes, relative to clearsky.yaml."
    )
    layout: str | None = Field(
        None,
        max_length=300,
        description="Each file's path under `out`: {name}, {date}, {tile}, {year}, {month}. "
        "Default {name}/{date}.tif, and {name}/{date}/{tile}.tif for tiles.",
    )
    stac: bool = Field(
        True,
        description="Write a STAC catalog of the pulled files beside them (catalog.json, a "
        "collection per order, an item per file).",
    )
    upload_endpoint: str | None = Field(
        None,
        max_length=1000,
        pattern=r"^https?://[^@?#\s]+$",
        description="For uploadTo s3://: an S3-compatible server's URL (MinIO, Ceph, R2, ...).",
    )
    allowed_uploads: list[Annotated[str, StringConstraints(max_length=253)]] = Field(
        default_factory=list,
        max_length=100,
        description="Hosts (of uploadUrl) and buckets (of uploadTo) a manifest's own delivery "
        "may name. Upload destinations come from here and the command line; a manifest that "
        "names another is an error, and one it may name is shown in every plan.",
    )

    @field_validator("upload_endpoint")
    @classmethod
    def _encrypted_endpoint(cls, value: str | None) -> str | None:
        return _encrypted(value, "uploadEndpoint")


class TaskingOrderManifest(_Strict):
    """One tasking order the account should have."""

    model_config = ConfigDict(title="TaskingOrder")

    api_version: Literal["clearsky-orders/v1"]
    kind: Literal["TaskingOrder"]
    metadata: Metadata
    spec: Spec
    delivery: Delivery | None = Field(
        None, description="How `pull` fetches this order's imagery (over clearsky.yaml's)."
    )


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


class NoteSettings(_Strict):
    passes: bool = Field(
        False,
        description="In plan, for each new polygon order (the first 20), ask the acquisition "
        "plans how many satellite passes fall on its first month's image dates.",
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
    max_charge_at_apply: float | None = Field(
        None,
        ge=0,
        description="What one apply may deduct from the order credits at once (EUR): the "
        "coverage its new orders are charged for when they are made (a past From's historical "
        "window, a bounded order's whole period, the current cycle).",
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
    max_processing_credits: float | None = Field(
        None,
        ge=0,
        description="What one `pull` may spend in processing credits (the service's estimate, "
        "summed before anything is downloaded).",
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
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    notes: NoteSettings = Field(default_factory=NoteSettings)


def default_config() -> Config:
    return Config(api_version=API_VERSION, kind="Config")

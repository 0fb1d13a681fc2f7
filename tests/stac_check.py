"""Validate a STAC catalog offline: pystac's own core schemas plus the extension schemas kept
in tests/data/stac-schemas; any other schema is a failure, never a download."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pystac
from pystac.validation import JsonSchemaSTACValidator, set_validator

SCHEMAS = Path(__file__).parent / "data" / "stac-schemas"
KEPT = {
    "https://stac-extensions.github.io/projection/v2.0.0/schema.json": "projection-v2.0.0.json",
    "https://stac-extensions.github.io/raster/v1.1.0/schema.json": "raster-v1.1.0.json",
    "https://stac-extensions.github.io/file/v2.1.0/schema.json": "file-v2.1.0.json",
}


class OfflineValidator(JsonSchemaSTACValidator):
    def __init__(self) -> None:
        super().__init__()
        for uri, name in KEPT.items():
            self.schema_cache[uri] = json.loads((SCHEMAS / name).read_text())

    def _get_schema(self, schema_uri: str) -> dict[str, Any]:
        if schema_uri not in self.schema_cache:
            raise AssertionError(f"{schema_uri} is not kept in tests/data/stac-schemas")
        return self.schema_cache[schema_uri]


def validate_catalog(path: Path) -> pystac.Catalog:
    """Every object of the catalog at `path`, validated; the catalog read back."""
    set_validator(OfflineValidator())
    catalog = pystac.Catalog.from_file(str(path))
    catalog.validate_all()
    return catalog

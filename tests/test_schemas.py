"""The committed JSON Schemas are exactly what the models generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.schemas import rendered_schemas

SCHEMAS = Path(__file__).parent.parent / "schemas"


@pytest.mark.parametrize("name", sorted(rendered_schemas()))
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = (SCHEMAS / name).read_text(encoding="utf-8")
    assert committed == rendered_schemas()[name], f"schemas/{name} drifted: run 'make schemas'"


def test_manifest_schema_rejects_unknown_fields_and_names_the_aoi_variants() -> None:
    schema = json.loads((SCHEMAS / "tasking-order.schema.json").read_text())
    assert schema["additionalProperties"] is False
    aoi = schema["$defs"]["Aoi"]["properties"]
    assert set(aoi) == {"wkt", "geojson", "file", "tiles", "miniTiles"}

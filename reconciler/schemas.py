"""JSON Schemas generated from the models; `make schemas` writes them to schemas/.

Run as `python -m reconciler.schemas [FOLDER]`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from reconciler.manifest.models import Config, TaskingOrderManifest
from reconciler.render.document import PlanDoc

SCHEMAS: dict[str, type[BaseModel]] = {
    "tasking-order.schema.json": TaskingOrderManifest,
    "config.schema.json": Config,
    "plan.schema.json": PlanDoc,
}
SCHEMA_NAMES = {
    "manifest": "tasking-order.schema.json",
    "config": "config.schema.json",
    "plan": "plan.schema.json",
}
"""What `clearsky-orders schema NAME` calls each schema."""


def schema_for(model: type[BaseModel], file_name: str) -> dict[str, Any]:
    body = model.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://clearsky-orders.dev/schemas/{file_name}",
        **body,
    }


def render_schema(body: dict[str, Any]) -> str:
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rendered_schemas() -> dict[str, str]:
    """File name -> text, for the model-derived schemas."""
    return {name: render_schema(schema_for(model, name)) for name, model in SCHEMAS.items()}


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered_schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - `make schemas`
    import sys

    for path in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        print(f"wrote {path}")

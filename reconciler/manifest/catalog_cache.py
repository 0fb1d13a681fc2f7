"""The service's list of models, kept beside clearsky.yaml for validating offline.

`plan` writes `.clearsky/models.json` each time it asks the service; `validate` reads it (it is
not authoritative then: a name it does not know is a warning). An unreadable cache is ignored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from reconciler.domain.catalog import Catalog
from reconciler.files import inside, read_text_file

CACHE = Path(".clearsky") / "models.json"
MAX_BYTES = 1_000_000


def cached_catalog(root: Path) -> Catalog | None:
    """The cached list of the service, or None when there is none or it cannot be read."""
    path = root / CACHE
    try:
        raw = json.loads(read_text_file(path, MAX_BYTES, follow=False))
        rows = [
            (str(m["model"]), [str(c) for c in m["required"]], [str(c) for c in m["optional"]])
            for m in raw["models"]
        ]
        day = str(raw["fetchedAt"])[:10]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Catalog.of(rows, f"the service's list of {day} (cached)")


def save_catalog(root: Path, catalog: Catalog) -> None:
    """Keep the service's list for offline validation (best effort: a read-only folder is
    not an error)."""
    body = {
        "fetchedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "models": [
            {"model": m.name, "required": sorted(m.required), "optional": sorted(m.optional)}
            for m in catalog.models
        ],
    }
    path = root / CACHE
    if not inside(path, root):  # a .clearsky that leads elsewhere: keep nothing
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        temp.replace(path)
    except OSError:
        return

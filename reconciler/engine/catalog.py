"""The service's list of models: asked once a run, kept for offline validation."""

from __future__ import annotations

from pathlib import Path

from reconciler.api import GONE, ClearskyClient
from reconciler.domain.catalog import Catalog
from reconciler.errors import ApiError
from reconciler.manifest.catalog_cache import save_catalog

SERVICE_LIST = "the service's list"


async def service_catalog(client: ClearskyClient, keep_in: Path | None = None) -> Catalog | None:
    """What the service sells, as it says today (None where it has no models endpoint: the
    manifests are then checked against the cached or built-in list, unknown names as notes)."""
    try:
        models = await client.list_models()
    except ApiError as error:
        if error.status in GONE:
            return None
        raise
    if not models:
        return None
    catalog = Catalog.of(
        [(m.model, m.required, m.optional) for m in models], SERVICE_LIST, authoritative=True
    )
    if keep_in is not None:
        save_catalog(keep_in, catalog)
    return catalog

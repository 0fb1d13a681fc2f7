"""A manifest's spec as short as it can be: the fields clearsky.yaml's defaults (or the
built-in ones: referenceDate is `from`, one storage month, one API request, recurring) give
the same value are left out.

A field is left out only when the spec without it resolves, with the same defaults, to the
same order (the same fingerprint): whatever the defaults hold, the short manifest describes
exactly the order the full one does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler.domain.catalog import Catalog
from reconciler.domain.order import OrderSpec
from reconciler.manifest.models import Spec
from reconciler.manifest.resolve import merge_defaults, resolve_spec


def shortest_spec(
    spec: Mapping[str, Any], defaults: Mapping[str, Any], catalog: Catalog
) -> dict[str, Any]:
    """`spec` without every field whose value the defaults give anyway (never its area)."""
    full = dict(spec)
    wanted = resolved(full, defaults, catalog)
    if wanted is None:
        return full
    short = full
    for key in [k for k in full if k != "aoi"]:
        trial = {k: v for k, v in short.items() if k != key}
        found = resolved(trial, defaults, catalog)
        if found is not None and found.fingerprint == wanted.fingerprint:
            short = trial
    return short


def resolved(
    spec: Mapping[str, Any], defaults: Mapping[str, Any], catalog: Catalog
) -> OrderSpec | None:
    """The order a manifest with this spec describes under these defaults, or None when it
    would not load."""
    problems: list[str] = []
    try:
        checked = Spec.model_validate(merge_defaults(spec, defaults))
    except ValidationError:
        return None
    found = resolve_spec(
        checked,
        manifest_dir=Path("."),
        root=Path("."),
        report=lambda _path, message: problems.append(message),
        catalog=catalog,
    )
    return None if problems else found

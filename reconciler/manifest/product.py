"""Checking a model and its constellations against a catalog of what the service sells."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reconciler.domain.catalog import Catalog

Path_ = tuple[str | int, ...]
Say = Callable[[Path_, str], None]


@dataclass(frozen=True)
class Product:
    """The model and constellations in the catalog's spelling (as written where it has none)."""

    model: str
    constellations: frozenset[str]


def check_product(
    model: str, constellations: Sequence[str], catalog: Catalog, *, report: Say, note: Say
) -> Product:
    """Report what the catalog refuses (errors) or does not know offline (notes)."""
    doubt = report if catalog.authoritative else note
    where = f"in {catalog.source}" + ("" if catalog.authoritative else "; plan asks the service")
    chosen: list[str] = []
    for index, name in enumerate(constellations):
        known = catalog.constellation(name)
        if known is None:
            doubt(
                ("spec", "constellations", index),
                f"unknown constellation {name!r} {where} (known: "
                f"{', '.join(catalog.constellation_names)})",
            )
        chosen.append(known or name)
    entry = catalog.model(model)
    if entry is None:
        doubt(
            ("spec", "model"),
            f"unknown model {model!r} {where} (known: {', '.join(catalog.model_names)})",
        )
        return Product(model, frozenset(chosen))
    picked = frozenset(chosen)
    missing = entry.required - picked
    if missing:
        report(
            ("spec", "constellations"),
            f"model {entry.name} needs {', '.join(sorted(missing))} "
            f"(it needs {', '.join(sorted(entry.required))})",
        )
    extra = {c for c in picked - entry.allowed if catalog.constellation(c)}
    if extra:
        doubt(
            ("spec", "constellations"),
            f"model {entry.name} does not take {', '.join(sorted(extra))} {where} "
            f"(it takes {', '.join(sorted(entry.allowed))})",
        )
    return Product(entry.name, picked)

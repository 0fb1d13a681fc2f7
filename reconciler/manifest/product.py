"""Checking a model and its constellations against a catalog of what the service sells."""

from __future__ import annotations

import difflib
import re
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
            _unknown(
                "constellation", name, catalog.constellation_names, where,
                ("spec", "constellations", index), report, doubt,
            )  # fmt: skip
        chosen.append(known or name)
    entry = catalog.model(model)
    if entry is None:
        _unknown("model", model, catalog.model_names, where, ("spec", "model"), report, doubt)
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


def _unknown(
    what: str,
    name: str,
    known: Sequence[str],
    where: str,
    path: Path_,
    report: Say,
    doubt: Say,
) -> None:
    """An unknown name: a typo of a known one ('Sentinal2') is an error with the name meant,
    wherever the list comes from; any other is a doubt (a note offline: the service may sell
    what the built-in list does not know)."""
    # a typo keeps the numbers and misspells the words ('Sentinal2'); another number
    # ('Sentinel3', 'Stratus3') is another product, which the service may well sell
    numbers = re.sub(r"\D", "", name)
    alike = [k for k in known if re.sub(r"\D", "", k) == numbers]
    close = difflib.get_close_matches(name.lower(), [k.lower() for k in alike], n=1, cutoff=0.8)
    if close:
        meant = next(k for k in alike if k.lower() == close[0])
        report(path, f"unknown {what} {name!r}; did you mean {meant!r}?")
        return
    doubt(path, f"unknown {what} {name!r} {where} (known: {', '.join(known)})")

"""What the service sells: models, and the constellations each needs or can add.

The service's own list (GET /api/tasking/models) decides when it can be asked; the built-in
list below is only the offline fallback, for `validate` without a network. A catalog that did
not come from the service now is not `authoritative`: a name it does not know is a warning
(the plan checks it against the service), never an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelEntry:
    name: str
    required: frozenset[str]
    optional: frozenset[str] = frozenset()

    @property
    def allowed(self) -> frozenset[str]:
        return self.required | self.optional


@dataclass(frozen=True)
class Catalog:
    models: tuple[ModelEntry, ...]
    source: str
    """Where the list came from, for messages: "the service", "the built-in list", ..."""
    authoritative: bool = False
    extra_constellations: tuple[str, ...] = ()
    _models: Mapping[str, ModelEntry] = field(init=False, repr=False, compare=False)
    _constellations: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [c for m in self.models for c in sorted(m.allowed)] + list(
            self.extra_constellations
        )
        object.__setattr__(self, "_models", {m.name.lower(): m for m in self.models})
        object.__setattr__(self, "_constellations", {c.lower(): c for c in names})

    def model(self, name: str) -> ModelEntry | None:
        return self._models.get(name.strip().lower())

    def constellation(self, name: str) -> str | None:
        """The catalog's spelling of a constellation (`landsat89` -> `Landsat89`), or None."""
        return self._constellations.get(name.strip().lower())

    @property
    def model_names(self) -> list[str]:
        return [m.name for m in self.models]

    @property
    def constellation_names(self) -> list[str]:
        return list(dict.fromkeys(self._constellations.values()))

    @classmethod
    def of(
        cls,
        entries: Iterable[tuple[str, Iterable[str], Iterable[str]]],
        source: str,
        *,
        authoritative: bool = False,
    ) -> Catalog:
        """From (model, required, optional) rows."""
        models = tuple(
            ModelEntry(name, frozenset(required), frozenset(optional))
            for name, required, optional in entries
            if name
        )
        return cls(models, source, authoritative)


S1, S2, L89 = "Sentinel1", "Sentinel2", "Landsat89"
BUILT_IN = Catalog(
    (
        ModelEntry("Stratus2", frozenset({S1, S2, L89})),
        ModelEntry("Stratus2Fast", frozenset({S1, S2}), frozenset({L89})),
        ModelEntry("Stratus2NoSnow", frozenset({S1, S2, L89})),
    ),
    "the built-in list",
)
"""The offline fallback (facts file: Models); the service sells more than this."""


def canonical_constellation(name: str) -> str | None:
    """The built-in spelling of a constellation, or None."""
    return BUILT_IN.constellation(name)


def canonical_model(name: str) -> str | None:
    """The built-in spelling of a model, or None."""
    found = BUILT_IN.model(name)
    return found.name if found else None

"""Manifest problems as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.errors import Problem


def problems_text(problems: Sequence[Problem], notes: Sequence[Problem] = ()) -> str:
    lines = [str(p) for p in problems] + notes_lines(notes)
    count = len(problems)
    lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was changed.")
    return "\n".join(lines)


def notes_lines(notes: Sequence[Problem]) -> list[str]:
    return [f"warning: {n}" for n in notes]


def problems_json(problems: Sequence[Problem], notes: Sequence[Problem] = ()) -> str:
    """{"errors": [{file, line, name, field, message}], "warnings": [...]}: the shape every
    command's --format json gives its errors in."""
    return json.dumps(
        {"errors": [p.as_dict() for p in problems], "warnings": [n.as_dict() for n in notes]},
        indent=2,
    )


def valid_text(manifests: int, files: int) -> str:
    return (
        f"{manifests} manifest{'s' if manifests != 1 else ''} valid in {files} "
        f"file{'s' if files != 1 else ''}."
    )

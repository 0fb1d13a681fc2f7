"""Manifest problems as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.errors import Problem


def problems_text(problems: Sequence[Problem]) -> str:
    lines = [str(p) for p in problems]
    count = len(problems)
    lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was changed.")
    return "\n".join(lines)


def problems_json(problems: Sequence[Problem]) -> str:
    return json.dumps([p.as_dict() for p in problems], indent=2)


def valid_text(manifests: int, files: int) -> str:
    return (
        f"{manifests} manifest{'s' if manifests != 1 else ''} valid in {files} "
        f"file{'s' if files != 1 else ''}."
    )

"""Pydantic's validation errors, said for people, with the closest valid field named."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler.manifest.models import NAME_MAX
from reconciler.oneline import shown_value


def field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def model_at(model: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class that describes the mapping at `path`, if there is one."""
    current: type[BaseModel] = model
    for part in path:
        nxt = None
        for name, info in current.model_fields.items():
            if (info.alias or name) == part:
                nxt = _model_in(info.annotation)
        if nxt is None:
            return None
        current = nxt
    return current


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def explain(
    model: type[BaseModel], error: ValidationError
) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, message) for each error pydantic found."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    for item in error.errors(include_url=False):
        loc = tuple(
            p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        out.append((loc, _message(model, loc, item)))
    return out


def _message(model: type[BaseModel], loc: tuple[str | int, ...], item: Any) -> str:
    kind = item["type"]
    value = item.get("input")
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        parent = model_at(model, [p for p in loc[:-1] if isinstance(p, str)])
        known = field_names(parent) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
        hint = (
            f"; did you mean '{close[0]}'?"
            if close
            else (f"; valid fields: {', '.join(known)}" if known else "")
        )
        return f"unknown field '{loc[-1]}'{hint}"
    if loc[-1:] == ("name",) and kind in ("string_pattern_mismatch", "string_too_long"):
        return (
            f"invalid name {value!r}: use lowercase letters, digits and '-', starting and "
            f"ending with a letter or digit, at most {NAME_MAX} characters"
        )
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"not a date: {value!r} (write YYYY-MM-DD)"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{shown_value(value)} is out of range: {item['msg'].lower()}"
    text = str(item["msg"])
    return (
        f"{text[0].lower()}{text[1:]} (got {shown_value(value)})"
        if value is not None and not isinstance(value, dict)
        else text
    )

"""All terminal output of the CLI goes through here (colour only on a terminal)."""

from __future__ import annotations

import os
import sys

import click

_COLOUR: dict[str, bool] = {"enabled": True}


def set_colour(enabled: bool) -> None:
    _COLOUR["enabled"] = enabled and "NO_COLOR" not in os.environ


def colour_on(stream: object = None) -> bool:
    stream = stream or sys.stdout
    return (
        _COLOUR["enabled"]
        and "NO_COLOR" not in os.environ
        and bool(getattr(stream, "isatty", lambda: False)())
    )


def say(text: str = "", *, err: bool = False) -> None:
    click.echo(text, err=err, color=colour_on(sys.stderr if err else sys.stdout))


def fail(text: str) -> None:
    """An error for a person, on stderr."""
    click.echo(f"Error: {text}", err=True)

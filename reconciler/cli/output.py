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


def start_logging(debug: bool) -> None:
    """--debug or CLEARSKY_LOG=debug|info: the tool's log on stderr (or CLEARSKY_LOG_FILE).
    Messages carry methods, paths, statuses and times: never the key or a request body."""
    import logging

    level = "DEBUG" if debug else os.environ.get("CLEARSKY_LOG", "").upper()
    logger = logging.getLogger("clearsky_orders")
    for old in logger.handlers:
        old.close()
    logger.handlers = []
    if level not in ("DEBUG", "INFO"):
        logger.setLevel(logging.WARNING)
        return
    target = os.environ.get("CLEARSKY_LOG_FILE")
    handler = logging.FileHandler(target) if target else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.handlers = [handler]
    logger.setLevel(level)


def start_progress() -> None:
    """Progress lines on stderr, only when it is a terminal (never in CI logs or pipes)."""
    from reconciler.progress import set_reporter

    if not sys.stderr.isatty():
        set_reporter(None)
        return
    import time

    started = time.monotonic()

    def tell(message: str) -> None:
        click.echo(
            click.style(f"[{time.monotonic() - started:5.1f}s] {message}", dim=True), err=True
        )

    set_reporter(tell)

"""All terminal output of the CLI goes through here (colour only on a terminal)."""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler.oneline import one_line

F = TypeVar("F", bound=Callable[..., Any])

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


_CAPTURED: list[list[str]] = []
"""While a command with --format json runs: what it would have said on stdout."""


def say(text: str = "", *, err: bool = False) -> None:
    if _CAPTURED and not err:
        _CAPTURED[-1].append(click.unstyle(text))
        return
    click.echo(text, err=err, color=colour_on(sys.stderr if err else sys.stdout))


def format_option(
    *choices: str, help: str = "Output format.", dest: str = "fmt"
) -> Callable[[F], F]:
    """The --format option of a command (text first, the default). Every command names it
    so: the error path looks for `--format json` to answer errors in JSON too."""
    return click.option(
        "--format",
        dest,
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


def json_messages(func: F) -> F:
    """Give a command whose output is sentences `--format text|json`: with json, what it
    says on stdout comes out once, as {"messages": [...]} (errors as {"errors": [...]})."""
    import functools
    import json

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.pop("message_format", "text") != "json":
            return func(*args, **kwargs)
        _CAPTURED.append([])
        try:
            code = func(*args, **kwargs)
        finally:
            lines = _CAPTURED.pop()
        click.echo(json.dumps({"messages": lines}, indent=2))
        return code

    option = format_option(
        "text",
        "json",
        help='json: what the command says, as {"messages": [...]}.',
        dest="message_format",
    )
    return option(wrapper)  # type: ignore[return-value]


def fail(text: str) -> None:
    """An error for a person, on stderr."""
    click.echo(f"Error: {one_line(text, 4000)}", err=True)


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
    handler = logging.StreamHandler(_log_file(target) if target else sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.handlers = [handler]
    logger.setLevel(level)


def _log_file(target: str) -> typing.TextIO:
    """CLEARSKY_LOG_FILE opened to append: a regular file (made if missing), never through a
    symlink; anything else is one message."""
    from reconciler.errors import ConfigurationError

    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        raise ConfigurationError(
            f"CLEARSKY_LOG_FILE {one_line(target, 200)!r}: cannot be opened to append "
            f"({exc.strerror or type(exc).__name__}; a symlink is not followed)"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ConfigurationError(
            f"CLEARSKY_LOG_FILE {one_line(target, 200)!r} is not a regular file"
        )
    return os.fdopen(fd, "a", encoding="utf-8")


def start_progress() -> None:
    """Progress lines on stderr, only when it is a terminal (never in CI logs or pipes)."""
    from reconciler.progress import set_reporter

    if not sys.stderr.isatty():
        set_reporter(None)
        return
    set_reporter(progress_lines(sys.stderr, colour=colour_on()))


def progress_lines(
    stream: typing.TextIO, *, colour: bool, every: float = 10.0
) -> Callable[[str], None]:
    """A reporter that prints each message with the time since the start (dim where colour
    is on; no escape sequence at all with NO_COLOR or --no-color), and, while a phase runs
    longer than `every` seconds without news, that it is still at it, with the time elapsed
    (like Terraform's "Still creating... [10s elapsed]")."""
    started = time.monotonic()
    message, since = [""], [started]  # the phase said last, and when it was last said
    lock = threading.Lock()

    def line(text: str) -> None:
        shown = f"[{time.monotonic() - started:5.1f}s] {text}"
        stream.write((click.style(shown, dim=True) if colour else shown) + "\n")
        stream.flush()

    def tell(said: str) -> None:
        with lock:
            message[0], since[0] = said, time.monotonic()
            line(said)

    def heartbeat() -> None:
        while True:
            time.sleep(every / 4)
            with lock:
                quiet = time.monotonic() - since[0]
                if message[0] and quiet >= every:
                    line(f"still {message[0].rstrip('.')}... [{quiet:.0f}s elapsed]")
                    since[0] = time.monotonic()

    threading.Thread(target=heartbeat, name="progress", daemon=True).start()
    return tell

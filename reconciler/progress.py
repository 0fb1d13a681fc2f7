"""Progress of long work, for a person at a terminal: one short line at a time.

The engine says what it is doing through `report`; the CLI decides where that goes (stderr
on a terminal, nowhere otherwise) by `set_reporter`. Nothing here formats for a format.
"""

from __future__ import annotations

from collections.abc import Callable

Reporter = Callable[[str], None]

_reporter: Reporter | None = None


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter


def report(message: str) -> None:
    if _reporter is not None:
        _reporter(message)

"""Someone else's text made safe to print: one line, no control characters.

The service's messages, and anything else that reaches a terminal or a log from outside,
go through `one_line`: an ANSI escape (`\\x1b]0;TITLE\\x07`, `\\x1b[2J`) or a line break in an
error text must not retitle the terminal, clear the screen or forge a line of output.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e]")
MAX_TEXT = 1_000


def one_line(text: object, limit: int = MAX_TEXT) -> str:
    """`text` on one line, each control or direction character a space, at most `limit`."""
    line = CONTROLS.sub(" ", str(text))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def shown_url(url: str) -> str:
    """A URL fit to print: scheme, host, port and path; no user info, no query (presigned
    URLs and SAS tokens carry their secrets there), no fragment."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<an unreadable URL>"
    host = parts.hostname or ""
    if port:
        host = f"{host}:{port}"
    suffix = "?..." if parts.query else ""
    return one_line(urlunsplit((parts.scheme, host, parts.path, "", "")) + suffix, 300)


def shown_value(value: object) -> str:
    """Someone's value for a message: a URL as `shown_url` prints it, anything else as repr."""
    if isinstance(value, str) and "://" in value:
        return repr(shown_url(value))
    return one_line(repr(value), 300)

"""Untrusted text on its way into a render: names and messages come from manifests, the state
and the service, and the plan comment is read by people and bots. Nothing they hold may start
a line, open a tag, mention someone, link, or close a fence; and nothing may paint a terminal."""

from __future__ import annotations

import re

from reconciler.oneline import MAX_TEXT, one_line

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def plain(text: object, limit: int = MAX_TEXT) -> str:
    """One line of text without control characters (no ANSI escapes, no line breaks)."""
    return one_line(text, limit)


def md(text: object, limit: int = MAX_TEXT) -> str:
    """Text that reads as itself in Markdown and HTML: one line, specials escaped, no tags,
    no @mentions, no links."""
    line = plain(text, limit)
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    line = _MARKDOWN.sub(r"\\\1", line)
    return line.replace("@", "&#64;").replace("http", "h&#116;tp")


def fenced(text: object, limit: int = MAX_TEXT) -> str:
    """Text for inside a ``` fence: one line, and no backticks that could close it."""
    return plain(text, limit).replace("`", "'")

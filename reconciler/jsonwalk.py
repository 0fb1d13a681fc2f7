"""Reading a large JSON object member by member.

`json.loads` turns a whole document into one tree of Python objects before anything can be
done with it: a state of 50,000 entries, 43 MB of text, stands in memory as 110 MB of dicts
beside the text, and only then is each entry checked and turned into what the tool keeps.
Walking the object instead parses each member's value, hands it over, and drops it before the
next, with the standard library's own scanner (the same grammar and the same errors).
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable, Iterator
from json import JSONDecodeError
from typing import Any, cast

_SPACE = re.compile(r"[ \t\n\r]*")
# the standard library's own scanner (C where it can): typeshed does not describe these two
_SCAN = cast(
    Callable[[str, int], tuple[Any, int]], cast(Any, json.scanner).make_scanner(json.JSONDecoder())
)
scanstring = cast(Callable[[str, int], tuple[str, int]], cast(Any, json.decoder).scanstring)


class Walk:
    """A position in a JSON text, moved forward by reading it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def members(self) -> Iterator[str]:
        """The keys of the object here, in the order written. After each key the walk stands
        at its value: read it (`value`, or `members` for an object) before the next key."""
        self._expect("{", "'{'")
        self._skip()
        if self.text.startswith("}", self.at):
            self.at += 1
            return
        while True:
            self._expect('"', "property name enclosed in double quotes")
            key, self.at = scanstring(self.text, self.at)
            self._expect(":", "':' delimiter")
            self._skip()
            before = self.at
            yield key
            if self.at == before:  # a caller that skips a value would misread the rest
                raise RuntimeError(f"the value of {key!r} was not read")
            self._skip()
            if self.text.startswith(",", self.at):
                self.at += 1
                continue
            self._expect("}", "',' delimiter")
            return

    def elements(self) -> Iterator[Any]:
        """The values of the array here, each parsed whole, one at a time."""
        self._expect("[", "'['")
        self._skip()
        if self.text.startswith("]", self.at):
            self.at += 1
            return
        while True:
            self._skip()
            yield self.value()
            self._skip()
            if self.text.startswith(",", self.at):
                self.at += 1
                continue
            self._expect("]", "',' delimiter")
            return

    def value(self) -> Any:
        """The value here, whole."""
        try:
            found, self.at = _SCAN(self.text, self.at)
        except StopIteration as stop:
            raise JSONDecodeError("Expecting value", self.text, stop.value) from None
        return found

    def at_object(self) -> bool:
        """The value here is an object (`members` reads it)."""
        self._skip()
        return self.text.startswith("{", self.at)

    def at_array(self) -> bool:
        """The value here is an array (`elements` reads it)."""
        self._skip()
        return self.text.startswith("[", self.at)

    def finish(self) -> None:
        """Nothing but white space is left."""
        self._skip()
        if self.at != len(self.text):
            raise JSONDecodeError("Extra data", self.text, self.at)

    def line(self, at: int | None = None) -> int:
        """The line (from 1) of a position, by default the walk's, for messages: counted on
        demand (counting it for every member would take as long as the text is, each time)."""
        return self.text.count("\n", 0, self.at if at is None else at) + 1

    def _skip(self) -> None:
        found = _SPACE.match(self.text, self.at)
        assert found is not None  # the pattern matches the empty string
        self.at = found.end()

    def _expect(self, char: str, what: str) -> None:
        self._skip()
        if not self.text.startswith(char, self.at):
            raise JSONDecodeError(f"Expecting {what}", self.text, self.at)
        self.at += 1

"""The orders in a list answer, read one at a time.

The answer of an account with 50,000 orders is about 43 MB of JSON. Parsed whole, it stands in
memory as dicts (and then as models) for every order at once before the first is used; read
member by member (jsonwalk.py), each order is parsed, handed over and dropped before the next.

The orders are where the service puts them: `{"Data": {"TaskOrders": [...]}}` today, or
`{"Data": [...]}` on the older page, with keys in any case. An answer that names no list of
orders is not an empty account: reading it as one would plan every order anew.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.jsonwalk import Walk


class Listing:
    """Walks one answer's envelope; `found` and `succeeded` are known once `orders` is done."""

    def __init__(self, text: str) -> None:
        self._walk = Walk(text)
        self.found = False
        """The answer named its orders (an explicit null counts: the service said none)."""
        self.succeeded: Any = None
        """The envelope's Succeeded, as written (None when it has none)."""

    def orders(self) -> Iterator[Any]:
        """Each order as parsed JSON, in the order listed. JSONDecodeError when the text is
        not JSON."""
        walk = self._walk
        keys: set[str] = set()
        for key in walk.members():
            name = key.lower()
            first = name not in keys
            keys.add(name)
            if name == "data" and first:
                yield from self._data()
            elif name == "succeeded" and first:
                self.succeeded = walk.value()
            else:
                walk.value()  # the first of each key counts, as when the envelope is read whole
        walk.finish()

    def _data(self) -> Iterator[Any]:
        walk = self._walk
        if walk.at_object():
            seen = False
            for key in walk.members():
                if key.lower() == "taskorders" and not seen:
                    seen = True
                    yield from self._list()
                else:
                    walk.value()
        else:
            yield from self._list()

    def _list(self) -> Iterator[Any]:
        walk = self._walk
        if walk.at_array():
            self.found = True
            yield from walk.elements()
        elif walk.value() is None:
            self.found = True

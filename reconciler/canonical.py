"""Canonical JSON: the text digests and seals are taken over.

Keys sorted, no spaces, ASCII: what `json.dumps(value, sort_keys=True, separators=(",", ":"))`
writes. One encoder serves every call; `json.dumps` with options makes a new one each time,
a quarter of the cost of a small value, and a large plan digests tens of thousands of them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> str:
    """`value` as canonical JSON text."""
    return _ENCODER.encode(value)


def canonical_sha256(value: Any) -> str:
    """The sha256 (hex) of `value`'s canonical JSON text."""
    return hashlib.sha256(_ENCODER.encode(value).encode()).hexdigest()

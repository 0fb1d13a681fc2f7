"""Faults the sandbox injects on demand: latency, 500/503 answers, 429 with Retry-After, and
creates that are committed but whose response is then dropped."""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send


@dataclass
class Faults:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after_s: float = 1.0
    drop_create_rate: float = 0.0
    drop_next_creates: int = 0
    fail_path: str = ""
    """Every request whose path starts with this is answered 503 (with Retry-After)."""
    fail_method: str = ""
    """...when its method is this one (any method when empty)."""
    missed_share: float = 0.0
    """The share of an order's image dates the sandbox never delivers (chosen by a hash of the
    order and the date, so the same dates stay missing): what a degraded order looks like."""
    fail_date: str = ""
    """Downloads of this date (YYYY-MM-DD) are refused with 1002, although the date is listed
    as delivered: a file the service cannot produce."""
    seed: int | None = None
    injected: int = 0
    """How many faults were injected so far (errors, 429s, dropped answers)."""
    _random: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    def update(self, **settings: Any) -> None:
        with self._lock:
            for name, value in settings.items():
                kind = _KINDS.get(name)
                if kind is None:
                    raise ValueError(f"unknown fault setting {name!r}; known: {', '.join(_KINDS)}")
                setattr(self, name, None if value is None else kind(value))
            if "seed" in settings:
                self._random.seed(self.seed)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def missed(self, order: str, day: object) -> bool:
        """Whether the sandbox leaves this date of this order undelivered."""
        if self.missed_share <= 0:
            return False
        digest = hashlib.sha256(f"{order}:{day}".encode()).digest()
        return int.from_bytes(digest[:4], "big") / 2**32 < self.missed_share

    async def on_the_way(self) -> float:
        """The request's half of the latency; returns when the request came (the loop's clock)."""
        came = asyncio.get_running_loop().time()
        if self.latency_ms > 0:
            await asyncio.sleep(self.latency_ms / 2000)
        return came

    async def on_the_way_back(self, came: float) -> None:
        """The answer's half, the service's own work counted in it. The latency is the round
        trip a client sees: a service answers each request on its own, while the sandbox shares
        one thread (and the client's machine) with everything else, and its work, queued behind
        the other requests of the moment, would otherwise be added to every answer."""
        if self.latency_ms > 0:
            left = came + self.latency_ms / 1000 - asyncio.get_running_loop().time()
            await asyncio.sleep(max(0.0, left))

    def failure(self, method: str = "", path: str = "") -> str | None:
        """'outage', 'error', 'rate-limit' or None for the next request."""
        with self._lock:
            found = self._roll(method, path)
            self.injected += found is not None
            return found

    def _roll(self, method: str, path: str) -> str | None:
        if self._fails(method, path):
            return "outage"
        roll = self._random.random()
        if roll < self.error_rate:
            return "error"
        if roll < self.error_rate + self.rate_limit_rate:
            return "rate-limit"
        return None

    def _fails(self, method: str, path: str) -> bool:
        if not self.fail_path or not path.startswith(self.fail_path):
            return False
        return not self.fail_method or self.fail_method.upper() == method.upper()

    def drop_this_create(self) -> bool:
        with self._lock:
            if self.drop_next_creates > 0:
                self.drop_next_creates -= 1
                dropped = True
            else:
                dropped = self._random.random() < self.drop_create_rate
            self.injected += dropped
            return dropped


_KINDS: dict[str, type] = {
    "latency_ms": float,
    "error_rate": float,
    "rate_limit_rate": float,
    "retry_after_s": float,
    "drop_create_rate": float,
    "drop_next_creates": int,
    "fail_path": str,
    "fail_method": str,
    "missed_share": float,
    "fail_date": str,
    "seed": int,
}


class DroppedResponse(Response):
    """The request was committed, then the connection is dropped on purpose: the response
    starts, sends part of its body and fails with ConnectionResetError, so a client sees the
    connection die (uvicorn closes it; the in-process transport turns it into httpx's
    RemoteProtocolError)."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"Data": {', "more_body": True})
        raise ConnectionResetError("sandbox fault: response dropped after the order was committed")

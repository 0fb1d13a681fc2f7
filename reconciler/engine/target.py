"""Which service a run talks to: the embedded sandbox, or a ClearSKY API (real or a sandbox
served on loopback). The sandbox is imported only when it is the target."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reconciler.api import DEFAULT_URL, ClearskyClient
from reconciler.errors import AuthError, ConfigurationError

SANDBOX_KEY = "sandbox-local-key"
"""The embedded sandbox's built-in key: it only ever opens the local SQLite file."""


@dataclass(frozen=True)
class Target:
    sandbox: bool = False
    api_url: str = DEFAULT_URL
    api_key: str | None = field(default=None, repr=False)
    sandbox_db: Path | None = None
    parallelism: int = 8

    def describe(self) -> str:
        if self.sandbox:
            return f"the embedded sandbox ({self.sandbox_db})"
        return self.api_url

    def client(self) -> ClearskyClient:
        """A client for this target; the caller closes it."""
        if self.sandbox:
            return self._sandbox_client()
        if not self.api_key:
            raise AuthError(
                "no API key: set CLEARSKY_API_KEY, or add --sandbox to use the embedded sandbox"
            )
        return ClearskyClient(
            api_key=self.api_key, base_url=self.api_url, parallelism=self.parallelism
        )

    def _sandbox_client(self) -> ClearskyClient:
        from reconciler.sandbox import InProcessTransport, Sandbox, Store

        sandbox = Sandbox(store=Store(self.sandbox_db or ":memory:"))
        sandbox.add_account(SANDBOX_KEY, "sandbox", credits=_sandbox_credits())
        missed = os.environ.get("CLEARSKY_SANDBOX_MISSED_SHARE")
        if missed:  # show what a degraded order looks like in `status`
            try:
                sandbox.faults.update(missed_share=min(1.0, max(0.0, float(missed))))
            except ValueError:
                raise ConfigurationError(
                    f"CLEARSKY_SANDBOX_MISSED_SHARE={missed[:20]!r}: give a share from 0 to 1"
                ) from None
        moment = os.environ.get("CLEARSKY_SANDBOX_CLOCK")
        if moment:  # e.g. +1d: look at the embedded sandbox a day from now (imagery exists)
            sandbox.clock.set(sandbox_moment(moment))
        return ClearskyClient(
            api_key=SANDBOX_KEY,
            base_url="http://localhost",
            transport=InProcessTransport(app=sandbox.app()),
            parallelism=self.parallelism,
        )


def _sandbox_credits() -> float | None:
    """CLEARSKY_SANDBOX_CREDITS: the embedded sandbox account's order credits in EUR (unset:
    no limit), as `sandbox serve --credits` gives them."""
    given = os.environ.get("CLEARSKY_SANDBOX_CREDITS")
    if not given:
        return None
    try:
        value = float(given)
    except ValueError:
        value = -1.0
    if not (0 <= value < 1e12):  # also refuses nan and inf
        raise ConfigurationError(
            f"CLEARSKY_SANDBOX_CREDITS={given[:20]!r}: give an amount of euro, e.g. 1000"
        )
    return value


_UNITS = {"m": 60, "h": 3600, "d": 86400}


def sandbox_moment(text: str) -> datetime:
    """CLEARSKY_SANDBOX_CLOCK: an ISO date-time, or +N[m|h|d] from now (the embedded sandbox
    only; e.g. +1d to see the imagery of orders applied today)."""
    value = text.strip()
    try:
        if value.startswith("+") and value[-1:] in _UNITS:
            return datetime.now(UTC) + timedelta(seconds=float(value[1:-1]) * _UNITS[value[-1]])
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise ConfigurationError(
            f"CLEARSKY_SANDBOX_CLOCK={value[:30]!r}: give an ISO date-time or +N followed by "
            "m, h or d (e.g. +1d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

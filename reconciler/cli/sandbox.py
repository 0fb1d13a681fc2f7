"""clearsky-orders sandbox serve"""

from __future__ import annotations

from datetime import datetime, timedelta

import click

from reconciler.api import is_loopback
from reconciler.cli.output import say
from reconciler.sandbox import Clock, Faults, Sandbox, Store
from reconciler.sandbox.server import make_server


@click.group()
def sandbox() -> None:
    """The local stand-in for the ClearSKY service."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=".clearsky/sandbox.db",
    show_default=True,
    help="SQLite file (':memory:' keeps nothing).",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    envvar="CLEARSKY_API_KEY",
    help="An account's key; repeat for several accounts [env CLEARSKY_API_KEY: several keys "
    "separated by spaces, which keeps them out of process lists].",
)
@click.option("--skip-review", is_flag=True, help="Accounts skip the Review stage.")
@click.option("--review-minutes", type=click.FloatRange(0), default=30.0, show_default=True)
@click.option(
    "--now",
    "now",
    default=None,
    metavar="ISO-TIME",
    help="Freeze the sandbox clock at this UTC time.",
)
@click.option("--latency-ms", type=click.FloatRange(0), default=0.0, show_default=True)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests answered 503.",
)
@click.option(
    "--rate-limit-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests answered 429 with Retry-After.",
)
@click.option("--retry-after", type=click.FloatRange(0), default=1.0, show_default=True)
@click.option(
    "--drop-create-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of creates committed whose response is then dropped.",
)
@click.option("--seed", type=int, default=None, help="Seed for the fault dice.")
@click.option("--allow-remote", is_flag=True, help="Allow binding an address other than loopback.")
def serve(
    host: str,
    port: int,
    db: str,
    api_keys: tuple[str, ...],
    skip_review: bool,
    review_minutes: float,
    now: str | None,
    latency_ms: float,
    fault_rate: float,
    rate_limit_rate: float,
    retry_after: float,
    drop_create_rate: float,
    seed: int | None,
    allow_remote: bool,
) -> int:
    """Serve the sandbox over HTTP (loopback by default) until interrupted.

    \b
    Example:
      CLEARSKY_API_KEY=dev-key clearsky-orders sandbox serve --port 8787 &
      CLEARSKY_API_KEY=dev-key clearsky-orders plan --api-url http://127.0.0.1:8787 orders/
    """
    if not api_keys:
        raise click.UsageError("give at least one --api-key (or set CLEARSKY_API_KEY)")
    if not is_loopback(host) and not allow_remote:
        raise click.UsageError(f"{host} is not a loopback address; add --allow-remote to bind it")
    clock = Clock(datetime.fromisoformat(now.replace("Z", "+00:00")) if now else None)
    faults = Faults(
        latency_ms=latency_ms,
        error_rate=fault_rate,
        rate_limit_rate=rate_limit_rate,
        retry_after_s=retry_after,
        drop_create_rate=drop_create_rate,
        seed=seed,
    )
    service = Sandbox(
        store=Store(db), clock=clock, faults=faults, review=timedelta(minutes=review_minutes)
    )
    for number, key in enumerate(api_keys, start=1):
        service.add_account(key, f"account-{number}", skip_review=skip_review)
    say(
        f"Sandbox on http://{host}:{port} with {len(api_keys)} account(s), data in {db}. "
        "Ctrl-C stops it.",
        err=True,
    )
    make_server(service.app(), host, port, log_level="warning").run()
    return 0

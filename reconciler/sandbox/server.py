"""Running the sandbox: in process (through httpx's ASGI transport) or on loopback (uvicorn).

Runnable on its own, without the command line of clearsky-orders:

    CLEARSKY_API_KEY=dev-key python -m reconciler.sandbox --port 8787 --db .clearsky/sandbox.db
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from reconciler.loopback import is_loopback
from reconciler.sandbox.app import Dialect, Sandbox
from reconciler.sandbox.clock import Clock
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.store import Store


class InProcessTransport(httpx.ASGITransport):
    """The sandbox inside this process; a dropped response looks as it would on a network."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except ConnectionResetError:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            ) from None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def make_server(
    app: ASGIApp, host: str, port: int, *, log_level: str = "warning"
) -> uvicorn.Server:
    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, access_log=False, lifespan="off"
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def serve_in_thread(
    app: ASGIApp, host: str = "127.0.0.1", port: int | None = None, *, log_level: str = "critical"
) -> Iterator[str]:
    """Serve `app` on loopback in a background thread; yields the base URL, stops on exit."""
    port = port or free_port(host)
    server = make_server(app, host, port, log_level=log_level)
    thread = threading.Thread(target=server.run, name=f"sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the sandbox did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_in_subprocess(
    db: Path, api_keys: Sequence[str], *, options: Sequence[str] = (), stderr: Path | None = None
) -> Iterator[str]:
    """The sandbox server (`python -m reconciler.sandbox`) in a child process on a free loopback
    port; yields the base URL once it answers, and stops the child on exit. Keys travel in the
    environment."""
    port = free_port()
    # Keys go in the environment (space-separated), never on a command line others can see.
    env = {**os.environ, "CLEARSKY_API_KEY": " ".join(api_keys)}
    command = [
        sys.executable,
        "-m",
        "reconciler.sandbox",
        "--port",
        str(port),
        "--db",
        str(db),
        *options,
    ]
    with open(stderr or os.devnull, "wb") as err:
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while not _answers(url):
                if child.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sandbox serve did not start on port {port}")
                time.sleep(0.05)
            yield url
        finally:
            child.terminate()
            child.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


EPILOG = """\
example:
  CLEARSKY_API_KEY=dev-key clearsky-orders sandbox serve --port 8787 &
  CLEARSKY_API_KEY=dev-key clearsky-orders plan --api-url http://127.0.0.1:8787 orders/
"""


def parser(prog: str) -> argparse.ArgumentParser:
    """The server's options (the one place they are declared)."""
    p = argparse.ArgumentParser(
        prog=prog,
        description="Serve the sandbox over HTTP (loopback by default) until interrupted.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = p.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    add("--port", type=_port, default=8787, help="port (default: %(default)s; 0 picks one)")
    add("--db", default=".clearsky/sandbox.db", help="SQLite file; ':memory:' keeps nothing")
    add(
        "--api-key",
        dest="api_keys",
        action="append",
        default=[],
        help="an account's key; repeat for several accounts. Better: CLEARSKY_API_KEY, several "
        "keys separated by spaces, which keeps them out of process lists",
    )
    add(
        "--dialect",
        choices=[d.value for d in Dialect],
        default=Dialect.CURRENT.value,
        help="answer as the service does today (current, the default) or as the older "
        "endpoint page shows it (page)",
    )
    add("--skip-review", action="store_true", help="accounts skip the Review stage")
    add("--review-minutes", type=_at_least(0), default=30.0, help="default: %(default)s")
    add("--now", metavar="ISO-TIME", help="freeze the sandbox clock at this UTC time")
    add(
        "--latency-ms",
        type=_at_least(0),
        default=0.0,
        help="the round trip of every request, the sandbox's own work counted in it",
    )
    add("--fault-rate", type=_share, default=0.0, help="share of requests answered 503")
    add("--rate-limit-rate", type=_share, default=0.0, help="share answered 429 + Retry-After")
    add("--retry-after", type=_at_least(0), default=1.0, help="seconds (default: %(default)s)")
    add(
        "--drop-create-rate",
        type=_share,
        default=0.0,
        help="share of creates committed whose response is then dropped",
    )
    add(
        "--missed-share",
        type=_share,
        default=0.0,
        help="share of image dates never delivered (shows Degraded orders in status)",
    )
    add("--seed", type=int, help="seed for the fault dice")
    add(
        "--credits",
        type=_amount,
        metavar="EUR",
        help="order credits of each account: every order and monthly cycle draws them down, "
        "and a create that needs more is refused with error 994 (default: no limit)",
    )
    add(
        "--overdraft",
        type=_amount,
        default=0.0,
        metavar="EUR",
        help="how far below zero the credits may go (EuroOverdraftLimit; default: 0)",
    )
    add(
        "--admin-key-env",
        default="CLEARSKY_SANDBOX_ADMIN_KEY",
        metavar="NAME",
        help="environment variable whose value opens the /_sandbox/ controls (clock, faults, "
        "injected orders); unset: the controls are closed (default: %(default)s)",
    )
    add("--allow-remote", action="store_true", help="allow binding a non-loopback address")
    return p


def main(argv: Sequence[str] | None = None, prog: str = "python -m reconciler.sandbox") -> int:
    """Serve until interrupted; returns the exit status (1 for a usage error)."""
    try:
        args = parser(prog).parse_args(argv)
    except SystemExit as stop:  # --help is 0; a usage error is 1 (2 means "changes" here)
        return 0 if stop.code in (0, None) else 1
    keys = args.api_keys or os.environ.get("CLEARSKY_API_KEY", "").split()
    if not keys:
        return _usage(prog, "give at least one --api-key (or set CLEARSKY_API_KEY)")
    if not is_loopback(args.host) and not args.allow_remote:
        return _usage(prog, f"{args.host} is not a loopback address; add --allow-remote")
    try:
        now = datetime.fromisoformat(args.now.replace("Z", "+00:00")) if args.now else None
    except ValueError:
        return _usage(prog, f"--now {args.now!r} is not an ISO time, e.g. 2026-12-01T00:00:00Z")
    service = Sandbox(
        store=Store(args.db),
        clock=Clock(now),
        faults=Faults(
            latency_ms=args.latency_ms,
            error_rate=args.fault_rate,
            rate_limit_rate=args.rate_limit_rate,
            retry_after_s=args.retry_after,
            drop_create_rate=args.drop_create_rate,
            missed_share=args.missed_share,
            seed=args.seed,
        ),
        review=timedelta(minutes=args.review_minutes),
        dialect=Dialect(args.dialect),
        admin_key=os.environ.get(args.admin_key_env) or None,
        credits=args.credits,
        overdraft=args.overdraft,
    )
    for number, key in enumerate(keys, start=1):
        service.add_account(key, f"account-{number}", skip_review=args.skip_review)
    print(
        f"Sandbox on http://{args.host}:{args.port} with {len(keys)} account(s), data in "
        f"{args.db}. Ctrl-C stops it.",
        file=sys.stderr,
    )
    make_server(service.app(), args.host, args.port, log_level="warning").run()
    return 0


def _usage(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 1


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 to 65535)")
    return value


def _amount(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1e12:
        raise argparse.ArgumentTypeError(f"{text} is not an amount of euro from 0")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{value:g} is not a share between 0 and 1")
    return value


def _at_least(low: float) -> Callable[[str], float]:
    def check(text: str) -> float:
        value = float(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"{value:g} is below {low:g}")
        return value

    return check

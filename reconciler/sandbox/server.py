"""Running the sandbox: in process (through httpx's ASGI transport) or on loopback (uvicorn)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from reconciler.sandbox.faults import ResponseDropped


class InProcessTransport(httpx.ASGITransport):
    """The sandbox inside this process; a dropped response looks as it would on a network."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except ResponseDropped:
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
    """`clearsky-orders sandbox serve` in a child process on a free loopback port; yields the
    base URL once it answers, and stops the child on exit. Keys travel in the environment."""
    port = free_port()
    # Keys go in the environment (space-separated), never on a command line others can see.
    env = {**os.environ, "CLEARSKY_API_KEY": " ".join(api_keys)}
    command = [
        sys.executable,
        "-m",
        "reconciler",
        "sandbox",
        "serve",
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

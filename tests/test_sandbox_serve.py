"""`clearsky-orders sandbox serve`: a real server process on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox import free_port


@pytest.mark.slow
def test_serve_answers_on_loopback_and_stops(tmp_path: Path) -> None:
    port = free_port()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--db",
            str(tmp_path / "sandbox.db"),
            "--api-key",
            "serve-key",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        listed = httpx.get(f"{url}/api/tasking/orders", headers={"x-api-key": "serve-key"})
        assert listed.status_code == 200 and listed.json()["Data"] == {"TaskOrders": []}
        assert httpx.get(f"{url}/api/tasking/orders").status_code == 401
    finally:
        child.terminate()
        _, err = child.communicate(timeout=10)
    assert b"serve-key" not in err
    assert (tmp_path / "sandbox.db").exists()


def test_serve_refuses_a_non_loopback_address_without_allow_remote() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "sandbox",
            "serve",
            "--host",
            "0.0.0.0",
            "--api-key",
            "k",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "not a loopback address; add --allow-remote" in result.stderr

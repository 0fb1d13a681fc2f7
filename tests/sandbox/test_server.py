"""`clearsky-orders sandbox serve`: a real server process on loopback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox import serve_in_subprocess


@pytest.mark.slow
def test_serve_answers_on_loopback_and_never_prints_the_key(tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    with serve_in_subprocess(
        tmp_path / "sandbox.db", ["serve-key", "other-key"], stderr=log
    ) as url:
        listed = httpx.get(f"{url}/api/tasking/orders", headers={"x-api-key": "other-key"})
        assert listed.status_code == 200 and listed.json()["Data"] == {"TaskOrders": []}
        assert httpx.get(f"{url}/api/tasking/orders").status_code == 401
    assert "2 account(s)" in log.read_text()
    assert "serve-key" not in log.read_text() and "other-key" not in log.read_text()
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


@pytest.mark.slow
def test_serve_speaks_the_page_dialect_on_request(tmp_path: Path) -> None:
    with serve_in_subprocess(tmp_path / "s.db", ["k"], options=["--dialect", "page"]) as url:
        headers = {"x-api-key": "k"}
        assert httpx.get(f"{url}/api/apikey/info", headers=headers).status_code == 200
        assert httpx.get(f"{url}/api/account/info", headers=headers).status_code == 404
        old = f"{url}/api/satelliteimages/process/tasking/orders/estimate"
        assert httpx.post(old, headers=headers, json={}).status_code == 400
    with serve_in_subprocess(tmp_path / "t.db", ["k"]) as url:
        assert httpx.get(f"{url}/api/account/info", headers=headers).status_code == 200
        page_path = "/api/satelliteimages/process/tasking/orders/estimate"
        assert httpx.post(f"{url}{page_path}", headers=headers, json={}).status_code == 404

"""Which account a key opens: the tenant, else a salted key fingerprint; its connection cap."""

from __future__ import annotations

import asyncio

import httpx

from reconciler.engine import Target
from reconciler.engine.account import identify, key_fingerprint
from reconciler.sandbox import Dialect, Sandbox
from tests.conftest import in_process_client


def test_the_tenant_names_the_account_and_caps_the_requests_in_flight() -> None:
    sandbox = Sandbox(max_concurrent_connections=3)
    sandbox.add_account("k")
    client = in_process_client(sandbox)
    owner = asyncio.run(identify(Target(api_url="https://api.clearsky.vision"), client))
    assert owner.api_url == "https://api.clearsky.vision"
    assert owner.account.startswith("tenant tenant-")
    assert client.parallelism == 3


def test_without_a_tenant_a_salted_fingerprint_of_the_key_stands_in() -> None:
    sandbox = Sandbox(dialect=Dialect.PAGE)
    sandbox.add_account("secret-key")
    target = Target(api_url="https://api.clearsky.vision/", api_key="secret-key")
    owner = asyncio.run(identify(target, in_process_client(sandbox, "secret-key")))
    assert owner.api_url == "https://api.clearsky.vision"
    assert owner.account == f"key {key_fingerprint('secret-key', owner.api_url)}"
    assert "secret-key" not in owner.account
    assert key_fingerprint("secret-key", "https://a") != key_fingerprint("secret-key", "https://b")


def test_a_service_without_account_info_is_identified_by_the_key() -> None:
    def gone(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(404) if "info" in request.url.path else None

    target = Target(api_url="https://api.clearsky.vision", api_key="k")
    owner = asyncio.run(identify(target, in_process_client(answer=gone)))
    assert owner.account.startswith("key ")

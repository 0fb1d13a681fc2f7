"""The client's tests run against both dialects of the sandbox: the service as it is documented
today, and as the older endpoint page shows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.sandbox import Dialect, Sandbox, serve_in_thread
from tests.conftest import KEY_A, KEY_B, Service


@pytest.fixture(params=[Dialect.CURRENT, Dialect.PAGE], ids=lambda d: str(d.value))
def service(request: pytest.FixtureRequest) -> Iterator[Service]:
    """The sandbox on a free loopback port, two accounts, in each dialect in turn."""
    sandbox = Sandbox(dialect=request.param)
    sandbox.add_account(KEY_A, "a")
    sandbox.add_account(KEY_B, "b")
    with serve_in_thread(sandbox.app()) as url:
        yield Service(sandbox, url)

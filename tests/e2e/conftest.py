"""Shared set-ups of the end-to-end pull tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from reconciler.domain.calendar import image_dates
from tests.conftest import CONFIG, KEY_A, Bucket, Repo, Result, Service, manifest, running

Cli = Callable[..., Result]
SMALL = "POLYGON((10.00 56.30, 10.06 56.30, 10.03 56.34, 10.00 56.30))"
"""A triangle of about 11 km2: small files, and pixels outside it to be NODATA."""
DELIVERY = """\
delivery:
  resolution: 80
  epsg: 32632
  bands: B4,B3,B2,[B8_B4]
  dataType: UINT8
"""


def delivered(service: Service, guid: str) -> list[date]:
    account = service.sandbox.store.account(KEY_A)
    assert account is not None
    order = service.sandbox.store.get(account[0], guid)
    assert order is not None
    today = datetime.now(UTC).date()
    return image_dates(order.reference_date, order.image_frequency, order.from_date, today)


def credits_used(service: Service) -> float:
    account = service.sandbox.store.account(KEY_A)
    assert account is not None
    return service.sandbox.credits_used.get(account[0], 0.0)


@pytest.fixture
def small(api_env: Service, repo: Repo, cli: Cli) -> tuple[str, list[date]]:
    """One managed order over SMALL with a delivery block; its delivered dates."""
    repo.remove("aarhus-bay.yaml")
    repo.remove("coast/skagen.yaml")
    repo.write("field.yaml", manifest("field", SMALL, extra=DELIVERY))
    guid = running(api_env, SMALL, frequency=5)
    assert cli("import", "field", guid).code == 0
    return guid, delivered(api_env, guid)


def upload_config(bucket: Bucket) -> str:
    """clearsky.yaml with every pulled file PUT into `bucket` under imagery/."""
    return (
        CONFIG
        + f"delivery:\n  uploadTo: s3://{bucket.name}/imagery\n  uploadEndpoint: "
        + f"{bucket.endpoint}\n"
    )

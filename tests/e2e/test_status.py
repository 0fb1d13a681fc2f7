"""status: every managed order's health from what the service delivered, as a user runs it
(the sandbox served over HTTP; orders that started two months ago)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from reconciler.domain.calendar import next_month_start
from tests.conftest import AARHUS, KEY_A, SKAGEN, Repo, Result, Service, running

Cli = Callable[..., Result]
pytestmark = pytest.mark.slow


def test_status_words_each_order_and_exits_2_when_one_is_degraded_or_missing(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    aarhus, skagen = running(api_env, AARHUS), running(api_env, SKAGEN, frequency=2)
    assert cli("import", "aarhus-bay", aarhus).code == 0
    assert cli("import", "skagen", skagen).code == 0
    healthy = cli("status")
    assert healthy.code == 0, healthy.out + healthy.err
    assert healthy.out.count("Healthy") == 2 and "next " in healthy.out
    assert "renews unless cancelled before" in healthy.out

    api_env.sandbox.faults.update(missed_share=1.0)  # the service delivers nothing
    degraded = cli("status", "--format", "json")
    assert degraded.code == 2
    report = json.loads(degraded.out)
    assert {o["health"] for o in report["orders"]} == {"Degraded"} and not report["healthy"]
    first = report["orders"][0]
    assert first["missing"] and set(first["missing"]) <= set(first["promised"])
    assert not first["delivered"]

    api_env.sandbox.faults.update(missed_share=0.0)
    api_env.sandbox.store.update(
        api_env.sandbox.store.get(api_env.sandbox.store.account(KEY_A)[0], skagen),  # type: ignore[index,arg-type]
        canceled_at=datetime.now(UTC),
    )
    missing = cli("status", "--format", "markdown")
    assert missing.code == 2
    assert "1 order(s) need attention" in missing.out.splitlines()[0]
    assert "| ⛔ | skagen | Missing |" in missing.out


def test_status_of_a_new_order_is_progressing(api_env: Service, repo: Repo, cli: Cli) -> None:
    assert cli("apply", "--auto-approve").code == 0  # orders that start next month
    shown = cli("status")
    assert shown.code == 0 and shown.out.count("Progressing") == 2


def test_a_day_is_explained(api_env: Service, repo: Repo, cli: Cli) -> None:
    aarhus = running(api_env, AARHUS)
    assert cli("import", "aarhus-bay", aarhus).code == 0
    cadence = datetime.now(UTC).date() - timedelta(days=10)
    order = api_env.sandbox.store.get(api_env.sandbox.store.account(KEY_A)[0], aarhus)  # type: ignore[index]
    assert order is not None
    while (cadence - order.reference_date).days % order.image_frequency:
        cadence -= timedelta(days=1)
    shown = cli("status", "aarhus-bay", "--date", cadence.isoformat(), ".")
    assert shown.code == 0 and f"aarhus-bay on {cadence.isoformat()}: available" in shown.out
    api_env.sandbox.faults.update(missed_share=1.0)
    gone = cli("status", "aarhus-bay", "--date", cadence.isoformat(), ".")
    assert "not available" in gone.out and "not an image date" in gone.out


def test_a_new_orders_next_date_is_in_its_first_month(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    assert cli("apply", "--auto-approve").code == 0
    report = json.loads(cli("status", "--format", "json").out)
    starts = next_month_start(datetime.now(UTC).date()).isoformat()
    assert all(o["nextExpected"] >= starts for o in report["orders"]), report

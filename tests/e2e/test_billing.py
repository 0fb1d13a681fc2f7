"""Every euro as the vendor bills it, end to end: a past From buys its window at apply, a
historical order is bought once, the credits are checked before the first request, and every
total on the page adds up from its lines. On the sandbox served on loopback and the embedded
one; dates are derived from today."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from reconciler.domain.calendar import month_end, month_start
from reconciler.sandbox import Sandbox, serve_in_thread
from tests.conftest import KEY_A, SKAGEN, Repo, Service, manifest
from tests.e2e.test_money import only, plan_json
from tests.e2e.test_plan_apply import Cli, live_orders, state_of

CONFIG = "apiVersion: clearsky-orders/v1\nkind: Config\n"


def months_back(count: int) -> date:
    day = month_start(datetime.now(UTC).date())
    for _ in range(count):
        day = month_start(day - timedelta(days=1))
    return day


@pytest.fixture(params=["served", "embedded"])
def where(request: pytest.FixtureRequest, service: Service, monkeypatch: pytest.MonkeyPatch) -> str:
    """The sandbox served on loopback (through the environment), or the embedded one."""
    if request.param == "served":
        monkeypatch.setenv("CLEARSKY_API_URL", service.url)
        monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
        return ""
    return "--sandbox"


def run(cli: Cli, where: str, *args: str) -> Any:
    return cli(*args, *([where] if where else []))


def test_a_past_from_charges_its_window_at_apply(repo: Repo, cli: Cli, where: str) -> None:
    six_back = months_back(6)
    only(repo, ("backfill", manifest("backfill", SKAGEN, start=six_back)))
    planned = run(cli, where, "plan", "--format", "json")
    doc = json.loads(planned.out)
    change = doc["changes"][0]
    this_month = f"{month_start(datetime.now(UTC).date()):%Y-%m}"
    assert change["coverage"] == {"from": f"{six_back:%Y-%m}", "to": this_month}
    monthly = change["estimate"]["nextMonthCost"]
    # about six months and the current one (the tiers make a large charge a little cheaper)
    assert 5 * monthly < change["chargeAtApply"] <= 8 * monthly
    assert doc["summary"]["chargeAtApply"] == change["chargeAtApply"]
    assert not any("not bought" in w for w in change["warnings"])
    limit = math.floor(change["chargeAtApply"] - 1)
    repo.write("clearsky.yaml", CONFIG + f"policy: {{maxChargeAtApply: {limit}}}\n")
    refused = run(cli, where, "plan")
    assert refused.code == 1 and "policy.maxChargeAtApply" in refused.out, refused.out


def test_a_historical_order_is_bought_once_even_when_the_state_is_lost(
    repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = months_back(4)
    last = month_end(months_back(2))
    only(repo, ("history", manifest("history", SKAGEN, start=first, end=last)))
    planned = cli("plan", "--sandbox", "--format", "json")
    change = json.loads(planned.out)["changes"][0]
    assert change["action"] == "create" and change["chargeAtApply"] > 0
    assert change["coverage"] == {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}
    assert cli("apply", "--sandbox", "--auto-approve").code == 0
    assert cli("plan", "--sandbox", "--detailed-exitcode").code == 0
    monkeypatch.setenv("CLEARSKY_SANDBOX_CLOCK", "+2h")  # past review: Completed
    for lost in (repo.state, repo.state.with_name("state.json.backup")):
        lost.unlink()
    again = cli("plan", "--sandbox", "--detailed-exitcode")
    assert again.code == 0, again.out
    assert "not bought again" in cli("plan", "--sandbox", "-v").out


def test_apply_refuses_before_its_first_request_when_the_credits_do_not_pay(
    repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox(credits=50.0)
    sandbox.add_account(KEY_A, "a")
    with serve_in_thread(sandbox.app()) as url:
        monkeypatch.setenv("CLEARSKY_API_URL", url)
        monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
        planned = cli("plan")
        assert planned.code == 1 and "account.credits" in planned.out
        assert "50.00 EUR of order credits" in planned.out and "(NOT ENOUGH)" in planned.out
        applied = cli("apply", "--auto-approve")
        assert applied.code == 1
        assert live_orders(Service(sandbox, url)) == []
        assert state_of(repo)["orders"] == {} if repo.state.exists() else True


def test_the_sandbox_refuses_a_create_the_credits_do_not_pay(
    repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARSKY_SANDBOX_CREDITS", "1000000")
    assert cli("apply", "--sandbox", "--auto-approve").code == 0
    repo.write("third.yaml", manifest("third", SKAGEN, frequency=1))
    monkeypatch.setenv("CLEARSKY_SANDBOX_CREDITS", "1")
    refused = cli("plan", "--sandbox")
    assert refused.code == 1 and "account.credits" in refused.out


def _sum(values: Iterator[float]) -> float:
    return round(math.fsum(values), 2)


def _euros(text: str) -> float:
    text = text.replace("\u00a0", " ")
    return float(text.replace(",", "").replace("+", "").replace(" EUR", "").strip("*~| "))


def test_every_total_adds_up_in_text_markdown_and_json(repo: Repo, cli: Cli) -> None:
    repo.write("backfill.yaml", manifest("backfill", SKAGEN, start=months_back(3), frequency=5))
    assert cli("apply", "--sandbox", "--auto-approve", "coast").code == 0  # skagen: replaced next
    repo.write("coast/skagen.yaml", manifest("skagen", SKAGEN, frequency=4))
    doc = plan_json(cli)
    changes, summary = doc["changes"], doc["summary"]
    priced = [c for c in changes if c["estimate"]]
    assert {c["action"] for c in priced} >= {"create", "replace"}
    assert summary["chargeAtApply"] == _sum(c["estimate"]["currentMonthCost"] for c in priced)
    assert summary["chargeAtApply"] == _sum(c["chargeAtApply"] or 0 for c in changes)
    assert summary["nextMonthCost"] == _sum(c["estimate"]["nextMonthCost"] for c in priced)
    assert summary["totalCommitment"] == _sum(c["grossCost"] or 0 for c in changes)
    for month in summary["months"]:
        assert month["change"] == round(month["after"] - month["before"], 2)
    first = summary["months"][0]
    assert first["change"] == summary["chargeAtApply"]

    text = cli("plan", "--sandbox").out
    # the change lines: six spaces in (a part never breaks across lines)
    lines = "\n".join(x for x in text.splitlines() if re.match(r"      \S", x))
    at_apply = [_euros(m) for m in re.findall(r"at apply (~?[+-][\d,.]+ EUR)", lines)]
    next_month = [_euros(m) for m in re.findall(r"next month (~?[+-][\d,.]+ EUR)", lines)]
    gross = [_euros(m) for m in re.findall(r"(?:in all|new order) ([\d,.]+ EUR)", lines)]
    assert _sum(iter(at_apply)) == summary["chargeAtApply"]
    assert f"Apply charges {summary['chargeAtApply']:,.2f} EUR now" in text
    assert _sum(iter(next_month)) == summary["nextMonthCost"]
    assert _sum(iter(gross)) == summary["totalCommitment"]
    assert f"new orders {summary['totalCommitment']:,.2f} EUR in all" in text

    markdown = cli("plan", "--sandbox", "--format", "markdown").out
    rows = [r.split(" | ") for r in markdown.splitlines() if r.startswith("| ") and "EUR" in r]
    table = [r for r in rows if len(r) == 9 and not r[1].startswith("**")]
    total = next(r for r in rows if len(r) == 9 and r[1] == "**total**")
    for column in (5, 6, 8):
        cells = [_euros(r[column]) for r in table if r[column].strip()]
        assert _sum(iter(cells)) == _euros(total[column].strip(" |")), column
    assert _euros(total[5]) == summary["chargeAtApply"]
    assert f"apply charges {summary['chargeAtApply']:,.2f} EUR now" in markdown

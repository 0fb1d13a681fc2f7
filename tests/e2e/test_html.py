"""The HTML pages, checked as a reviewer and a bot rely on them: every order named once, every
figure the JSON plan's own, totals that add up, untrusted text escaped, nothing fetched or
run; and `report` writing the account's page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.render.document import PlanDoc
from reconciler.render.html import plan_html
from reconciler.render.view import PlanView, RenderOptions
from tests.conftest import SKAGEN, Repo, Result, Service, running
from tests.html_check import Page, amount, outside_references

Cli = Callable[..., Result]
pytestmark = pytest.mark.slow
FIELD = "POLYGON((9.50 55.50, 9.56 55.50, 9.56 55.54, 9.50 55.54, 9.50 55.50))"


def _plans(api_env: Service, repo: Repo, cli: Cli) -> tuple[dict[str, Any], str]:
    """A plan that creates two orders, leaves one unmanaged; as JSON and as HTML."""
    running(api_env, FIELD)  # made outside the tool: unmanaged
    as_json = cli("plan", "--format", "json", ".")
    as_html = cli("plan", "--format", "html", ".")
    assert as_json.code == 0 and as_html.code == 0, as_html.err
    return json.loads(as_json.out), as_html.out


def test_the_plan_page_names_every_order_once_with_the_json_plans_figures(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    doc, html = _plans(api_env, repo, cli)
    page = Page(html)
    rows = page.rows("changes")
    changes: list[dict[str, Any]] = doc["changes"]
    assert sorted(r.attrs["data-name"] for r in rows) == sorted(str(c["name"]) for c in changes)
    by_name = {r.attrs["data-name"]: r for r in rows if r.attrs["data-name"]}
    assert len(by_name) == 2 and {r.attrs["data-action"] for r in rows} == {"create", "unmanaged"}
    summary: dict[str, Any] = doc["summary"]
    sums = {"at apply": 0.0, "next month": 0.0, "in all": 0.0}
    for change in changes:
        if not change["name"]:
            continue
        cells = by_name[str(change["name"])].cells
        estimate: dict[str, Any] = change["estimate"]
        assert amount(cells[4]) == pytest.approx(round(estimate["currentMonthCost"], 2))
        assert amount(cells[5]) == pytest.approx(round(estimate["nextMonthCost"], 2))
        assert amount(cells[7]) == pytest.approx(round(float(change["grossCost"]), 2))
        assert amount(cells[2]) == pytest.approx(round(float(change["areaKm2"]), 2))
        sums["at apply"] += amount(cells[4]) or 0
        sums["next month"] += amount(cells[5]) or 0
        sums["in all"] += amount(cells[7]) or 0
    (total,) = page.rows("changes", "tfoot")
    assert amount(total.cells[1]) == pytest.approx(summary["chargeAtApply"])
    assert amount(total.cells[2]) == pytest.approx(summary["nextMonthCost"])
    assert amount(total.cells[4]) == pytest.approx(summary["totalCommitment"])
    assert amount(total.cells[1]) == pytest.approx(sums["at apply"])  # the total adds up
    assert amount(total.cells[4]) == pytest.approx(sums["in all"])
    months = page.rows("months")
    assert [r.cells[0] for r in months] == [m["month"] for m in summary["months"]]
    for row, month in zip(months, summary["months"], strict=True):
        assert amount(row.cells[1]) == pytest.approx(month["before"])
        assert amount(row.cells[2]) == pytest.approx(month["after"])
    assert doc["checksum"] in html
    assert outside_references(page) == []
    svgs = [a for t, a in page.tags if t == "svg" and a.get("role") == "img"]
    assert {a["class"] for a in svgs} == {"map", "chart"}
    ids = [a["id"] for _, a in page.tags if "id" in a]
    assert len(ids) == len(set(ids)), "every id once"


def test_untrusted_text_is_escaped_on_the_page(api_env: Service, repo: Repo, cli: Cli) -> None:
    doc, _ = _plans(api_env, repo, cli)
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    changes: list[dict[str, Any]] = doc["changes"]
    changes[0]["name"] = hostile
    changes[0]["warnings"] = [hostile]
    doc["source"] = hostile
    doc["notes"] = [hostile]
    html = plan_html(PlanView(PlanDoc.model_validate(doc)), RenderOptions())
    page = Page(html)
    assert "<img" not in html and "<script" not in html
    assert outside_references(page) == []
    assert "&lt;img src=x" in html


def test_report_writes_the_accounts_page_with_every_order_and_its_health(
    api_env: Service, repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    assert cli("apply", "--auto-approve", ".").code == 0
    running(api_env, SKAGEN.replace("57.7", "57.6"))  # an unmanaged order too
    cli("plan", "-o", str(tmp_path / "plan.json"), ".")
    made = cli("report", "--out", "build/report", "--plan", str(tmp_path / "plan.json"), ".")
    assert made.code == 0, made.out + made.err
    assert "Wrote build/report/index.html: 2 managed order(s)" in made.out
    page = Page((repo.root / "build" / "report" / "index.html").read_text())
    orders = page.rows("orders")
    assert sorted(r.attrs["data-name"] for r in orders) == ["aarhus-bay", "skagen"]
    assert {r.cells[1] for r in orders} == {"Progressing"}
    (total,) = page.rows("orders", "tfoot")
    assert amount(total.cells[1]) == pytest.approx(sum(amount(r.cells[4]) or 0 for r in orders))
    assert [r.cells[1] for r in page.rows("others")] == ["unmanaged"]
    assert outside_references(page) == []
    headings = [a.get("id") for t, a in page.tags if t in ("h1", "h2")]
    assert "latest-plan" in headings and "health" in headings

    bad = cli("report", "--out", "build/report", "--plan", "missing.json", ".")
    assert bad.code == 1 and "missing.json" in bad.err and "Traceback" not in bad.err

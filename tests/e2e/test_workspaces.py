"""Several workspaces in one repository (one per team): a run over a folder covers every
workspace under it, each planned and applied with its own state, policy and defaults, and
reported together; a manifest that belongs to none is an error."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SKAGEN, Result, manifest
from tests.html_check import Page

Cli = Callable[..., Result]
CONFIG = "apiVersion: clearsky-orders/v1\nkind: Config\ndefaults: {{storageMonths: {months}}}\n"


@pytest.fixture
def teams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with two team folders, each a workspace, and its root the working folder."""
    root = tmp_path / "repo"
    for team, wkt, months in (("team-a", None, 1), ("team-b", SKAGEN, 2)):
        folder = root / "orders" / team
        folder.mkdir(parents=True)
        (folder / "clearsky.yaml").write_text(CONFIG.format(months=months))
        text = manifest(f"{team}-order", wkt) if wkt else manifest(f"{team}-order")
        (folder / f"{team}.yaml").write_text(text)
    monkeypatch.chdir(root)
    return root


def test_one_plan_shows_every_team_in_a_section_each(teams: Path, cli: Cli) -> None:
    planned = cli("plan", "--sandbox", "--detailed-exitcode", ".")
    assert planned.code == 2, planned.out + planned.err
    assert planned.out.startswith("2 workspaces, 2 with changes · apply charges")
    for team in ("team-a", "team-b"):
        assert f"=== workspace orders/{team} ===" in planned.out
        assert f"+ create    {team}-order" in planned.out
    markdown = cli("plan", "--sandbox", "--format", "markdown", ".").out
    assert markdown.count("<!-- clearsky-orders:plan -->") == 1
    assert (
        "### Workspace `orders/team-a`" in markdown and "### Workspace `orders/team-b`" in markdown
    )
    doc = json.loads(cli("plan", "--sandbox", "--format", "json", ".").out)
    assert [w["path"] for w in doc["workspaces"]] == ["orders/team-a", "orders/team-b"]
    charges = [w["summary"]["chargeAtApply"] for w in doc["workspaces"]]
    assert all(c > 0 for c in charges)
    assert f"apply charges {sum(charges):,.2f} EUR now" in planned.out
    page = Page(cli("plan", "--sandbox", "--format", "html", ".").out)
    names = [r.attrs["data-name"] for r in page.rows("changes")]
    assert sorted(names) == ["team-a-order", "team-b-order"]
    ids = [a["id"] for _, a in page.tags if "id" in a]
    assert len(ids) == len(set(ids)), "two plans on one page, every id once"


def test_one_apply_creates_each_teams_orders_into_its_own_state(teams: Path, cli: Cli) -> None:
    applied = cli("apply", "--sandbox", "--auto-approve", ".")
    assert applied.code == 0, applied.out + applied.err
    for team in ("team-a", "team-b"):
        state = json.loads((teams / "orders" / team / ".clearsky" / "state.json").read_text())
        assert list(state["orders"]) == [f"{team}-order"]
    assert cli("plan", "--sandbox", "--detailed-exitcode", ".").code == 0
    # each workspace on its own, with its own defaults
    doc = json.loads(cli("plan", "--sandbox", "--format", "json", "-v", "orders/team-b").out)
    assert doc["changes"][0]["desired"]["storageMonths"] == 2


def test_validate_from_the_root_checks_each_with_its_own_clearsky_yaml(
    teams: Path, cli: Cli
) -> None:
    checked = cli("validate", ".")
    assert checked.code == 0 and "2 manifests valid in 2 files" in checked.out, checked.err


def test_a_manifest_in_no_workspace_is_an_error(teams: Path, cli: Cli) -> None:
    (teams / ".github").mkdir()
    (teams / "stray.yaml").write_text(manifest("stray"))
    for args in (
        ("validate", "."),
        ("plan", "--sandbox", "."),
        ("validate", "--changed", "stray.yaml"),
    ):
        refused = cli(*args)
        assert refused.code == 1, args
        assert "stray.yaml:2" in refused.err and "belongs to no workspace" in refused.err, args


def test_a_nested_workspace_is_its_own_and_not_its_parents(teams: Path, cli: Cli) -> None:
    parent = teams / "orders"
    (parent / "clearsky.yaml").write_text(CONFIG.format(months=1))
    (parent / "shared.yaml").write_text(manifest("shared", SKAGEN, frequency=5))
    planned = cli("plan", "--sandbox", "orders")
    assert "3 workspaces" in planned.out, planned.out + planned.err
    section = planned.out.split("=== workspace orders ===")[1].split("=== workspace")[0]
    assert "shared" in section and "team-a-order" not in section


def test_status_covers_every_team_and_one_team_commands_say_which(teams: Path, cli: Cli) -> None:
    assert cli("apply", "--sandbox", "--auto-approve", ".").code == 0
    status = cli("status", "--sandbox", ".")
    assert status.code == 0, status.out + status.err
    assert "=== workspace orders/team-a ===" in status.out and "team-b-order" in status.out
    listed = cli("state", "list", "--sandbox", ".")
    assert listed.code == 1 and "cover 2 workspaces" in listed.err
    assert "give one workspace's folder" in listed.err
    one = cli("state", "list", "--sandbox", "orders/team-a")
    assert one.code == 0 and "team-a-order" in one.out

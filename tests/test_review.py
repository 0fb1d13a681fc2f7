"""Reviewing plans: golden renders, the comment cap, checksums, warnings and targeting."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from reconciler.cli.output import colour_on, set_colour
from reconciler.planning import Action, Change, Cost, Inputs, Plan, StateEntry, change_cost, decide
from reconciler.planning.document import to_document
from reconciler.planning.select import Selection, select
from reconciler.planning.warnings import annotate
from reconciler.render.markdown import MARKER, MAX_CHARS, plan_markdown
from reconciler.render.text import plan_text
from tests.conftest import PAGE_WKT, SKAGEN
from tests.test_planner import TODAY, desired, live, spec

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
INPUTS = Inputs("m" * 64, "l" * 64, "s" * 64)


def priced(changes: list[Change]) -> list[Change]:
    """Fixed prices, so that renders are stable: new orders 10/40, old orders 5/30."""
    out = []
    for c in changes:
        new = Cost(10.0, 40.0) if c.needs_create else None
        old = Cost(5.0, 30.0) if c.action in (Action.CANCEL, Action.REPLACE) else None
        out.append(replace(c, estimate=change_cost(c, new, old), new_cost=new))
    return out


def sample_plan(now: datetime = NOW) -> Plan:
    wanted = [
        desired("aarhus-bay", spec(frequency=2)),
        desired("skagen", spec(SKAGEN)),
        desired("west-jutland", spec(PAGE_WKT)),
    ]
    account = [
        live("g-aarhus", status="UpToDate"),
        live("g-old", spec(SKAGEN, frequency=7)),
        live("g-west", spec(PAGE_WKT)),
        live("g-stray", spec(SKAGEN, frequency=5), status="Processing"),
    ]
    state = {"aarhus-bay": StateEntry("g-aarhus"), "retired": StateEntry("g-old")}
    changes = decide(wanted, account, state, TODAY)
    changes = annotate(changes, wanted, account, now)
    return Plan(tuple(priced(changes)), TODAY, INPUTS, now, "the sandbox")


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; UPDATE_GOLDEN=1 rewrites"


def test_text_render_matches_golden() -> None:
    golden("plan.txt", plan_text(to_document(sample_plan())) + "\n")


def test_markdown_render_matches_golden() -> None:
    text = plan_markdown(to_document(sample_plan()))
    golden("plan.md", text)
    assert text.splitlines()[0].startswith("**clearsky-orders: 1 to create, 1 to replace")
    assert text.splitlines()[1] == MARKER
    assert "```geojson" in text and '"fill":"#2da44e"' in text and '"fill":"#cf222e"' in text


def test_checksum_ignores_time_stamps_but_not_content() -> None:
    first = to_document(sample_plan())
    later = to_document(replace(sample_plan(), created_at=datetime(2026, 11, 23, 10, tzinfo=UTC)))
    assert first.checksum == later.checksum
    plan = sample_plan()
    cheaper = replace(
        plan,
        changes=tuple(
            replace(c, estimate=Cost(1.0, 1.0)) if c.action == Action.CREATE else c
            for c in plan.changes
        ),
    )
    assert to_document(cheaper).checksum != first.checksum
    for text in (plan_text(first), plan_markdown(first)):
        assert first.checksum in text


def test_comment_is_capped_and_says_what_it_left_out() -> None:
    wanted = [desired(f"order-{i:04d}", spec(_square(i))) for i in range(2000)]
    changes = priced(decide(wanted, [], {}, TODAY))
    doc = to_document(Plan(tuple(changes), TODAY, INPUTS, NOW, "the sandbox"))
    text = plan_markdown(doc)
    assert len(text) <= MAX_CHARS
    assert text.splitlines()[0].startswith("**clearsky-orders: 2000 to create")
    assert MARKER in text and doc.checksum in text
    assert "change(s) left out of the table" in text
    shown = sum(1 for line in text.splitlines() if line.startswith("| 🟩 | create |"))
    assert f"{2000 - shown} change(s) left out" in text


def _square(i: int) -> str:
    x, y = 8 + (i % 50) * 0.05, 55 + (i // 50) * 0.05
    return f"POLYGON(({x} {y}, {x + 0.04} {y}, {x + 0.04} {y + 0.04}, {x} {y + 0.04}, {x} {y}))"


def test_cancel_deadline_is_warned_within_48_hours() -> None:
    state = {"a": StateEntry("g1")}
    account = [live("g1", status="UpToDate")]
    early = annotate(decide([], account, state, TODAY), [], account, NOW)
    late = annotate(
        decide([], account, state, date(2026, 11, 30)),
        [],
        account,
        datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
    )
    assert not [w for w in early[0].warnings if "deadline" in w]
    assert [w for w in late[0].warnings if "deadline is 2026-12-01 00:00 UTC, in 23 h" in w]


def test_overlapping_manifests_and_live_orders_are_warned() -> None:
    near = "POLYGON((10.0 56.3, 10.3 56.3, 10.3 56.5, 10.0 56.5, 10.0 56.3))"
    wanted = [desired("a"), desired("b", spec(near, frequency=7))]
    account = [live("g-other", spec(near, frequency=2), status="UpToDate")]
    changes = annotate(decide(wanted, account, {}, TODAY), wanted, account, NOW)
    a = next(c for c in changes if c.name == "a")
    assert any(w.startswith("overlaps manifest b by ") and "km2 (" in w for w in a.warnings)
    assert any(w.startswith("overlaps live order g-other by ") for w in a.warnings)


def test_targeting_keeps_only_the_selected_changes() -> None:
    wanted = [desired("a"), replace(desired("b", spec(SKAGEN)), labels={"team": "agri"})]
    changes = decide(wanted, [live("g-x", spec(PAGE_WKT))], {"gone": StateEntry("g-y")}, TODAY)

    def names(selection: Selection) -> list[str]:
        return [c.name for c in select(changes, selection, {})]

    assert names(Selection(targets=frozenset({"a"}))) == ["a"]
    assert names(Selection(excludes=frozenset({"a"}))) == ["gone", "b"]
    assert names(Selection(selectors=(("team", "agri"),))) == ["b"]
    with pytest.raises(Exception, match="--target nope: no manifest or state entry"):
        select(changes, Selection(targets=frozenset({"nope"})), {})


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    set_colour(True)
    assert colour_on(Tty()) and not colour_on(object())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_on(Tty())
    monkeypatch.delenv("NO_COLOR")
    set_colour(False)  # --no-color
    assert not colour_on(Tty())
    set_colour(True)
    assert "\033[" in plan_text(to_document(sample_plan()), colour=True)
    assert "\033[" not in plan_text(to_document(sample_plan()), colour=False)

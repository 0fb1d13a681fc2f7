"""The plan for a terminal: golden render, colour only when asked."""

from __future__ import annotations

from dataclasses import replace

from reconciler.planning import Plan, StateEntry, decide
from reconciler.render.registry import RenderOptions, plan_view, render
from tests.conftest import INPUTS, NOW, TODAY, desired, golden, live, sample_plan


def test_text_render_matches_golden() -> None:
    golden("plan.txt", render("text", plan_view(sample_plan())) + "\n")


def test_colour_codes_appear_only_when_colour_is_on() -> None:
    view = plan_view(sample_plan())
    assert "\033[" in render("text", view, RenderOptions(colour=True))
    assert "\033[" not in render("text", view, RenderOptions(colour=False))


def test_unchanged_orders_are_listed_only_when_verbose() -> None:
    changes = decide([desired("a")], [live("g1")], {"a": StateEntry("g1")}, TODAY)
    view = plan_view(Plan(tuple(changes), TODAY, INPUTS, NOW))
    assert "a (g1)" not in render("text", view)
    assert "a (g1)" in render("text", view, RenderOptions(verbose=True))


def test_each_change_fits_80_columns_and_a_hint_stays_whole() -> None:
    plan = sample_plan()
    hint = "as tiles it would cost less: clearsky-orders tiles suggest skagen --sandbox orders"
    changes = tuple(c.with_warning(hint) if c.name == "skagen" else c for c in plan.changes)
    text = render("text", plan_view(replace(plan, changes=changes)))
    block = text.split("\n\n")[0].splitlines()[1:]  # the changes, under the headline
    assert block and all(len(x) <= 80 for x in block if "clearsky-orders " not in x)
    assert "      clearsky-orders tiles suggest skagen --sandbox orders" in block

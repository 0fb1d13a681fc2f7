"""Targeting: --target, --exclude and --selector keep only the changes they name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.errors import ClearskyOrdersError
from reconciler.planning import StateEntry, decide
from reconciler.planning.select import Selection, parse_selectors, select
from tests.conftest import PAGE_WKT, SKAGEN, TODAY, desired, live, spec


def test_targeting_keeps_only_the_selected_changes() -> None:
    wanted = [desired("a"), replace(desired("b", spec(SKAGEN)), labels={"team": "agri"})]
    changes = decide(wanted, [live("g-x", spec(PAGE_WKT))], {"gone": StateEntry("g-y")}, TODAY)

    def names(selection: Selection) -> list[str]:
        return [c.name for c in select(changes, selection, {})]

    assert names(Selection(targets=frozenset({"a"}))) == ["a"]
    assert names(Selection(excludes=frozenset({"a"}))) == ["gone", "b"]
    assert names(Selection(selectors=(("team", "agri"),))) == ["b"]


def test_an_unknown_target_is_an_error() -> None:
    changes = decide([desired("a")], [], {}, TODAY)
    with pytest.raises(ClearskyOrdersError, match="--target nope: no manifest or state entry"):
        select(changes, Selection(targets=frozenset({"nope"})), {})


def test_a_selector_without_equals_sign_is_an_error() -> None:
    assert parse_selectors(["team=agri", " a = b "]) == (("team", "agri"), ("a", "b"))
    with pytest.raises(ClearskyOrdersError, match="write it as key=value"):
        parse_selectors(["team"])

"""plan's note on planned passes: whatever the day, a new order starting next month has image
dates within the acquisition plans' reach (the note must not depend on the calendar)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest

from reconciler.domain.calendar import next_month_start
from reconciler.engine.imagery import pass_notes
from reconciler.planning import Action, Change
from tests.conftest import in_process_client, spec


@pytest.mark.parametrize(
    "today", [date(2027, 1, 1), date(2027, 1, 31), date(2027, 2, 28), date(2027, 7, 15)]
)
def test_a_new_order_from_next_month_gets_a_pass_line_on_any_day(today: date) -> None:
    start = next_month_start(today)
    weekly = replace(spec(frequency=7), start=start, reference_date=start)
    changes = [Change(Action.CREATE, "field", desired=weekly)]

    async def go() -> dict[int, str]:
        async with in_process_client() as api:
            return await pass_notes(changes, api, today)

    lines = asyncio.run(go())
    assert 0 in lines and "planned satellite pass(es) fall on" in lines[0]
    last = date.fromisoformat(lines[0].rsplit("to ", 1)[1].rstrip(")"))
    assert start <= last <= today + timedelta(days=40)


def test_no_line_for_a_change_that_creates_nothing() -> None:
    changes = [Change(Action.NOOP, "field", desired=spec(), live=spec())]

    async def go() -> dict[int, str]:
        async with in_process_client() as api:
            return await pass_notes(changes, api, date(2027, 1, 1))

    assert asyncio.run(go()) == {}

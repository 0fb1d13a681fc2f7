"""Cadence dates: the count agrees with the list for every frequency, start and span."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reconciler.domain.calendar import count_image_dates, image_dates

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(DAYS, st.integers(1, 7), DAYS, st.integers(-5, 70))
def test_the_count_is_the_number_of_dates(
    reference: date, every: int, start: date, span: int
) -> None:
    end = start + timedelta(days=span)
    assert count_image_dates(reference, every, start, end) == len(
        image_dates(reference, every, start, end)
    )

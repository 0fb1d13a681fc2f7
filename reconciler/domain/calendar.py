"""Months and image cadence: the calendar arithmetic of tasking orders."""

from __future__ import annotations

import calendar
import functools
from datetime import date, timedelta


def month_start(day: date) -> date:
    return day.replace(day=1)


@functools.lru_cache(maxsize=4096)
def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month_start(day: date) -> date:
    return month_end(day) + timedelta(days=1)


def months_between(first: date, last: date) -> list[date]:
    """The first day of each month from `first`'s to `last`'s, both included."""
    out, month = [], month_start(first)
    while month <= month_start(last):
        out.append(month)
        month = next_month_start(month)
    return out


def image_dates(reference: date, every_days: int, start: date, end: date) -> list[date]:
    """Cadence dates (reference + k * every_days) between start and end, both included."""
    if end < start:
        return []
    offset = (start - reference).days % every_days
    first = start + timedelta(days=(every_days - offset) % every_days)
    count = (end - first).days // every_days + 1 if first <= end else 0
    return [first + timedelta(days=every_days * i) for i in range(max(count, 0))]


@functools.lru_cache(maxsize=65536)
def count_image_dates(reference: date, every_days: int, start: date, end: date) -> int:
    """How many cadence dates fall between start and end, both included (len(image_dates))."""
    if end < start:
        return 0
    offset = (start - reference).days % every_days
    first = start + timedelta(days=(every_days - offset) % every_days)
    return (end - first).days // every_days + 1 if first <= end else 0

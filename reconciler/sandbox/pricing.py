"""How the sandbox prices a tasking order, from the public price list.

The price list quotes EUR per km2 with tiers by monthly spend. The sandbox reads that as a
price per km2 of imagery delivered, so a month's order cost is:

    km2-images = billed area (km2) x image dates falling in that month
    order cost = tiered(km2-images) x product factor

- billed area: each polygon counts at least 1 km2 (AreaKm2BeforeMinimum1Km2PerAoi is the raw
  geodesic sum); a tile order bills each tile's area, a minitile order each minitile's.
- tiered(): the first 1,000 EUR of the month at 0.20 per km2, then 1k-3k EUR at 0.05,
  3k-12k at 0.02, 12k-50k at 0.01, 50k-400k at 0.008 and above that 0.006. Tiers count per
  order: the estimate assumes no other orders, as the real endpoint says it does.
- product factor: 1 for composite (polygon) orders, 0.2 for tile orders, 0.5 for minitiles.
  The model does not change the price (the public list quotes Stratus2 only).
- storage: included to the end of the following month; each further month adds
  0.00001 EUR per km2-image.
- this month: the image dates from today to the month's end (prorated); nothing when the order
  starts in a later month. Next month: the image dates of the following month, if the order
  still runs then (recurring, or To on or after its first day).
- CancellationDate: the last day of this month (a cancel stops renewal at the month's end).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reconciler.domain.calendar import image_dates, month_end, month_start, next_month_start

__all__ = ["image_dates", "month_end", "month_start", "next_month_start", "quote", "tiered_cost"]

TIERS: tuple[tuple[float, float], ...] = (
    # (upper bound of the tier in EUR of monthly spend, price per km2 within it)
    (1_000.0, 0.20),
    (3_000.0, 0.05),
    (12_000.0, 0.02),
    (50_000.0, 0.01),
    (400_000.0, 0.008),
    (float("inf"), 0.006),
)
TILE_FACTOR = 0.2
MINITILE_FACTOR = 0.5
STORAGE_PER_KM2_MONTH = 0.00001
CURRENCY = "EUR"


def tiered_cost(km2: float) -> float:
    """EUR for `km2` of imagery in one month, walking the spend tiers."""
    cost = 0.0
    remaining = km2
    lower = 0.0
    for upper, price in TIERS:
        if remaining <= 0:
            break
        tier_km2 = (upper - lower) / price
        used = min(remaining, tier_km2)
        cost += used * price
        remaining -= used
        lower = upper
    return cost


@dataclass(frozen=True)
class Quote:
    area_km2: float
    raw_area_km2: float
    current_month_order: float
    current_month_storage: float
    next_month_order: float
    next_month_storage: float
    image_dates: list[date]
    cancellation_date: date

    @property
    def current_month_cost(self) -> float:
        return round(self.current_month_order + self.current_month_storage, 2)

    @property
    def next_month_cost(self) -> float:
        return round(self.next_month_order + self.next_month_storage, 2)


def quote(
    *,
    billed_km2: float,
    raw_km2: float,
    factor: float,
    reference: date,
    every_days: int,
    start: date,
    end: date | None,
    storage_months: int,
    today: date,
) -> Quote:
    """The estimate of an order placed `today`."""
    this_start = max(today, start)
    this_end = month_end(today) if end is None else min(month_end(today), end)
    this_dates = image_dates(reference, every_days, this_start, this_end)
    nxt = next_month_start(today)
    next_end = month_end(nxt) if end is None else min(month_end(nxt), end)
    next_dates = image_dates(reference, every_days, max(nxt, start), next_end)
    first_month = max(month_start(today), month_start(start))
    shown_end = month_end(first_month) if end is None else min(month_end(first_month), end)
    shown = image_dates(reference, every_days, max(first_month, start, today), shown_end)

    def order_cost(dates: list[date]) -> float:
        return round(tiered_cost(billed_km2 * len(dates)) * factor, 2)

    def storage_cost(dates: list[date]) -> float:
        extra = max(storage_months - 1, 0)
        return round(extra * STORAGE_PER_KM2_MONTH * billed_km2 * len(dates), 2)

    return Quote(
        area_km2=round(billed_km2, 2),
        raw_area_km2=round(raw_km2, 2),
        current_month_order=order_cost(this_dates),
        current_month_storage=storage_cost(this_dates),
        next_month_order=order_cost(next_dates),
        next_month_storage=storage_cost(next_dates),
        image_dates=shown,
        cancellation_date=month_end(today),
    )

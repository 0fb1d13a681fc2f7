"""How the sandbox prices a tasking order, from the vendor's price pages (facts file: Prices).

Each reading below is the sandbox's; where the pages are silent it says so.

- A month's order cost is for the imagery delivered: km2-images = billed area x the image
  dates falling in that month. (The pages quote EUR per km2 and do not say whether the price
  scales with the image dates; the sandbox reads it so. Exact totals come from the estimate.)
- Base rate per km2 by model: Stratus2, Stratus2NoSnow and Stratus3 0.20, Stratus2Fast 0.18,
  Nimbus 0.10 (facts file: Models). A model the table does not name pays Stratus2's rates.
- Monthly spend tiers per ACCOUNT per calendar month, all its orders together (facts file:
  Prices). Stratus family: the first 1,000 EUR of the month at 0.20 per km2, then 1k-3k at
  0.05, 3k-12k at 0.02, 12k-50k at 0.01, 50k-400k at 0.008, above that 0.006; Stratus2Fast
  pays 90 % of these (its base rate is 0.18). Nimbus: 0.10, 0.075, 0.05, 0.025, 0.02, 0.015
  over the same bounds.
- Optional inputs (a constellation the model takes but does not need) add a flat rate per
  km2-image, outside the tiers: Sentinel1 0.04, Sentinel2 0.04, Sentinel3 0.02, Landsat89
  0.02. Required inputs are included.
- Tiles cost 20 % and minitiles 50 % of the polygon price (base and add-ons).
- Billed area: each polygon counts at least 1 km2 (AreaKm2BeforeMinimum1Km2PerAoi is the raw
  geodesic sum); a tile order bills each tile's area, a minitile order each minitile's.
- The account's spend in a month: its other orders that are not canceled, priced in the order
  they were made, each from the spend the ones before it left. An estimate starts from that
  spend plus SimulatedEuroUsage (the request's "as if the account had already spent that
  much"; the sandbox adds it to what it knows), so two orders priced together cost less than
  each alone once they cross a tier.
- The estimate describes the order's first billing month: this month when the order already
  runs, else the month it starts. Its current-month figures and ImageDates are that month's
  (from today, in this month); its recurring figures are the month after, if the order still
  runs then.
- Storage: included to the end of the following month; each further month adds 0.00001 EUR
  per km2-image.
- CancellationDate: the last day of this month (a cancel stops renewal at the month's end).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reconciler.domain.calendar import image_dates, month_end, month_start, next_month_start

__all__ = [
    "CURRENCY",
    "Product",
    "Quote",
    "image_dates",
    "month_end",
    "month_start",
    "next_month_start",
    "order_cost",
    "quote",
    "tier_cost",
]

BOUNDS: tuple[float, ...] = (1_000.0, 3_000.0, 12_000.0, 50_000.0, 400_000.0, float("inf"))
"""Upper bounds of the spend tiers, in EUR spent by the account in the month."""
STRATUS_TIERS = (0.20, 0.05, 0.02, 0.01, 0.008, 0.006)
NIMBUS_TIERS = (0.10, 0.075, 0.05, 0.025, 0.02, 0.015)
BASE_RATE = {"stratus2": 0.20, "stratus2nosnow": 0.20, "stratus3": 0.20, "stratus2fast": 0.18}
OPTIONAL_RATE = {"sentinel1": 0.04, "sentinel2": 0.04, "sentinel3": 0.02, "landsat89": 0.02}
TILE_FACTOR = 0.2
MINITILE_FACTOR = 0.5
STORAGE_PER_KM2_MONTH = 0.00001
CURRENCY = "EUR"


def tiers_of(model: str) -> tuple[float, ...]:
    """Price per km2 in each spend tier for `model`."""
    key = model.lower()
    if key == "nimbus":
        return NIMBUS_TIERS
    scale = BASE_RATE.get(key, 0.20) / 0.20
    return tuple(round(p * scale, 6) for p in STRATUS_TIERS)


def tier_cost(km2: float, spent: float = 0.0, tiers: tuple[float, ...] = STRATUS_TIERS) -> float:
    """EUR for `km2` of imagery when the account has already spent `spent` EUR this month."""
    cost, remaining, lower = 0.0, km2, 0.0
    for upper, price in zip(BOUNDS, tiers, strict=True):
        if remaining <= 0:
            break
        start = max(lower, spent + cost)
        if start < upper:
            used = min(remaining, (upper - start) / price)
            cost += used * price
            remaining -= used
        lower = upper
    return cost


@dataclass(frozen=True)
class Product:
    """What is priced: the model, its optional inputs, the billed area and the tile factor."""

    model: str
    optional: tuple[str, ...]
    billed_km2: float
    factor: float = 1.0

    @property
    def add_on_per_km2(self) -> float:
        return sum(OPTIONAL_RATE.get(c.lower(), 0.0) for c in self.optional)


def order_cost(product: Product, dates: int, spent: float) -> float:
    """One month's order cost for `dates` image dates, from the account's spend `spent`."""
    km2 = product.billed_km2 * dates
    tiered = tier_cost(km2, spent, tiers_of(product.model))
    return round((tiered + km2 * product.add_on_per_km2) * product.factor, 2)


@dataclass(frozen=True)
class Quote:
    area_km2: float
    raw_area_km2: float
    month: date
    """The first billing month, which the current-month figures and ImageDates describe."""
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


def month_dates(
    reference: date, every_days: int, start: date, end: date | None, month: date, today: date
) -> list[date]:
    """The order's image dates in `month` (from today on, in this month)."""
    first = max(month, start, today if month_start(today) == month else month)
    last = month_end(month) if end is None else min(month_end(month), end)
    return image_dates(reference, every_days, first, last)


def quote(
    *,
    product: Product,
    raw_km2: float,
    reference: date,
    every_days: int,
    start: date,
    end: date | None,
    storage_months: int,
    today: date,
    spent: tuple[float, float] = (0.0, 0.0),
) -> Quote:
    """The estimate of an order placed `today`, the account having spent `spent` EUR in its
    first billing month and the month after."""
    first = max(month_start(today), month_start(start))
    after = next_month_start(first)
    shown = month_dates(reference, every_days, start, end, first, today)
    following = month_dates(reference, every_days, start, end, after, today)

    def storage_cost(dates: list[date]) -> float:
        extra = max(storage_months - 1, 0)
        return round(extra * STORAGE_PER_KM2_MONTH * product.billed_km2 * len(dates), 2)

    return Quote(
        area_km2=round(product.billed_km2, 2),
        raw_area_km2=round(raw_km2, 2),
        month=first,
        current_month_order=order_cost(product, len(shown), spent[0]),
        current_month_storage=storage_cost(shown),
        next_month_order=order_cost(product, len(following), spent[1]),
        next_month_storage=storage_cost(following),
        image_dates=shown,
        cancellation_date=month_end(today),
    )

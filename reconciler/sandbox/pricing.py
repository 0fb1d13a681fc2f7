"""How the sandbox prices and bills a tasking order, from the vendor's pages (facts file:
Prices, and Billing: when credits are taken). Each reading is the sandbox's own, with its
source; where the pages are silent it says so.

Billing:
- "When an order is initialized, order credits are deducted from your account for that order
  coverage"; "order credits are consumed when order coverage is created" (invoicing,
  subscription). The coverage created when an order is made:
  - recurring (To empty): the current cycle, and with From in the past the historical window
    from From ("the order includes the historical window from From up to the current cycle,
    then continues recurring"); with From in a later month, that month's cycle (the pages do
    not say when a future order's first cycle is created: the sandbox takes the earlier reading);
  - bounded (From and To): the whole period, a one-time purchase ("historical and current
    imagery up to and including the current calendar month"; a period in the future is not
    documented, and the sandbox charges it whole at creation, the earlier reading).
  The estimate's CurrentMonthCosts is that charge, and its ImageDates are the dates it covers.
- "Recurring orders consume credits as each cycle is created": each later month of a recurring
  order is charged on its 1st (00:00 UTC), for every order made before then and not cancelled.
  RecurringCostsEstimate is the next such cycle; a bounded order has none (the official client
  reads it only "when present").
- A cancel before the 1st stops future cycles; coverage already created is not refunded.
- The account's order credits (`sandbox serve --credits EUR`): every charge draws them down; a
  create whose charge exceeds the balance plus the overdraft limit is refused with error 994.

Prices:
- Spend tiers are per account per calendar month, on the EUR it spent in the month ("tiers are
  computed on the current calendar month"; "based on orders created in the month"): what was
  charged in it, creations and cycles alike, in the order they happened. Stratus family: the
  first 1,000 EUR at 0.20 per km2, then 1k-3k 0.05, 3k-12k 0.02, 12k-50k 0.01, 50k-400k 0.008,
  above 0.006; Stratus2Fast 90 % of these (base 0.18); Nimbus 0.10, 0.075, 0.05, 0.025, 0.02,
  0.015 over the same bounds. A model the table does not name pays Stratus2's rates.
- Order of operations: the tier's EUR/km2 for the model, then optional input add-ons per km2
  (Sentinel1 0.04, Sentinel2 0.04, Sentinel3 0.02, Landsat89 0.02; required inputs are
  included), then the tile (20 %) or minitile (50 %) factor. The spend that moves the account
  through the tiers is what was charged, so a tile order crosses them later than a polygon.
- A month's imagery is its km2-images: billed area x the order's image dates in the month.
  (The pages quote EUR per km2 and do not say whether the price scales with the dates; the
  sandbox reads it so. Exact totals come from the estimate.)
- Billed area: each polygon at least 1 km2 (AreaKm2BeforeMinimum1Km2PerAoi is the raw geodesic
  sum); a tile order bills each tile's area, a minitile order each minitile's.
- SimulatedEuroUsage: priced as if the account had already spent that much more this month.
- Storage: included to the end of the following month; each further month adds 0.00001 EUR
  per km2-image.
- CancellationDate: the last day of this month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reconciler.domain.calendar import (
    image_dates,
    month_end,
    month_start,
    months_between,
    next_month_start,
)

__all__ = [
    "CURRENCY",
    "Product",
    "Quote",
    "covered_at_creation",
    "image_dates",
    "month_dates",
    "month_end",
    "month_start",
    "next_cycle",
    "next_month_start",
    "order_cost",
    "quote",
    "storage_cost",
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
    """EUR for `km2` of imagery at `tiers` (EUR per km2 in each spend tier) when the account
    has already spent `spent` EUR this month."""
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


def unit_prices(product: Product) -> tuple[float, ...]:
    """EUR per km2 in each spend tier: the tier's rate, plus add-ons, times the tile factor."""
    return tuple(
        (rate + product.add_on_per_km2) * product.factor for rate in tiers_of(product.model)
    )


def order_cost(product: Product, dates: int, spent: float) -> float:
    """The cost of `dates` image dates of the order, from the account's spend `spent`."""
    return round(tier_cost(product.billed_km2 * dates, spent, unit_prices(product)), 2)


def storage_cost(product: Product, storage_months: int, dates: int) -> float:
    extra = max(storage_months - 1, 0)
    return round(extra * STORAGE_PER_KM2_MONTH * product.billed_km2 * dates, 2)


def covered_at_creation(start: date, end: date | None, today: date) -> list[date]:
    """The months whose coverage is created (and charged) when the order is made today."""
    this = month_start(today)
    if end is not None:
        return months_between(start, end)
    first = month_start(start)
    return months_between(first, this) if first <= this else [first]


def month_dates(
    reference: date, every_days: int, start: date, end: date | None, month: date
) -> list[date]:
    """The order's image dates in `month`."""
    first = max(month, start)
    last = month_end(month) if end is None else min(month_end(month), end)
    return image_dates(reference, every_days, first, last) if first <= last else []


@dataclass(frozen=True)
class Quote:
    area_km2: float
    raw_area_km2: float
    covered: tuple[date, ...]
    """The months the charge at creation covers."""
    current_month_order: float
    current_month_storage: float
    next_month_order: float | None
    """The next cycle's order cost; None for a bounded order (it has none)."""
    next_month_storage: float | None
    image_dates: list[date]
    """The dates the charge at creation covers."""
    cancellation_date: date

    @property
    def current_month_cost(self) -> float:
        return round(self.current_month_order + self.current_month_storage, 2)

    @property
    def next_month_cost(self) -> float | None:
        if self.next_month_order is None or self.next_month_storage is None:
            return None
        return round(self.next_month_order + self.next_month_storage, 2)


def next_cycle(start: date, end: date | None, today: date) -> date | None:
    """The month of a recurring order's next cycle after the coverage made at creation."""
    if end is not None:
        return None
    return next_month_start(covered_at_creation(start, end, today)[-1])


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
    """The estimate of an order made `today`, the account having spent `spent` EUR this
    month and in the month of the next cycle."""
    covered = covered_at_creation(start, end, today)
    dates = [d for m in covered for d in month_dates(reference, every_days, start, end, m)]
    cycle = next_cycle(start, end, today)
    cycle_dates = month_dates(reference, every_days, start, end, cycle) if cycle else []
    return Quote(
        area_km2=round(product.billed_km2, 2),
        raw_area_km2=round(raw_km2, 2),
        covered=tuple(covered),
        current_month_order=order_cost(product, len(dates), spent[0]),
        current_month_storage=storage_cost(product, storage_months, len(dates)),
        next_month_order=order_cost(product, len(cycle_dates), spent[1]) if cycle else None,
        next_month_storage=storage_cost(product, storage_months, len(cycle_dates))
        if cycle
        else None,
        image_dates=dates,
        cancellation_date=month_end(today),
    )

"""What counts as a price: a finite amount of euro from 0 up to a ceiling no order reaches.

Figures come from the service's answers and from the state, both untrusted: NaN passes every
comparison with a budget, infinity and 1e308 overflow a sum, and a negative price makes a plan
look cheaper. Anything else is refused where it is read, never read as 0.00.
"""

from __future__ import annotations

import math

MAX_EUR = 1e9
"""No order costs a billion euro: a figure above it is not a price."""


def is_price(value: object) -> bool:
    """True for a finite number of euro from 0 to MAX_EUR (a bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and 0 <= value <= MAX_EUR

"""The machine's speed, printed before and after the benchmarks: the absolute bounds
(start-up, the 10,000 and 50,000 plans) depend on it, and a shared machine's speed varies
from one run to the next (and within one). Two runs' figures compare where these lines do;
the ratios measured against bounds taken in the same run (loading, the round trips, state
writes) speak for the code whatever the machine."""

from __future__ import annotations

import time

ADDITIONS = 5_000_000


def loop() -> float:
    started = time.perf_counter()
    total = 0
    for i in range(ADDITIONS):
        total += i
    assert total == ADDITIONS * (ADDITIONS - 1) // 2
    return time.perf_counter() - started


def main() -> None:
    took = min(loop() for _ in range(3))
    print(f"machine: {ADDITIONS:,} Python additions in {took:.2f} s (best of 3)")


if __name__ == "__main__":
    main()

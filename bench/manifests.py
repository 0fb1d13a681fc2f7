"""Benchmark: load and validate 10,000 manifests (20-vertex polygons). Target: under 5 s."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.fixtures import write_repo
from reconciler.manifest import load

COUNT = 10_000
TARGET_S = 5.0


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_repo(Path(folder) / "orders", COUNT)
        load([root])  # warm the page cache and imports
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            manifests = load([root])
            runs.append(time.perf_counter() - started)
        assert len(manifests.orders) == COUNT
    best = min(runs)
    verdict = "ok" if best < TARGET_S else "TOO SLOW"
    print(
        f"load+validate {COUNT:,} manifests: best {best:.2f} s of {len(runs)} runs "
        f"({best / COUNT * 1e6:.0f} us each); target < {TARGET_S:.0f} s: {verdict}"
    )


if __name__ == "__main__":
    main()

"""Benchmark: plans over very large AOIs, as whole processes (the CLI against the embedded
sandbox), each printed beside its bound.

1. An AOI of 100,000 vertices, applied: every later plan compares it with the order the
   service wrote back (target: under 2 s; it took 121 s while the comparison was quadratic).
2. A 10 MB GeoJSON AOI (210,000 vertices, just under the 10 MiB AOI file limit) planned as
   a create (target: under 5 s; it did not finish).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.fixtures import CONFIG
from reconciler.domain.calendar import next_month_start

APPLIED_BOUND_S = 2.0
GEOJSON_BOUND_S = 5.0


def ring(vertices: int, digits: int = 6) -> list[list[float]]:
    points = [
        [
            round(10.2 + 0.4 * math.cos(2 * math.pi * k / vertices), digits),
            round(56.1 + 0.25 * math.sin(2 * math.pi * k / vertices), digits),
        ]
        for k in range(vertices)
    ]
    return [*points, points[0]]


def manifest(name: str, aoi_file: str) -> str:
    start = next_month_start(datetime.now(UTC).date()).isoformat()
    return f"""\
apiVersion: clearsky-orders/v1
kind: TaskingOrder
metadata:
  name: {name}
spec:
  aoi:
    file: {aoi_file}
  imageFrequency: 3
  referenceDate: 2025-01-01
  from: {start}
  to: null
"""


def cli(root: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", *args, "--sandbox", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise SystemExit(f"{args}: exit {done.returncode}: {done.stderr[-2000:]}")
    return took


def verdict(took: float, bound: float) -> str:
    met = "ok" if took <= bound else "TOO SLOW"
    return f"{took:.2f} s; bound {bound:.1f} s; ratio {took / bound:.2f} ({met})"


def bench_applied(folder: Path) -> None:
    root = folder / "applied"
    root.mkdir()
    (root / "clearsky.yaml").write_text(CONFIG)
    geometry = {"type": "Polygon", "coordinates": [ring(100_000)]}
    (root / "coast.geojson").write_text(json.dumps(geometry))
    (root / "coast.yaml").write_text(manifest("coast", "coast.geojson"))
    cli(root, "apply", "--auto-approve")
    took = min(cli(root, "plan", "--detailed-exitcode") for _ in range(3))
    print(f"plan an applied 100,000-vertex AOI (whole process): {verdict(took, APPLIED_BOUND_S)}")


def bench_geojson(folder: Path) -> None:
    root = folder / "geojson"
    root.mkdir()
    (root / "clearsky.yaml").write_text(CONFIG)
    geometry = {"type": "Polygon", "coordinates": [ring(210_000, digits=9)]}
    text = json.dumps(geometry, indent=1)
    assert 9e6 < len(text) < 10 * 1024 * 1024, len(text)  # just under the AOI file limit
    (root / "large.geojson").write_text(text)
    (root / "large.yaml").write_text(manifest("large", "large.geojson"))
    took = min(cli(root, "plan") for _ in range(2))
    size = len(text) / 1e6
    print(f"plan a {size:.1f} MB GeoJSON AOI (whole process): {verdict(took, GEOJSON_BOUND_S)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bench_applied(Path(folder))
        bench_geojson(Path(folder))


if __name__ == "__main__":
    main()

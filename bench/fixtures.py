"""Generated manifest repositories for the benchmarks."""

from __future__ import annotations

import math
from pathlib import Path

CONFIG = """\
apiVersion: clearsky-orders/v1
kind: Config
defaults:
  constellations: [Sentinel1, Sentinel2, Landsat89]
  model: Stratus2
  storageMonths: 1
  apiRequests: 1
"""


def polygon(index: int, vertices: int = 20) -> str:
    """A 20-vertex polygon (19 distinct + closing) somewhere over Denmark, unique per index
    and apart from every other up to 62,500 (250 x 250 places)."""
    cx = 8.2 + (index % 250) * 0.018
    cy = 54.8 + (index // 250 % 250) * 0.012
    points = [
        (
            cx + 0.006 * math.cos(2 * math.pi * k / (vertices - 1)),
            cy + 0.004 * math.sin(2 * math.pi * k / (vertices - 1)),
        )
        for k in range(vertices - 1)
    ]
    points.append(points[0])
    return "POLYGON((" + ", ".join(f"{x:.6f} {y:.6f}" for x, y in points) + "))"


def next_month() -> str:
    """The first day of next month: a start date that never rots."""
    from datetime import UTC, datetime

    from reconciler.domain.calendar import next_month_start

    return next_month_start(datetime.now(UTC).date()).isoformat()


def manifest(index: int, *, frequency: int = 3, start: str | None = None) -> str:
    start = start or next_month()
    return f"""\
apiVersion: clearsky-orders/v1
kind: TaskingOrder
metadata:
  name: field-{index:05d}
  labels: {{team: agri}}
spec:
  aoi:
    wkt: "{polygon(index)}"
  imageFrequency: {frequency}
  referenceDate: 2025-01-01
  from: {start}
  to: null
"""


def write_repo(root: Path, count: int, *, changed: int = 0, start: str | None = None) -> Path:
    """`count` manifests, one per file, in 100-file folders; the first `changed` get frequency 2."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "clearsky.yaml").write_text(CONFIG)
    for index in range(count):
        folder = root / f"block-{index // 100:03d}"
        folder.mkdir(exist_ok=True)
        frequency = 2 if index < changed else 3
        (folder / f"field-{index:05d}.yaml").write_text(
            manifest(index, frequency=frequency, start=start)
        )
    return root

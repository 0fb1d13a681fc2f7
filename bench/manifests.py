"""Benchmark: load and validate 10,000 manifests (20-vertex polygons), beside the sum of what
each one must cost at least, measured in the same run on the same texts: YAML (libyaml), the
model, the WKT parsed and normalised, the geodesic area. Target: within 1.3x of that bound
(it was 237 us against 117 us, 2x); and under 5 s in all."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import yaml

from bench.fixtures import CONFIG, write_repo
from reconciler.domain.geometry import parse_wkt
from reconciler.domain.unread import check_area
from reconciler.manifest import load
from reconciler.manifest.models import TaskingOrderManifest

COUNT = 10_000
TARGET_S = 5.0
TARGET_RATIO = 1.3


def bound_per_manifest(texts: list[str]) -> float:
    """Seconds per manifest for the work no loader can skip."""
    defaults = yaml.load(CONFIG, Loader=yaml.CSafeLoader)["defaults"]
    started = time.perf_counter()
    for text in texts:
        value = yaml.load(text, Loader=yaml.CSafeLoader)
        value["spec"] = {**defaults, **value["spec"]}
        TaskingOrderManifest.model_validate(value)
        check_area(parse_wkt(value["spec"]["aoi"]["wkt"]))
    return (time.perf_counter() - started) / len(texts)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_repo(Path(folder) / "orders", COUNT)
        texts = [p.read_text() for p in sorted(root.rglob("field-*.yaml"))]
        load([root])  # warm the page cache and imports
        runs, bounds = [], []
        for _ in range(3):
            started = time.perf_counter()
            manifests = load([root])
            runs.append(time.perf_counter() - started)
            bounds.append(bound_per_manifest(texts))
        assert len(manifests.orders) == COUNT
    best, bound = min(runs), min(bounds)
    each = best / COUNT
    ratio = each / bound
    print(
        f"load+validate {COUNT:,} manifests: best {best:.2f} s of {len(runs)} runs "
        f"({each * 1e6:.0f} us each); target < {TARGET_S:.0f} s: "
        f"{'ok' if best < TARGET_S else 'TOO SLOW'}"
    )
    print(
        f"loading per manifest: {each * 1e6:.0f} us against a bound of {bound * 1e6:.0f} us "
        f"(YAML, model, WKT, normalise, area); ratio {ratio:.2f} (target <= {TARGET_RATIO}: "
        f"{'ok' if ratio <= TARGET_RATIO else 'TOO SLOW'})"
    )


if __name__ == "__main__":
    main()

"""Benchmark: start-up, as whole processes (best of 7 runs). Every command imports only what
it uses: `--help` nothing but click, `validate` the manifest stack and no HTTP, sandbox or
plan renderers. Bounds: --help 0.1 s, validate of 5 manifests 0.3 s (both were 0.4 s)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "orders"
RUNS = 7


def best(*args: str) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reconciler", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def line(what: str, took: float, bound: float) -> str:
    met = "ok" if took <= bound else "TOO SLOW"
    return f"{what}: {took:.3f} s; bound {bound:.1f} s; ratio {took / bound:.2f} ({met})"


def main() -> None:
    manifests = len(list(EXAMPLES.rglob("*.yaml"))) - 1  # clearsky.yaml aside
    print(line("start-up, --help (whole process)", best("--help"), 0.1))
    print(
        line(
            f"start-up, validate {manifests} manifests (whole process)",
            best("validate", str(EXAMPLES)),
            0.3,
        )
    )


if __name__ == "__main__":
    main()

"""Benchmark: apply as a whole process (the CLI) against the sandbox served on loopback with
50 ms of latency per request, at parallelism 8, each beside its round-trip bound.

The bound is the start-up (`--help` as a process) plus the rounds of requests at the
parallelism: the reads a plan starts with (one round), its estimates, and apply's calls.
1. 200 creates: 200 estimates, 40 tile-suggestion requests (the first 20 new orders) and 200
   creates (it took 16.1 s against 2.6 s, one call at a time and a full state rewrite after
   each).
2. 50 cancels and 50 creates: 50 + 50 estimates (a saving is priced live), 50 cancels and 50
   creates (it took 8.2 s against 1.1 s).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.fixtures import write_repo
from reconciler.engine.tiles import SUGGEST_AT_MOST
from reconciler.sandbox.server import serve_in_subprocess

KEY = "bench-apply-key"
LATENCY_MS = 50.0
PARALLELISM = 8
TARGET_RATIO = 1.5


def run(root: Path, url: str, *args: str) -> float:
    env = {**os.environ, "CLEARSKY_API_URL": url, "CLEARSKY_API_KEY": KEY}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", *args, "--parallelism", str(PARALLELISM), "."],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{args}: exit {done.returncode}: {done.stderr[-2000:]}")
    return took


def startup() -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reconciler", "--help"], capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


def rounds(requests: int) -> int:
    return math.ceil(requests / PARALLELISM)


def report(what: str, took: float, bound: float) -> None:
    ratio = took / bound
    met = "ok" if ratio <= TARGET_RATIO else "TOO SLOW"
    print(
        f"{what}: {took:.2f} s; round-trip bound {bound:.2f} s; ratio {ratio:.2f} "
        f"(target <= {TARGET_RATIO}: {met})"
    )


def main() -> None:
    start = startup()
    latency = LATENCY_MS / 1000
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        with serve_in_subprocess(
            base / "sandbox.db",
            [KEY],
            options=["--skip-review", "--latency-ms", str(LATENCY_MS)],
        ) as url:
            # the sandbox's first answers import what it needs: a plan of one order warms it,
            # as the real service always is (the bound counts none of that)
            run(write_repo(base / "warm", 1), url, "plan")
            root = write_repo(base / "creates", 200)
            took = run(root, url, "apply", "--auto-approve")
            tiles = rounds(2 * SUGGEST_AT_MOST)  # the plan's tile suggestions
            bound = start + (1 + rounds(200) + tiles + rounds(200)) * latency
            report("apply 200 creates at 50 ms latency (whole process)", took, bound)

            mixed = write_repo(base / "mixed", 100)
            run(mixed, url, "apply", "--auto-approve")
            for path in sorted(mixed.rglob("field-*.yaml"))[:50]:
                path.unlink()  # 50 cancels
            extra = write_repo(base / "extra", 150)
            for path in sorted(extra.rglob("field-*.yaml"))[100:]:
                target = mixed / "new" / path.name
                target.parent.mkdir(exist_ok=True)
                shutil.copy(path, target)  # 50 creates
            took = run(mixed, url, "apply", "--auto-approve", "--force")  # 50 % cancelled
            bound = start + (1 + rounds(100) + tiles + rounds(50) + rounds(50)) * latency
            report("apply 50 cancels + 50 creates at 50 ms latency (whole process)", took, bound)


if __name__ == "__main__":
    main()

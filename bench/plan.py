"""Benchmarks for plan.

1. 2,000 manifests, 200 of them changed, against `clearsky-orders sandbox serve` on loopback
   with 50 ms latency per request. The round-trip bound is 1 round for the list, then 400
   estimates (each replace's new and old order) and 40 tile-suggestion requests at
   parallelism 8. Target: plan within 1.3x of it, timed in process from the start of the plan
   (the start-up, imports included, is on neither side), the best of three runs after one
   that warms the sandbox (their median printed too). A sequential run (parallelism 1) is
   printed next to it.
2. 10,000 unchanged manifests: the local work of a plan (load, read the live list, decide),
   and `plan` as a whole process, the best of three runs (bound: 2.5 s within 400 MB).
3. 50,000 unchanged manifests, `plan` as a whole process, the best of three runs (bound: 12 s
   within 400 MB; it was 54 s and 982 MB).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.fixtures import write_repo
from reconciler.api import ClearskyClient, live_order
from reconciler.domain.geometry import service_wkt
from reconciler.domain.live import LiveOrder
from reconciler.engine import Settings, open_workspace, plan_workspace
from reconciler.engine.recognise import seen
from reconciler.engine.tiles import SUGGEST_AT_MOST
from reconciler.manifest import load, load_chunk, prepare
from reconciler.planning import Cost, StateEntry, decide
from reconciler.sandbox import InProcessTransport, Sandbox, Store, serve_in_subprocess
from reconciler.sandbox.store import StoredOrder, new_guid
from reconciler.state import Sealer, State, StateFile

KEY = "bench-key"
LATENCY_MS = 50.0
MANIFESTS, CHANGED, PARALLELISM = 2_000, 200, 8
UNCHANGED = 10_000


def served(db: Path, latency_ms: float) -> contextlib.AbstractContextManager[str]:
    """`clearsky-orders sandbox serve` in a child process on a free loopback port."""
    return serve_in_subprocess(
        db, [KEY], options=["--skip-review", "--latency-ms", str(latency_ms)]
    )


def seed(db: Path, root: Path, state_path: Path) -> None:
    """Orders equal to every manifest, owned in the state (what an earlier apply leaves)."""
    manifests = load([root])
    sandbox = Sandbox(store=Store(db))
    account = sandbox.add_account(KEY, "bench", skip_review=True)
    now = datetime.now(UTC)
    entries = {}
    for order in manifests.orders:
        s = order.spec
        assert s.geometry is not None
        stored = StoredOrder(
            guid=new_guid(),
            account=account,
            created_at=now,
            accepted_at=now,
            canceled_at=None,
            model=s.model,
            constellations=sorted(s.constellations),
            image_frequency=s.image_frequency,
            reference_date=s.reference_date,
            from_date=s.start,
            to_date=s.end,
            storage_months=s.storage_months,
            api_requests=s.api_requests,
            wkt=service_wkt(s.geometry),
            tiles=[],
            mini_tiles=[],
            area_km2=round(s.billed_area_km2 or 0, 2),
        )
        sandbox.store.insert(stored)
        # apply records each order's estimate; a cancel's saving is read from it
        entries[order.name] = StateEntry(
            stored.guid, s.fingerprint, cost=Cost(10.0, 42.0), labels=dict(order.labels)
        )
    # ... and what it saw of each order equal to its manifest: both specs' raw keys, from the
    # manifest as written and the order as the service lists it
    listed = {o.key: o.spec for o in asyncio.run(_listed(sandbox))}
    job = prepare([root])
    written = {
        o.name: o.spec
        for o in load_chunk(job.files, job.root, job.defaults, job.catalog, unread=True).orders
    }
    for name, entry in entries.items():
        recorded = seen(written[name], listed[entry.guid.lower()])
        entries[name] = replace(entry, seen=recorded)
    sandbox.store.close()
    StateFile(state_path, Sealer.for_api_key(KEY)).save(State(entries))  # as apply seals it


async def _listed(sandbox: Sandbox) -> list[LiveOrder]:
    transport = InProcessTransport(app=sandbox.app())
    async with ClearskyClient(api_key=KEY, base_url="http://localhost", transport=transport) as c:
        return [live_order(o, unread=True) for o in await c.list_orders(get_expired=True)]


async def timed_plan(root: Path, state_path: Path, url: str, parallelism: int) -> tuple[float, int]:
    started = time.perf_counter()
    settings = Settings(paths=(str(root),), api_url=url, api_key=KEY, state_path=str(state_path))
    workspace = open_workspace(settings)
    async with ClearskyClient(api_key=KEY, base_url=url, parallelism=parallelism) as client:
        _, plan = await plan_workspace(workspace, workspace.state_file.load, client)
        requests = client.requests_sent
    elapsed = time.perf_counter() - started
    assert plan.counts()["replace"] == CHANGED, plan.counts()
    return elapsed, requests


def bench_latency(folder: Path) -> None:
    root = write_repo(folder / "orders", MANIFESTS)
    db, state_path = folder / "sandbox.db", folder / "state.json"
    seed(db, root, state_path)
    write_repo(root, MANIFESTS, changed=CHANGED)
    # Each replace needs two estimates: the new order, and the old one live (a saving never
    # comes from the state's record alone); the first 20 new orders also ask the tile
    # optimiser and price its cover (two requests each); the list is read once beside them.
    requests = 2 * CHANGED + 2 * min(CHANGED, SUGGEST_AT_MOST)
    bound = (1 + math.ceil(requests / PARALLELISM)) * LATENCY_MS / 1000
    with served(db, LATENCY_MS) as url:
        # the first plan warms the sandbox (its first answers import what it needs; the real
        # service is always warm): the best of the next three counts
        asyncio.run(timed_plan(root, state_path, url, PARALLELISM))
        runs = [asyncio.run(timed_plan(root, state_path, url, PARALLELISM)) for _ in range(3)]
        parallel, requests = min(runs)
        median = statistics.median(took for took, _ in runs)
        sequential, _ = asyncio.run(timed_plan(root, state_path, url, 1))
    ratio = parallel / bound
    print(
        f"plan {MANIFESTS:,} manifests, {CHANGED} changed, {LATENCY_MS:.0f} ms latency: "
        f"{parallel:.2f} s at parallelism {PARALLELISM} ({requests} requests; median "
        f"{median:.2f} s); "
        f"round-trip bound {bound:.2f} s; ratio {ratio:.2f} (target <= 1.3: "
        f"{'ok' if ratio <= 1.3 else 'TOO SLOW'}; it was 2.9 s); sequential baseline "
        f"{sequential:.2f} s"
    )


WHOLE_BOUND_S = 2.5
WHOLE_BOUND_MB = 400
WHOLE_RUNS = 3
"""Whole-process plans count their best run (and its peak): a shared machine adds, now and
then, a second to one of them."""


PEAK = "clearsky-bench-peak-mb"
_REPORTING = (
    "import atexit, resource, sys\n"
    "def peak():\n"
    "    # VmHWM: this process's own high-water mark since it started (getrusage would count\n"
    "    # the pages it inherited, before exec, from the large process that started it)\n"
    "    status = open('/proc/self/status').read().splitlines()\n"
    "    own = next(int(l.split()[1]) for l in status if l.startswith('VmHWM'))\n"
    "    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    f"    print('{PEAK}', max(own, helper) / 1024, file=sys.stderr)\n"
    "atexit.register(peak)\n"
    "from reconciler.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def whole_process(root: Path, url: str) -> tuple[float, float]:
    """`plan` as a user runs it: seconds, and the peak memory in MB of its process (or of its
    loading helper, whichever is larger)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CLEARSKY_API_URL": url, "CLEARSKY_API_KEY": KEY}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _REPORTING, "plan", "--detailed-exitcode", "."],
        cwd=root,
        env=env,
        capture_output=True,
        check=False,
    )
    took = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-2000:]
    told = [line for line in done.stderr.decode().splitlines() if line.startswith(PEAK)]
    return took, float(told[-1].split()[1])


def bench_large(folder: Path) -> None:
    root = write_repo(folder / "orders", LARGE)
    db, state_path = folder / "sandbox.db", folder / "state.json"
    seed(db, root, state_path)
    (root / ".clearsky").mkdir(exist_ok=True)
    (root / ".clearsky" / "state.json").write_bytes(state_path.read_bytes())
    with served(db, 0) as url:
        took, peak = min(whole_process(root, url) for _ in range(WHOLE_RUNS))
    met = "ok" if took <= LARGE_BOUND_S and peak <= WHOLE_BOUND_MB else "TOO SLOW"
    print(
        f"plan {LARGE:,} unchanged manifests (whole process): {took:.2f} s, peak {peak:.0f} MB; "
        f"bound {LARGE_BOUND_S:.0f} s and {WHOLE_BOUND_MB} MB; ratios {took / LARGE_BOUND_S:.2f} "
        f"and {peak / WHOLE_BOUND_MB:.2f} ({met}; it was 54 s and 982 MB)"
    )


LARGE = 50_000
LARGE_BOUND_S = 12.0


def bench_local(folder: Path) -> None:
    root = write_repo(folder / "orders", UNCHANGED)
    db, state_path = folder / "sandbox.db", folder / "state.json"
    seed(db, root, state_path)
    sandbox = Sandbox(store=Store(db))
    with served(db, 0) as url:
        listed = asyncio.run(_list(url))
        (root / ".clearsky").mkdir(exist_ok=True)
        (root / ".clearsky" / "state.json").write_bytes(state_path.read_bytes())
        took, peak = min(whole_process(root, url) for _ in range(WHOLE_RUNS))
    started = time.perf_counter()
    manifests = load([root])
    loaded = time.perf_counter()
    live = [live_order(o) for o in listed]
    parsed = time.perf_counter()
    changes = decide(
        manifests.orders,
        live,
        StateFile(state_path, Sealer.for_api_key(KEY)).load().guarded(),
        datetime.now(UTC).date(),
    )
    decided = time.perf_counter()
    sandbox.store.close()
    assert all(c.action.value == "noop" for c in changes), {c.action for c in changes}
    total = decided - started
    print(
        f"plan {UNCHANGED:,} unchanged manifests, local work: {total:.2f} s "
        f"(load {loaded - started:.2f}, read live list {parsed - loaded:.2f}, "
        f"decide {decided - parsed:.2f})"
    )
    met = "ok" if took <= WHOLE_BOUND_S and peak <= WHOLE_BOUND_MB else "TOO SLOW"
    print(
        f"plan {UNCHANGED:,} unchanged manifests (whole process): {took:.2f} s, peak "
        f"{peak:.0f} MB; bound {WHOLE_BOUND_S} s and {WHOLE_BOUND_MB} MB; ratio "
        f"{took / WHOLE_BOUND_S:.2f} ({met}; it was 8.2 s)"
    )


async def _list(url: str) -> list:  # type: ignore[type-arg]
    async with ClearskyClient(api_key=KEY, base_url=url, timeout=120) as client:
        return await client.list_orders(get_expired=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bench_latency(Path(folder) / "latency")
        bench_local(Path(folder) / "local")
        bench_large(Path(folder) / "large")


if __name__ == "__main__":
    main()

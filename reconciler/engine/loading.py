"""Loading the manifests while the live list is read and likely estimates already run.

An estimate depends only on the desired spec, and the state records the fingerprint of the
spec each name was last applied with. A manifest whose spec differs from that (or that has no
state entry) will most likely be created or replaced, so its estimate starts at once, while the
rest of the manifests load and the live list is read. A spec that turns out not to need one
costs a wasted read; one that needed one and was not prefetched is estimated as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from reconciler.api import ClearskyClient
from reconciler.domain.catalog import BUILT_IN, Catalog
from reconciler.domain.desired import DesiredOrder
from reconciler.domain.geometry import GeometryProblem
from reconciler.domain.live import LiveOrder
from reconciler.domain.order import OrderSpec
from reconciler.engine.catalog import SERVICE_LIST
from reconciler.engine.live import refresh
from reconciler.engine.pricing import estimate_cost
from reconciler.engine.recognise import recognise
from reconciler.engine.worker import WORKER_AT, WORKER_SHARE, Helper
from reconciler.manifest import Chunk, Job, Manifests, finish, load_chunk, prepare
from reconciler.manifest.catalog_cache import cached_catalog
from reconciler.planning import Cost, StateEntry
from reconciler.state import State


class Prefetch:
    """Estimate tasks by spec fingerprint."""

    def __init__(
        self, client: ClearskyClient, state: Mapping[str, StateEntry] | None = None
    ) -> None:
        self.client = client
        self.state = state
        self.waiting: list[DesiredOrder] = []
        self.tasks: dict[str, asyncio.Task[Cost]] = {}
        self._read = asyncio.Event()
        if state is not None:
            self._read.set()

    def ready(self, state: Mapping[str, StateEntry]) -> None:
        """The state is read: consider the orders that loaded before it."""
        self.state = state
        self._read.set()
        waiting, self.waiting = self.waiting, []
        for order in waiting:
            self.consider(order)

    def consider(self, order: DesiredOrder) -> None:
        """Start an estimate for `order` unless the state says it is applied as it is."""
        if self.state is None:
            self.waiting.append(order)
            return
        entry = self.state.get(order.name)
        if entry is not None and entry.seen and entry.seen.manifest == order.spec.raw_key:
            return  # written as it was applied: its AOI stays unread
        try:
            if entry is None or entry.fingerprint != order.spec.fingerprint:
                self.start(order.spec)
        except GeometryProblem:
            return  # its AOI cannot be read: reported with the manifests' other problems

    def start(self, spec: OrderSpec) -> None:
        if spec.fingerprint not in self.tasks:
            self.tasks[spec.fingerprint] = asyncio.create_task(
                self.client.limited(lambda: estimate_cost(self.client, spec))
            )

    async def state_read(self) -> None:
        """Return once the state is read."""
        await self._read.wait()

    def busy(self) -> bool:
        """Whether an estimate started ahead is still in flight."""
        return any(not task.done() for task in self.tasks.values())

    def get(self, spec: OrderSpec) -> asyncio.Task[Cost] | None:
        return self.tasks.get(spec.fingerprint)

    async def close(self) -> None:
        """Cancel what nobody needed, and collect every outcome."""
        for task in self.tasks.values():
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)


CHUNK_FILES = 100
"""Manifests loaded per step (the event loop serves requests in between)."""


async def load_and_refresh(
    paths: Sequence[str | Path],
    state: State,
    client: ClearskyClient,
    catalog: Catalog | None = None,
    listing: asyncio.Task[list[LiveOrder]] | None = None,
) -> tuple[Manifests, tuple[LiveOrder, ...], Prefetch]:
    """Load the manifests while the live list is read (`listing`, if it is already under
    way) and likely estimates already run."""
    prefetch = Prefetch(client, state.orders)
    early = EarlyLoad(prepare(paths, catalog), prefetch)
    listing = listing or asyncio.create_task(refresh(client, unread=True))
    return await early.finish(catalog, listing, state)


class EarlyLoad:
    """Manifests loading from the start of a run, checked against a catalog guessed before
    the service has said what it sells (its list as cached beside clearsky.yaml). The
    service's answer decides: the same list, and the load stands; another, and the manifests
    are loaded again against it."""

    def __init__(self, job: Job, prefetch: Prefetch) -> None:
        self.job, self.prefetch = job, prefetch
        # the helper forks now, not when the task first runs: the state is read in a thread
        # meanwhile, and its parse would keep the loop (and so the fork) waiting
        self.task = _loading(job, prefetch)

    @classmethod
    def guess(cls, job: Job, prefetch: Prefetch) -> EarlyLoad | None:
        """Start loading `job` (prepared without the service's list) against the cached
        list, read as if the service had just said it; None when there is no cached list."""
        if job.catalog is BUILT_IN:  # `prepare` found no cached list
            return None
        rows = [(m.name, m.required, m.optional) for m in job.catalog.models]
        guessed = Catalog.of(rows, SERVICE_LIST, authoritative=True)
        return cls(replace(job, catalog=guessed), prefetch)

    async def finish(
        self, catalog: Catalog | None, listing: asyncio.Task[list[LiveOrder]], state: State
    ) -> tuple[Manifests, tuple[LiveOrder, ...], Prefetch]:
        """The manifests as `catalog` (the service's answer) reads them, and the live list
        (from `refresh(..., unread=True)`), with every AOI read that `state` does not vouch
        for as unchanged (engine/recognise.py)."""
        try:
            job = self.job
            wanted = catalog or cached_catalog(job.root) or BUILT_IN  # as `prepare` chooses
            if wanted != job.catalog:
                await self.cancel()
                job = replace(job, catalog=wanted)
                self.task = _loading(job, self.prefetch)
            manifests = finish(job, await self.task)
            live = recognise(manifests, await listing, state)
        except BaseException:
            await self.cancel()
            listing.cancel()
            with contextlib.suppress(BaseException):
                await listing
            await self.prefetch.close()
            raise
        return manifests, live, self.prefetch

    async def cancel(self) -> None:
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task


Share = tuple[Helper | None, Sequence[Path]]
"""A forked helper (or None) and the files left to this process."""


def _share(job: Job) -> Share:
    """With many files, fork a helper that loads the larger share (engine/worker.py)."""
    files = job.files
    if len(files) >= WORKER_AT:
        split = len(files) - int(len(files) * WORKER_SHARE)
        helper = Helper.start(files[split:], functools.partial(_load_chunk, job=job))
        if helper is not None:
            return helper, files[:split]
    return None, files


def _loading(job: Job, prefetch: Prefetch) -> asyncio.Task[list[Chunk]]:
    """`_load_chunks` as a task, its helper forked at once. A task cancelled before it first
    runs never enters its `finally`: the helper is stopped when the task ends, however."""
    share = _share(job)
    task = asyncio.create_task(_load_chunks(job, prefetch, share))
    helper = share[0]
    if helper is not None:
        task.add_done_callback(lambda _: helper.stop())
    return task


async def _load_chunks(job: Job, prefetch: Prefetch, share: Share | None = None) -> list[Chunk]:
    """The manifests in chunks. With many files a forked helper loads the larger share on the
    other core (engine/worker.py) while this process loads the rest and reads the account.
    While estimates started ahead are in flight, a chunk loads in a thread so that the event
    loop answers them as they come; otherwise on the loop's own thread, handing it back
    between chunks. Measured: a thread for every chunk fought the loop for the interpreter
    (10,000 manifests and as many live orders: 7.0 s against 5.3 s)."""
    helper, files = share or _share(job)
    load = functools.partial(_load_chunk, job=job)
    received = None
    chunks = []
    try:
        if helper is not None:
            received = asyncio.ensure_future(helper.chunks(load))  # taken as it sends them
        # This process's share waits for the state (read in a thread): loading beside it
        # only shares the interpreter with it, and the estimates of changed manifests wait
        # for it (2,000 orders, 200 changed: they started 0.3 s in, now 0.1 s)
        await prefetch.state_read()
        for start in range(0, len(files), CHUNK_FILES):
            part = files[start : start + CHUNK_FILES]
            if prefetch.busy():
                chunk = await asyncio.to_thread(_load_chunk, part, job)
            else:
                chunk = _load_chunk(part, job)
                await asyncio.sleep(0)
            for order in chunk.orders:
                prefetch.consider(order)
            chunks.append(chunk)
        if received is not None:
            for chunk in await received:
                for order in chunk.orders:
                    prefetch.consider(order)
                chunks.append(chunk)
    finally:
        if received is not None and not received.done():
            received.cancel()
            with contextlib.suppress(BaseException):
                await received
        if helper is not None:
            helper.stop()
    return chunks


def _load_chunk(files: Sequence[Path], job: Job) -> Chunk:
    chunk = load_chunk(files, job.root, job.defaults, job.catalog, unread=True)
    for order in chunk.orders:
        order.spec.raw_key  # noqa: B018 - computed where the CPU is free
    return chunk

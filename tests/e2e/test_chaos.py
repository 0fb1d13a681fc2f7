"""Chaos: applies as an unlucky team meets them, then the account is checked.

Each seed is a repository and an account of its own on one sandbox served on loopback. A few
rounds of: a random manifest edit (add, delete, rename, change, protect), random faults (503s,
429s, creates committed and their answers dropped), a state file truncated or deleted now and
then, and an apply in a child process that is sometimes killed (SIGKILL) at a random moment or
raced by a second apply. Then, without faults, the user's way back (restore the state when it
is refused, apply until it converges) must end with exactly one active order per manifest,
each owned by its entry, nothing else in the account, and no traceback in any output.

`make test` runs a few seeds; `make chaos` runs CHAOS_SEEDS (500) of them and prints counts.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reconciler.api import ClearskyClient, live_order
from reconciler.cli import main
from reconciler.engine import Settings, open_workspace
from reconciler.manifest import load
from reconciler.sandbox import Sandbox, serve_in_thread
from reconciler.state import StateFile
from tests.conftest import S3_ENV, next_month

SEEDS = int(os.environ.get("CHAOS_SEEDS", "3"))
FIRST = int(os.environ.get("CHAOS_FIRST", "0"))
ROUNDS = 4
PLACES = [(8.1 + 0.3 * i, 55.2 + 0.2 * (i % 3)) for i in range(8)]


@dataclass
class Counts:
    runs: int = 0
    faults: int = 0
    kills: int = 0
    races: int = 0
    corruptions: int = 0
    duplicates: int = 0
    orphans: int = 0
    tracebacks: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"chaos: {self.runs} runs, {self.faults} faults, {self.kills} kills, "
            f"{self.races} concurrent pairs, {self.corruptions} state corruptions, "
            f"{self.duplicates} duplicates, {self.orphans} orphans, {self.tracebacks} tracebacks"
        )


@dataclass
class Repo:
    root: Path
    wanted: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    """name -> (place, image frequency, protected)"""

    def write(self) -> None:
        for path in self.root.glob("*.yaml"):
            if path.name != "clearsky.yaml":
                path.unlink()
        for name, (place, frequency, protected) in self.wanted.items():
            (self.root / f"{name}.yaml").write_text(manifest(name, place, frequency, protected))


def manifest(name: str, place: int, frequency: int, protected: bool) -> str:
    x, y = PLACES[place]
    wkt = f"POLYGON(({x} {y}, {x + 0.1} {y}, {x + 0.1} {y + 0.1}, {x} {y + 0.1}, {x} {y}))"
    return textwrap.dedent(f"""\
        apiVersion: clearsky-orders/v1
        kind: TaskingOrder
        metadata: {{name: {name}}}
        spec:
          aoi: {{wkt: "{wkt}"}}
          constellations: [Sentinel1, Sentinel2]
          model: Stratus2Fast
          imageFrequency: {frequency}
          referenceDate: 2025-01-01
          from: {next_month().isoformat()}
          lifecycle: {{preventCancel: {str(protected).lower()}}}
        """)


def edit(repo: Repo, dice: random.Random) -> None:
    """One change a contributor might make."""
    free = [n for n, (_, _, protected) in repo.wanted.items() if not protected]
    move = dice.choice(["add", "add", "delete", "rename", "change", "protect"])
    if move == "add" or not repo.wanted:
        name = f"m{dice.randrange(100)}"
        repo.wanted.setdefault(name, (dice.randrange(len(PLACES)), dice.randint(1, 7), False))
    elif move == "delete" and free:
        del repo.wanted[dice.choice(free)]
    elif move == "rename" and free:
        old = dice.choice(free)
        repo.wanted[f"r{dice.randrange(100)}"] = repo.wanted.pop(old)
    elif move == "change" and free:
        name = dice.choice(free)
        place, _, protected = repo.wanted[name]
        repo.wanted[name] = (place, dice.randint(1, 7), protected)
    elif move == "protect" and free:  # a protected manifest is left as it is from then on
        name = dice.choice(free)
        place, frequency, _ = repo.wanted[name]
        repo.wanted[name] = (place, frequency, True)
    repo.write()


def new_bucket(endpoint: str) -> str:
    import uuid

    import boto3

    name = f"chaos-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox()
    with serve_in_thread(sandbox.app()) as url:
        yield sandbox, url


def run_apply(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "."],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(child: subprocess.Popen[bytes], counts: Counts, kill_after: float | None) -> float:
    """Wait for (or kill) the child; returns how long it ran."""
    started = time.monotonic()
    if kill_after is not None:
        time.sleep(kill_after)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            counts.kills += 1
    out, _ = child.communicate(timeout=120)
    took = time.monotonic() - started
    counts.runs += 1
    if b"Traceback" in out:
        counts.tracebacks += 1
        counts.failures.append(out.decode(errors="replace")[-2000:])
    return took


def corrupt(state: Path, dice: random.Random, counts: Counts) -> None:
    """Truncate or delete the state, while a backup is there to restore (the only copy of who
    owns what, lost, is lost for any tool)."""
    backup = state.with_name(state.name + ".backup")
    if not state.exists() or not backup.exists() or dice.random() > 0.15:
        return
    counts.corruptions += 1
    if dice.random() < 0.5:
        state.write_bytes(state.read_bytes()[: dice.randrange(1, max(2, state.stat().st_size))])
    else:
        state.unlink()


def converge(repo: Repo, env: dict[str, str], counts: Counts, capsys: Any) -> None:
    """The user's way back, without faults: restore a refused state, release a killed run's
    lock, lift a protection that stands in the way (each as its error says), apply until
    there is nothing left to do."""
    root = repo.root
    saved = dict(os.environ)
    os.environ.update(env)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        for _ in range(5):
            counts.runs += 1
            capsys.readouterr()
            if main(["apply", "--auto-approve", "."]) == 0:
                if main(["plan", "--detailed-exitcode", "."]) == 0:
                    return
                continue
            said = capsys.readouterr().err
            if "lifecycle.preventCancel" in said:
                repo.wanted = {n: (p, f, False) for n, (p, f, _) in repo.wanted.items()}
                repo.write()
            elif "state restore" in said:
                main(["state", "restore"])
            elif "force-unlock " in said:  # a killed apply left its lock object behind
                lock_id = said.split("force-unlock ")[1].split("'")[0]
                main(["force-unlock", lock_id, "."])
        raise AssertionError("no convergence in 5 fault-free applies")
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def check(root: Path, url: str, key: str, counts: Counts, remote: str = "") -> None:
    async def listed() -> list:  # type: ignore[type-arg]
        async with ClearskyClient(api_key=key, base_url=url) as api:
            return await api.list_orders()

    live = [live_order(o) for o in asyncio.run(listed())]
    active = [o for o in live if o.active]
    if remote:
        state = open_workspace(Settings(paths=(str(root),), api_key=key)).state_file.load()
    else:
        path = root / ".clearsky" / "state.json"
        state = StateFile(path).load()
        # the file on its own, as a team commits it, is the whole state: no journal left over
        # (no file at all only while there is nothing to own: an apply with nothing to do
        # writes none)
        alone = json.loads(path.read_text())["orders"] if path.exists() else {}
        assert {n: e["orderGuid"].lower() for n, e in alone.items()} == {
            n: e.guid.lower() for n, e in state.orders.items()
        }, "the state file on its own is not the whole state"
        assert not path.with_name("state.json.journal").exists()
    owned = {e.guid.lower(): name for name, e in state.orders.items()}
    wanted = {o.name: o.spec for o in load([root]).orders}
    for order in active:
        if order.key in owned:
            continue
        if any(order.spec == spec for spec in wanted.values()):
            counts.duplicates += 1
        else:
            counts.orphans += 1
    for name, spec in wanted.items():
        mine = [o for o in active if owned.get(o.key) == name]
        assert len(mine) == 1 and mine[0].spec == spec, f"{name}: {mine}"
    assert len(active) == len(wanted), (len(active), sorted(wanted))


@pytest.mark.slow
@pytest.mark.chaos
@pytest.mark.parametrize("backend", ["local", "remote"])
def test_chaos_never_pays_twice_nor_leaves_orders_unowned(
    backend: str,
    service: tuple[Sandbox, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    """With a local state file, or with the state in a bucket (moto's S3 server on
    loopback), where the second apply of a race finds the lock object and stops."""
    sandbox, url = service
    counts = Counts()
    endpoint = request.getfixturevalue("s3_endpoint") if backend == "remote" else ""
    if endpoint:  # this process reads the remote state too (check): credentials, no IMDS
        patch = request.getfixturevalue("monkeypatch")
        for name, value in S3_ENV.items():
            patch.setenv(name, value)
    for seed in range(FIRST, FIRST + SEEDS):
        dice = random.Random(seed)
        key = f"chaos-key-{backend}-{seed}-{dice.randrange(10**9)}"
        sandbox.add_account(key, f"chaos-{seed}")
        root = tmp_path / f"seed-{seed}"
        root.mkdir()
        config = "apiVersion: clearsky-orders/v1\nkind: Config\n"
        if endpoint:
            bucket = new_bucket(endpoint)
            config += f"state: {{url: 's3://{bucket}/state.json', endpoint: '{endpoint}'}}\n"
        (root / "clearsky.yaml").write_text(config)
        repo = Repo(root)
        env = {**os.environ, **S3_ENV, "CLEARSKY_API_URL": url, "CLEARSKY_API_KEY": key}
        before = sandbox.faults.injected
        typical = 0.6  # seconds an apply takes here; kills land within it
        for _ in range(ROUNDS):
            edit(repo, dice)
            sandbox.faults.update(
                error_rate=dice.choice([0, 0, 0.1, 0.25]),
                rate_limit_rate=dice.choice([0, 0.1]),
                drop_create_rate=dice.choice([0, 0.3, 0.6]),
                retry_after_s=0,
                latency_ms=dice.choice([0, 20]),
            )
            if not endpoint:
                corrupt(root / ".clearsky" / "state.json", dice, counts)
            first = run_apply(root, env)
            second = run_apply(root, env) if dice.random() < 0.15 else None
            kill = dice.uniform(0.5, 0.95) * typical if dice.random() < 0.4 else None
            took = finish(first, counts, kill)
            if kill is None:
                typical = 0.7 * typical + 0.3 * took
            if second is not None:
                counts.races += 1
                finish(second, counts, None)
        sandbox.faults.update(
            error_rate=0, rate_limit_rate=0, drop_create_rate=0, latency_ms=0, drop_next_creates=0
        )
        counts.faults += sandbox.faults.injected - before
        try:
            converge(repo, env, counts, capsys)
            check(root, url, key, counts, endpoint)
        except AssertionError as error:
            raise AssertionError(f"seed {seed}: {error}") from None
    capsys.readouterr()
    with capsys.disabled():
        print("\n" + counts.line())
    assert counts.duplicates == 0 and counts.orphans == 0
    assert counts.tracebacks == 0, counts.failures[:1]

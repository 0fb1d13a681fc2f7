"""The forked loading helper: the same manifests, problems and order as loading in process;
and when the helper fails, the files are loaded here."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import pytest

from reconciler.engine import loading, worker
from reconciler.errors import ManifestError
from reconciler.manifest import finish, load, prepare
from tests.conftest import AARHUS, CONFIG, manifest


class Quiet(loading.Prefetch):
    """No estimates: these tests look at what is loaded."""

    def __init__(self) -> None:
        super().__init__(client=None, state={})  # type: ignore[arg-type]

    def consider(self, order: Any) -> None:
        return None


def repo(tmp_path: Path, count: int, broken: int | None = None) -> Path:
    root = tmp_path / "orders"
    root.mkdir()
    (root / "clearsky.yaml").write_text(CONFIG)
    for n in range(count):
        text = manifest(f"field-{n:04d}", AARHUS)
        if n == broken:
            text = text.replace("imageFrequency: 3", "imageFrequency: 9")
        (root / f"field-{n:04d}.yaml").write_text(text)
    return root


def loaded(root: Path) -> Any:
    job = prepare([root])
    return finish(job, asyncio.run(loading._load_chunks(job, Quiet())))


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "WORKER_AT", 10)


def test_the_helper_loads_its_share_and_the_result_is_the_same(
    tmp_path: Path, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path, 40)
    started: list[int] = []
    real = worker.Helper.start

    def counted(*args: Any, **kwargs: Any) -> Any:
        helper = real(*args, **kwargs)
        started.append(len(helper.files) if helper else 0)
        return helper

    monkeypatch.setattr(worker.Helper, "start", counted)
    together = loaded(root)
    assert started == [int(40 * worker.WORKER_SHARE)], "the helper took its share of the files"
    alone = load([root])
    assert [o.name for o in together.orders] == [o.name for o in alone.orders]
    assert [o.spec.fingerprint for o in together.orders] == [
        o.spec.fingerprint for o in alone.orders
    ]


def test_a_problem_in_the_helpers_share_is_reported(tmp_path: Path, small_threshold: None) -> None:
    root = repo(tmp_path, 40, broken=35)
    with pytest.raises(ManifestError) as caught:
        loaded(root)
    assert any("field-0035.yaml" in str(p) for p in caught.value.problems)


def test_when_the_helper_fails_the_files_are_loaded_here(
    tmp_path: Path, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path, 40)

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("the helper cannot send its chunk")

    monkeypatch.setattr(pickle, "dumps", broken)  # only the helper pickles
    assert [o.name for o in loaded(root).orders] == [f"field-{n:04d}" for n in range(40)]


@pytest.mark.parametrize("when", ["before it first runs", "while it loads"])
def test_a_load_cancelled_at_any_point_leaves_no_helper_behind(
    tmp_path: Path, small_threshold: None, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    import os

    root = repo(tmp_path, 400)
    helpers: list[worker.Helper] = []
    real = worker.Helper.start

    def kept(*args: Any, **kwargs: Any) -> Any:
        helper = real(*args, **kwargs)
        assert helper is not None
        helpers.append(helper)
        return helper

    monkeypatch.setattr(worker.Helper, "start", kept)
    early: Any = None

    class CancelsOnTheFirstOrder(Quiet):
        def consider(self, order: Any) -> None:
            early.task.cancel()  # takes effect at the load's next await: mid-way

    async def go() -> None:
        nonlocal early
        prefetch = CancelsOnTheFirstOrder() if when == "while it loads" else Quiet()
        early = loading.EarlyLoad(prepare([root]), prefetch)
        assert helpers and helpers[0].pid  # forked at once, before the task runs
        pid = helpers[0].pid
        if when == "before it first runs":
            early.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await early.task
        assert helpers[0].pid == 0
        with pytest.raises(ChildProcessError):  # killed and reaped: not even a zombie
            os.waitpid(pid, os.WNOHANG)

    asyncio.run(go())

"""Loading in chunks and prefetching estimates change nothing but the speed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from reconciler.engine import loading
from reconciler.engine.loading import load_and_refresh
from reconciler.errors import ManifestError
from reconciler.manifest import load
from reconciler.planning import StateEntry
from reconciler.state import State
from tests.conftest import (
    EXAMPLES,
    KEY_A,
    SKAGEN,
    Repo,
    Result,
    Service,
    in_process_client,
    manifest,
)

Cli = Callable[..., Result]


@pytest.fixture(params=["one chunk", "chunks of two"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "chunks of two":
        monkeypatch.setattr(loading, "CHUNK_FILES", 2)
    return str(request.param)


def test_chunked_loading_gives_the_same_manifests(mode: str) -> None:
    async def go() -> None:
        async with in_process_client() as api:
            manifests, _, fetched = await load_and_refresh([EXAMPLES], State(), api)
            await fetched.close()
        expected = load([EXAMPLES])
        assert [o.name for o in manifests.orders] == [o.name for o in expected.orders]
        assert manifests.digest() == expected.digest()
        assert len(fetched.tasks) == len(expected.orders)  # nothing in state: all priced ahead

    asyncio.run(go())


def test_problems_and_duplicate_names_across_chunks_are_all_reported(mode: str, repo: Repo) -> None:
    repo.write("z/dup.yaml", manifest("aarhus-bay", SKAGEN))
    repo.write("z/bad.yaml", manifest("bad", "POINT(9 56)"))

    async def go() -> None:
        async with in_process_client() as api:
            await load_and_refresh(["."], State(), api)

    with pytest.raises(ManifestError) as caught:
        asyncio.run(go())
    messages = sorted(p.message for p in caught.value.problems)
    assert len(messages) == 3
    assert "duplicate name 'aarhus-bay'" in messages[0]
    assert "not a Point" in messages[2]


def test_only_specs_that_differ_from_the_state_are_priced_ahead(mode: str, repo: Repo) -> None:
    applied = {o.name: StateEntry("g-" + o.name, o.spec.fingerprint) for o in load(["."]).orders}
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", frequency=6))

    async def go() -> int:
        async with in_process_client() as api:
            _, _, fetched = await load_and_refresh(["."], State(applied), api)
            await fetched.close()
            return len(fetched.tasks)

    assert asyncio.run(go()) == 1


def test_loading_starts_against_the_cached_models_and_the_services_answer_decides(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    """The cached list lacks Stratus2Fast (skagen's model): read as the service's own list it
    would refuse skagen; the service does sell it, so the manifests are loaded again."""
    repo.write(
        ".clearsky/models.json",
        json.dumps(
            {
                "fetchedAt": "2026-01-01T00:00:00Z",
                "models": [
                    {
                        "model": "Stratus2",
                        "required": ["Sentinel1", "Sentinel2", "Landsat89"],
                        "optional": [],
                    }
                ],
            }
        ),
    )
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2, planned.out + planned.err
    assert "skagen" in planned.out and "Stratus2Fast" not in planned.err
    refreshed = json.loads((repo.root / ".clearsky" / "models.json").read_text())
    assert "Stratus2Fast" in {m["model"] for m in refreshed["models"]}


def test_a_cached_list_that_matches_the_service_is_loaded_once(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("plan").code == 0  # writes the service's list beside clearsky.yaml
    runs: list[int] = []
    real = loading._load_chunks

    async def counted(*args: Any) -> Any:
        runs.append(1)
        return await real(*args)

    monkeypatch.setattr(loading, "_load_chunks", counted)
    assert cli("plan", "--detailed-exitcode").code == 2
    assert runs == [1]


def test_a_state_of_another_account_stops_the_plan_with_no_estimate_left_running(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.engine import Settings, open_workspace, plan_workspace
    from reconciler.engine.account import AccountMismatchError
    from reconciler.state.model import Owner

    assert cli("plan").code == 0  # keeps the service's list: loading starts before it answers
    service = api_env
    settings = Settings(paths=(str(repo.root),), api_url=service.url, api_key=KEY_A)
    workspace = open_workspace(settings)
    theirs = State(owner=Owner(service.url, "tenant someone-else"))
    started: list[asyncio.Task[Any]] = []
    real = loading.Prefetch.start

    def kept(self: loading.Prefetch, spec: Any) -> None:
        real(self, spec)
        started.append(self.tasks[spec.fingerprint])

    monkeypatch.setattr(loading.Prefetch, "start", kept)

    async def go() -> None:
        async with workspace.target.client() as client:
            with pytest.raises(AccountMismatchError):
                await plan_workspace(workspace, lambda: theirs, client)
            assert started, "nothing in the state: every manifest is estimated ahead"
            assert all(task.done() for task in started)

    asyncio.run(go())

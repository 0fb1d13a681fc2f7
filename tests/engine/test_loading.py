"""Loading in chunks and prefetching estimates change nothing but the speed."""

from __future__ import annotations

import asyncio

import pytest

from reconciler.engine import loading
from reconciler.engine.loading import load_and_refresh
from reconciler.errors import ManifestError
from reconciler.manifest import load
from reconciler.planning import StateEntry
from reconciler.state import State
from tests.conftest import EXAMPLES, SKAGEN, Repo, in_process_client, manifest


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

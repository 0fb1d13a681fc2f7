"""Each broken manifest in tests/broken/ gives exactly the messages of its `# expect:` lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.domain.catalog import Catalog
from reconciler.errors import ManifestError
from reconciler.manifest import load
from reconciler.manifest.catalog_cache import save_catalog
from tests.conftest import BROKEN, CONFIG, EXAMPLES, OFFLINE

CASES = sorted(p.name for p in BROKEN.glob("*.yaml") if p.name != "clearsky.yaml")


def expected(name: str) -> list[str]:
    lines = (BROKEN / name).read_text(encoding="utf-8").splitlines()
    return sorted(
        line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")
    )


@pytest.mark.parametrize("name", CASES)
def test_broken_manifest_gives_exact_messages(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)
    with pytest.raises(ManifestError) as caught:
        load([name])
    got = sorted(
        str(p).split(" (/", 1)[0] if "outside the repository root" in str(p) else str(p)
        for p in caught.value.problems
    )
    assert got == expected(name)


def test_one_run_reports_every_problem_of_every_file(
    monkeypatch: pytest.MonkeyPatch, cli: object
) -> None:
    monkeypatch.chdir(BROKEN)
    result = cli("validate", "--format", "json", ".")  # type: ignore[operator]
    assert result.code == 1
    problems = json.loads(result.out)["errors"]
    assert {p["file"] for p in problems} == set(CASES)
    assert sum(len(expected(c)) for c in CASES) == len(problems)
    assert set(problems[0]) == {"file", "line", "name", "field", "message"}


def test_examples_validate(cli: object) -> None:
    examples = EXAMPLES
    result = cli("validate", str(examples))  # type: ignore[operator]
    assert result.code == 0, result.err
    assert "manifests valid" in result.out


def test_defaults_merge_and_the_manifest_wins(tmp_path: Path) -> None:
    (tmp_path / "clearsky.yaml").write_text(
        "apiVersion: clearsky-orders/v1\nkind: Config\n"
        "defaults: {model: Stratus2Fast, constellations: [Sentinel1, Sentinel2],"
        " imageFrequency: 5}\n"
    )
    (tmp_path / "a.yaml").write_text(
        "apiVersion: clearsky-orders/v1\nkind: TaskingOrder\nmetadata: {name: a}\n"
        "spec:\n  aoi: {wkt: 'POLYGON((9 56, 9.1 56, 9.1 56.1, 9 56))'}\n"
        "  imageFrequency: 2\n  from: 2025-04-01\n"
    )
    order = load([tmp_path]).orders[0]
    assert (order.spec.model, order.spec.image_frequency) == ("Stratus2Fast", 2)
    assert order.spec.constellations == {"Sentinel1", "Sentinel2"}
    assert order.spec.reference_date.isoformat() == "2025-04-01"


def test_a_file_bigger_than_10_mb_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.geojson").write_bytes(b" " * (10 * 1024 * 1024 + 1))
    (tmp_path / "a.yaml").write_text(
        "apiVersion: clearsky-orders/v1\nkind: TaskingOrder\nmetadata: {name: a}\n"
        "spec:\n  aoi: {file: big.geojson}\n  constellations: [Sentinel1, Sentinel2]\n"
        "  model: Stratus2Fast\n  imageFrequency: 2\n  from: 2025-04-01\n"
    )
    with pytest.raises(ManifestError) as caught:
        load([tmp_path])
    assert "the file is 10.5 MB; the limit is 10 MB" in str(caught.value.problems[0])


def test_names_the_offline_list_does_not_know_are_notes_not_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(OFFLINE)
    manifests = load(["unknown-products.yaml"])
    lines = (OFFLINE / "unknown-products.yaml").read_text(encoding="utf-8").splitlines()
    wanted = sorted(line.removeprefix("# note: ") for line in lines if line.startswith("# note: "))
    assert sorted(str(n) for n in manifests.notes) == wanted
    assert [o.spec.model for o in manifests.orders] == ["Cumulus"]


def test_the_services_own_list_makes_unknown_names_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(OFFLINE)
    service = Catalog.of(
        [("Nimbus", ["Sentinel2"], ["Sentinel3"])], "the service", authoritative=True
    )
    with pytest.raises(ManifestError) as caught:
        load(["unknown-products.yaml"], service)
    messages = [p.message for p in caught.value.problems]
    assert any(
        m.startswith("unknown model 'Cumulus' in the service (known: Nimbus)") for m in messages
    )
    assert not any("unknown constellation 'Sentinel3'" in m for m in messages)


def test_a_cached_list_of_the_service_is_used_offline(tmp_path: Path) -> None:
    (tmp_path / "clearsky.yaml").write_text("apiVersion: clearsky-orders/v1\nkind: Config\n")
    text = (OFFLINE / "unknown-products.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(
        text.replace("[Sentinel1, Sentinel3]", "[sentinel2, sentinel3]").replace(
            "Cumulus", "nimbus"
        )
    )
    save_catalog(tmp_path, Catalog.of([("Nimbus", ["Sentinel2"], ["Sentinel3"])], "the service"))
    manifests = load([tmp_path])
    assert [n for n in manifests.notes if "unknown" in n.message] == []
    spec = manifests.orders[0].spec
    assert (spec.model, sorted(spec.constellations)) == ("Nimbus", ["Sentinel2", "Sentinel3"])


def test_a_full_load_gives_every_aoi_as_a_shape_and_drops_an_order_whose_aoi_is_bad(
    tmp_path: Path,
) -> None:
    """The AOIs are read after all the files of a chunk: the orders come out as if each AOI
    had been read with its file, and one that cannot be read is a problem at its line."""
    from shapely.geometry import MultiPolygon

    from reconciler.manifest import load_chunk, prepare

    for name, wkt in (
        ("a-good", "POLYGON((10 55, 10.01 55, 10.01 55.01, 10 55.01, 10 55))"),
        ("b-crossed", "POLYGON((10 55, 10.01 55.01, 10.01 55, 10 55.01, 10 55))"),
        ("c-good", "POLYGON((11 55, 11.01 55, 11.01 55.01, 11 55.01, 11 55))"),
    ):
        (tmp_path / f"{name}.yaml").write_text(
            "apiVersion: clearsky-orders/v1\nkind: TaskingOrder\n"
            f"metadata: {{name: {name}}}\nspec:\n  aoi:\n    wkt: '{wkt}'\n"
            "  constellations: [Sentinel1, Sentinel2, Landsat89]\n  model: Stratus2\n"
            "  imageFrequency: 3\n"
            "  from: 2030-01-01\n"
        )
    job = prepare([tmp_path])
    chunk = load_chunk(job.files, job.root, job.defaults, job.catalog)
    assert [o.name for o in chunk.orders] == ["a-good", "c-good"]
    for order in chunk.orders:
        assert isinstance(order.spec.aoi, MultiPolygon) and not order.spec.unread
        assert order.spec.raw_key == ""  # as for a shape given as such
    [problem] = chunk.problems
    assert (problem.name, problem.line, problem.field) == ("b-crossed", 6, "spec.aoi.wkt")
    assert "crosses itself" in problem.message


def test_an_aoi_is_read_in_place_only_before_anything_is_worked_out_from_its_spec(
    tmp_path: Path,
) -> None:
    from reconciler.manifest import load_chunk, prepare

    job = prepare([EXAMPLES])
    [order, *_] = [
        o
        for o in load_chunk(job.files, job.root, job.defaults, job.catalog, unread=True).orders
        if o.spec.unread
    ]
    order.spec.raw_key  # noqa: B018 - worked out from the text
    with pytest.raises(RuntimeError):
        order.spec.read_aoi()


def test_files_are_found_once_each_in_path_order_however_the_paths_are_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are found as text and made Paths once: the same files, once each, in the order
    Path sorts them, whether the folder is given as '.', relative, absolute or twice over."""
    from reconciler.manifest import prepare

    written = ["a.yaml", "b/c.yaml", "b/d/e.yml", "b-x/f.yaml", "b.z/g.yaml", "B/k.yaml"]
    skipped = [".hidden/h.yaml", "b/.i.yaml", "b/readme.md"]
    for rel in [*written, *skipped]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "clearsky.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    expected = sorted((Path(r) for r in written), key=lambda p: p.parts)
    for given in (["."], ["./"], [".", "a.yaml", "./b/c.yaml", "b"]):
        assert list(prepare(given).files) == expected, given
    absolute = sorted((tmp_path / r for r in written), key=lambda p: p.parts)
    assert list(prepare([str(tmp_path), str(tmp_path / "b") + "/"]).files) == absolute
    assert list(prepare(["./b//d"]).files) == [Path("b/d/e.yml")]


def test_aois_are_read_a_group_of_files_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The texts of large AOIs wait for their group only, not for every file of the run."""
    from reconciler.manifest import loader

    sizes: list[int] = []
    real = loader._with_aois_read

    def counted(orders: Any, problems: Any) -> Any:
        sizes.append(len(orders))
        return real(orders, problems)

    monkeypatch.setattr(loader, "AOIS_AT_ONCE", 2)
    monkeypatch.setattr(loader, "_with_aois_read", counted)
    job = loader.prepare([EXAMPLES])
    chunk = loader.load_chunk(job.files, job.root, job.defaults, job.catalog)
    assert max(sizes) <= 2 and sum(sizes) == len(chunk.orders) and len(sizes) > 1

"""validate through the CLI: golden text and JSON, exit 1 on problems, 0 when valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.cli import main
from tests.conftest import BROKEN, EXAMPLES, golden, manifest

FILES = ["dates.yaml", "duplicate-key.yaml", "model-needs.yaml", "unknown-field.yaml"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_problems_as_text_match_golden(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BROKEN)
    code, out, err = run(["validate", *FILES], capsys)
    assert code == 1 and out == ""
    golden("validate.txt", err)


def test_problems_as_json_match_golden(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BROKEN)
    code, out, _ = run(["validate", "--format", "json", *FILES], capsys)
    assert code == 1
    golden("validate.json", out)


def test_valid_manifests_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", str(EXAMPLES)], capsys)[:2] == (0, "6 manifests valid in 6 files.\n")
    found = run(["validate", "--format", "json", str(EXAMPLES)], capsys)
    assert found[0] == 0 and json.loads(found[1]) == {"errors": [], "warnings": []}


def test_the_hook_checks_changed_manifests_with_the_config_above_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a repository whose manifests live in orders/, with other YAML beside them
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "clearsky.yaml").write_text(
        "apiVersion: clearsky-orders/v1\nkind: Config\n"
        "defaults: {model: Stratus2, constellations: [Sentinel2], storageMonths: 1}\n"
    )
    (tmp_path / "orders" / "good.yaml").write_text(manifest("good"))
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: push\njobs: {}\n")
    changed = ["orders/good.yaml", ".github/workflows/ci.yml"]
    assert main(["validate", "--changed", *changed]) == 0
    assert "1 manifest valid in 1 file." in capsys.readouterr().out
    (tmp_path / "orders" / "bad.yaml").write_text(manifest("bad", "POINT(9 56)"))
    assert main(["validate", "--changed", "orders/bad.yaml"]) == 1
    assert "orders/bad.yaml" in capsys.readouterr().err
    # a changed clearsky.yaml checks its whole folder
    assert main(["validate", "--changed", "orders/clearsky.yaml"]) == 1
    assert main(["validate", "--changed", ".github/workflows/ci.yml"]) == 0


def _one(tmp_path: Path, constellations: str, wkt: str) -> Path:
    (tmp_path / "clearsky.yaml").write_text("apiVersion: clearsky-orders/v1\nkind: Config\n")
    (tmp_path / "o.yaml").write_text(
        "apiVersion: clearsky-orders/v1\nkind: TaskingOrder\nmetadata: {name: o}\nspec:\n"
        f'  aoi: {{wkt: "{wkt}"}}\n  constellations: {constellations}\n  model: Stratus2\n'
        "  imageFrequency: 3\n  from: 2027-01-01\n"
    )
    return tmp_path


def test_a_typo_is_named_with_the_name_meant_beside_other_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = "POLYGON((10 56, 10.1 56, 10.1 56.1, 10 56.1, 10 56))"
    folder = _one(tmp_path, "[Sentinel1, Sentinal2, Landsat89]", box)
    code, _, err = run(["validate", str(folder)], capsys)
    assert code == 1
    assert "unknown constellation 'Sentinal2'; did you mean 'Sentinel2'?" in err
    assert "needs Sentinel2" in err  # and the error beside it


def test_a_polygon_below_the_services_precision_is_warned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = "POLYGON((10 56, 10.0000001 56, 10.0000001 56.0000001, 10 56.0000001, 10 56))"
    folder = _one(tmp_path, "[Sentinel1, Sentinel2, Landsat89]", tiny)
    code, out, err = run(["validate", str(folder)], capsys)
    assert code == 0 and "1 manifest valid" in out
    assert "smaller than the service keeps" in err

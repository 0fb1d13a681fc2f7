"""init starts a folder that validates and plans; it never overwrites. schema prints one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_init_writes_a_folder_that_validates_and_plans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # a repository: the workflow goes to its root
    assert main(["init", "orders", "--ci", "github"]) == 0
    workflow = (tmp_path / ".github" / "workflows" / "tasking-orders.yml").read_text()
    assert "clearsky-orders validate orders/" in workflow
    assert "orders/.gitignore" in capsys.readouterr().out
    assert main(["validate", "orders"]) == 0
    assert main(["plan", "--sandbox", "--detailed-exitcode", "orders"]) == 2
    ignored = (tmp_path / "orders" / ".gitignore").read_text()
    assert ".clearsky/sandbox.db" in ignored and "state.json\n" not in ignored
    # SQLite's write-ahead log and shared memory beside the sandbox's data: never committed
    assert ".clearsky/sandbox.db-wal" in ignored and ".clearsky/sandbox.db-shm" in ignored
    schema = tmp_path / "orders" / ".clearsky" / "schemas" / "tasking-order.schema.json"
    modeline = (tmp_path / "orders" / "example.yaml").read_text().splitlines()[0]
    assert modeline.endswith(".clearsky/schemas/tasking-order.schema.json") and schema.is_file()


def test_init_never_overwrites_and_writes_nothing_then(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "orders"
    folder.mkdir()
    (folder / "example.yaml").write_text("mine\n")
    assert main(["init", str(folder)]) == 1
    assert "never overwrites" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["example.yaml"]
    assert (folder / "example.yaml").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("manifest", "tasking-order.schema.json"),
        ("config", "config.schema.json"),
        ("plan", "plan.schema.json"),
    ],
)
def test_schema_prints_the_published_schema(
    name: str, file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", name]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((ROOT / "schemas" / file).read_text())

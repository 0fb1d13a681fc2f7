"""validate through the CLI: golden text and JSON, exit 1 on problems, 0 when valid."""

from __future__ import annotations

import pytest

from reconciler.cli import main
from tests.conftest import BROKEN, EXAMPLES, golden

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
    assert run(["validate", str(EXAMPLES)], capsys)[:2] == (0, "5 manifests valid in 5 files.\n")
    assert run(["validate", "--format", "json", str(EXAMPLES)], capsys)[:2] == (0, "[]\n")

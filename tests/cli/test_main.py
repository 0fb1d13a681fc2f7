"""Exit codes: 0 success, 2 only for changes with --detailed-exitcode, 1 for every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli import main


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--no-such-option"],
        ["plan", "--format", "yaml"],
        ["no-such-command"],
        ["import", "only-a-name"],
        ["apply", "--parallelism", "0"],
        ["sandbox", "serve", "--port", "70000"],
        ["sandbox", "serve", "--fault-rate", "2"],
    ],
)
def test_a_usage_error_exits_1_never_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 1
    assert capsys.readouterr().err.strip()


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--help"], "clearsky-orders plan --sandbox examples/orders"),
        (["plan", "--help"], "--detailed-exitcode"),
        (["apply", "--help"], "--expect-checksum"),
        (["sandbox", "serve", "--help"], "--drop-create-rate"),
    ],
)
def test_help_exits_0_with_examples(
    args: list[str], shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 0
    out = capsys.readouterr().out
    assert shown in out and "xample" in out


def test_a_malformed_selector_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["plan", "--sandbox", "--selector", "team"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: --selector 'team': write it as key=value")
    assert err.count("\n") == 1


def test_global_flags_are_accepted_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--no-color"]) == 0
    assert main(["--no-color", "validate"]) == 0


def test_version_in_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from reconciler import __version__

    assert main(["version", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["clearskyOrders"] == __version__
    assert main(["version"]) == 0 and __version__ in capsys.readouterr().out


def test_with_json_output_errors_are_json_on_stdout_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text("kind: Nope\n")
    assert main(["plan", "--sandbox", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0]["file"] == "bad.yaml" and out["errors"][0]["message"]
    assert main(["plan", "--format=json", "--selector", "x"]) == 1
    assert "write it as key=value" in json.loads(capsys.readouterr().out)["errors"][0]["message"]


def test_a_rejected_key_reads_as_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLEARSKY_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CLEARSKY_API_KEY", "bad\tkey")
    assert main(["plan"]) == 1
    err = capsys.readouterr().err
    assert ".." not in err and "Check CLEARSKY_API_KEY" in err and "bad\tkey" not in err


def test_help_lists_every_command_with_its_own_summary_without_importing_them() -> None:
    import subprocess
    import sys

    import click

    from reconciler.cli.main import COMMANDS, SUMMARIES, cli

    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        assert SUMMARIES[name] == command.get_short_help_str(limit=60), name
    probe = (
        "import sys\n"
        "from reconciler.cli import main\n"
        "main(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('reconciler.cli.commands.', "
        "'reconciler.render', 'httpx', 'shapely', 'pydantic'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "force-unlock" in done.stdout and done.stdout.strip().endswith("[]")


def test_the_command_exits_with_main_s_code_and_its_heap_set_aside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The interpreter's last collections would walk every module and model schema again (a
    tenth of a short command's time): the console script freezes the heap before it exits."""
    import gc

    import reconciler.cli as cli_package

    gc.unfreeze()
    monkeypatch.setattr(cli_package, "main", lambda: 3)
    try:
        with pytest.raises(SystemExit) as exited:
            cli_package.entry()
        assert exited.value.code == 3
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()

"""Progress on a terminal: each phase with its time, still-alive lines in a long one, and no
escape sequence at all without colour."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from reconciler.cli.output import progress_lines


def test_a_long_phase_says_it_is_still_at_it_with_the_time_elapsed() -> None:
    out = io.StringIO()
    tell = progress_lines(out, colour=False, every=0.2)
    tell("pricing 6 order(s)...")
    time.sleep(0.7)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("] pricing 6 order(s)...")
    assert any("still pricing 6 order(s)... [" in x and "s elapsed]" in x for x in lines[1:])


def test_without_colour_there_is_no_escape_sequence() -> None:
    plain, painted = io.StringIO(), io.StringIO()
    progress_lines(plain, colour=False)("reading the account...")
    progress_lines(painted, colour=True)("reading the account...")
    assert "\033[" not in plain.getvalue() and "\033[" in painted.getvalue()


def test_a_log_file_that_is_a_folder_a_symlink_or_nowhere_is_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reconciler.cli import main

    victim = tmp_path / "victim.log"
    victim.write_text("kept\n")
    (tmp_path / "link.log").symlink_to(victim)
    for target in (tmp_path, tmp_path / "link.log", tmp_path / "no" / "such.log"):
        monkeypatch.setenv("CLEARSKY_LOG_FILE", str(target))
        capsys.readouterr()
        assert main(["--debug", "version"]) == 1
        err = capsys.readouterr().err
        assert "CLEARSKY_LOG_FILE" in err and "internal error" not in err
    assert victim.read_text() == "kept\n"
    monkeypatch.setenv("CLEARSKY_LOG_FILE", str(tmp_path / "ok.log"))
    assert main(["--debug", "version"]) == 0

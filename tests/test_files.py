"""Reading a file a contributor may have made a trap of: whole when it is a small regular file,
refused with a reason otherwise, never blocking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.files import NotARegularFile, read_text_file


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    text = "kind: TaskingOrder\nname: ø\n" * 5_000  # larger than one read buffer
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    assert read_text_file(tmp_path / "a.yaml", 10**6) == text


def test_an_empty_file_reads_as_empty(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"")
    assert read_text_file(tmp_path / "a.yaml", 10) == ""


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"x" * 100)
    assert read_text_file(tmp_path / "a.yaml", 100) == "x" * 100
    with pytest.raises(NotARegularFile, match="the limit"):
        read_text_file(tmp_path / "a.yaml", 99)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "a.yaml")
    with pytest.raises(NotARegularFile, match="FIFO"):
        read_text_file(tmp_path / "a.yaml", 100)


def test_a_symlink_is_refused_where_none_may_be(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("x")
    (tmp_path / "a.yaml").symlink_to(tmp_path / "real")
    assert read_text_file(tmp_path / "a.yaml", 10) == "x"
    with pytest.raises(NotARegularFile, match="not followed"):
        read_text_file(tmp_path / "a.yaml", 10, follow=False)


def test_a_file_that_grows_while_it_is_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def before_growth(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        with open(tmp_path / "a.yaml", "ab") as grow:  # it grows after fstat has looked
            grow.write(b"more")
        return info

    monkeypatch.setattr(os, "fstat", before_growth)
    with pytest.raises(NotARegularFile, match="grew"):
        read_text_file(tmp_path / "a.yaml", 100)


def test_text_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"name: \xff\n")
    with pytest.raises(UnicodeDecodeError):
        read_text_file(tmp_path / "a.yaml", 100)

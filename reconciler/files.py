"""Reading and opening files in a repository a contributor may have filled with traps:
symlinks to devices or to files elsewhere, FIFOs, loops, files of any size. Only regular files
are read, up to a size; the files the tool writes are never opened through a symlink."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path


class NotARegularFile(OSError):
    """A path that is a device, FIFO, socket or folder where a file was expected."""


def read_text_file(path: Path, limit: int, *, follow: bool = True) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; anything else is refused
    before a byte is read. With `follow=False` a symlink is refused too."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symlink loop, or a symlink where none may be
            raise NotARegularFile(
                f"{path.name}: a symlink" + (" loop" if follow else ", which is not followed here")
            ) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise NotARegularFile(
                f"the file is {info.st_size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB"
            )
        # read what fstat saw, plus one byte to notice growth (not `limit`: a buffer of that
        # size would be allocated for every small file); straight from the descriptor, with
        # no buffered file object around it (half the cost of a small manifest's read)
        want = min(limit, info.st_size) + 1
        parts: list[bytes] = []
        got = 0
        while got < want and (part := os.read(fd, want - got)):
            parts.append(part)
            got += len(part)
    finally:
        os.close(fd)
    data = b"".join(parts)
    if len(data) > min(limit, info.st_size):
        raise NotARegularFile("the file grew while it was read")
    return data.decode("utf-8")


def read_head(path: Path, size: int) -> bytes:
    """Up to `size` bytes from the start of a regular file, never through a symlink."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotARegularFile(f"not a regular file ({_kind(os.fstat(fd).st_mode)})")
        return os.read(fd, size)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def open_for_update(path: Path) -> int:
    """A file descriptor for reading and writing `path`, created if missing (mode 0600), never
    through a symlink, and only if it is a regular file."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotARegularFile(f"{path} is a symlink; it is not followed") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotARegularFile(f"{path} is not a regular file")
    return fd


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every symlink resolved, lies within `root`."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def open_regular(path: Path) -> int:
    """A read-only descriptor of `path` if it is a regular file, never through a symlink and
    never blocking on a FIFO; NotARegularFile otherwise."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotARegularFile(f"{path.name}: a symlink, which is not followed here") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        kind = _kind(os.fstat(fd).st_mode)
        os.close(fd)
        raise NotARegularFile(f"{path.name}: not a regular file ({kind})")
    return fd


def folders_below(root: Path, folder: Path) -> None:
    """Make `folder` (at or below `root`), one level at a time, none of them a symlink:
    NotARegularFile when one is (a link planted in the output folder would send files
    elsewhere)."""
    if root.is_symlink():
        raise NotARegularFile(f"{root} is a symlink; it is not followed")
    root.mkdir(parents=True, exist_ok=True)
    here = root
    for part in folder.relative_to(root).parts:
        here = here / part
        with contextlib.suppress(FileExistsError):
            os.mkdir(here)
        info = os.lstat(here)
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise NotARegularFile(f"{here} is not a folder (a symlink?); it is not followed")


def create_file(path: Path) -> int:
    """A new, empty file at `path` for writing: whatever stood there (a symlink, say) is
    removed first, not written through."""
    with contextlib.suppress(FileNotFoundError):
        if os.lstat(path) and not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o644)


def create_new_file(path: Path) -> int:
    """A new file at `path` for writing; FileExistsError when anything stands there (a file
    or a symlink is never replaced nor written through)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o644)

"""A forked helper that loads a share of the manifests on the other core while this process
loads the rest and reads the account.

The child is a fork of this process (no start-up, no imports): it loads its files, sends the
loaded chunk back through a private pipe (pickled: the orders, their problems and notes) and
exits with os._exit, touching nothing it inherited (no event loop, no connections, no
buffered output). Anything unusual (no fork, a child that fails or dies) and the files are
loaded here instead, so the result never depends on the helper.

Measured on 2 cores with 10,000 manifests and as many live orders: see bench/plan.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path

from reconciler.manifest import Chunk

WORKER_AT = 1_000
"""Files from which a helper pays for its fork and for sending its orders back."""
WORKER_SHARE = 0.65
"""The helper's share of the files: this process also reads and parses the live list."""
SEND_FILES = 2_000
"""Files the helper loads and sends at a time: it never holds all of them, and this process
lets each one's bytes go as soon as it has unpickled them."""


def _unpickled(frames: list[bytes]) -> list[Chunk] | None:
    """The chunks in `frames` (our own fork's bytes, through a private pipe), each frame let
    go as soon as its chunk is made; None when one is not a chunk."""
    chunks: list[Chunk] = []
    frames.reverse()
    while frames:
        try:
            found = pickle.loads(frames.pop())
        except Exception:
            return None
        if not isinstance(found, Chunk):
            return None
        chunks.append(found)
    return chunks


class Helper:
    def __init__(self, pid: int, pipe: int, files: Sequence[Path]) -> None:
        self.pid, self.pipe, self.files = pid, pipe, files

    @classmethod
    def start(cls, files: Sequence[Path], load: Callable[[Sequence[Path]], Chunk]) -> Helper | None:
        """Fork a helper that loads `files` with `load`; None where there is no fork."""
        if not hasattr(os, "fork"):
            return None
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the helper
            status = 1
            try:
                os.close(read_end)
                with os.fdopen(write_end, "wb") as out:
                    for start in range(0, len(files), SEND_FILES):  # sent as they load
                        data = pickle.dumps(
                            load(files[start : start + SEND_FILES]), pickle.HIGHEST_PROTOCOL
                        )
                        out.write(len(data).to_bytes(8, "big") + data)
                        del data
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        return cls(pid, read_end, files)

    async def chunks(self, load: Callable[[Sequence[Path]], Chunk]) -> list[Chunk]:
        """The helper's chunks, or its files loaded here when it failed."""
        try:
            frames = await asyncio.to_thread(self._read_all)
            status = await asyncio.to_thread(self._wait)
        except BaseException:
            self.stop()
            raise
        if status == 0 and frames is not None:
            found = _unpickled(frames)
            if found is not None:
                return found
        return [load(self.files)]

    def _read_all(self) -> list[bytes] | None:
        """The helper's frames, read as fast as it writes them (unpickling here would hold
        the interpreter and keep the helper waiting on a full pipe); None when cut short."""
        frames = []
        with os.fdopen(self.pipe, "rb") as source:
            while header := source.read(8):
                size = int.from_bytes(header, "big")
                frame = source.read(size)
                if len(header) != 8 or len(frame) != size:
                    return None
                frames.append(frame)
        return frames

    def _wait(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        return os.waitstatus_to_exitcode(status)

    def stop(self) -> None:
        """Kill and reap the helper (on an error or an interrupt here)."""
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            self.pid = 0

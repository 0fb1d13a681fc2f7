"""The pull index: what pull has fetched, in a small JSON file in the output folder.

For each file: its size and sha256 (a file is complete when both still match), what it shows
(order, date, the request's digest) and, for uploads, where the service put it (the URL without
its query). For each order: the last date pulled, where the next pull starts by default.

The index is read as untrusted input (it sits in a folder anyone may edit): a bounded size, a
strict shape, and one message naming the file when it is not an index. Its paths are only ever
looked up, never written to.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler.errors import ConfigurationError
from reconciler.files import NotARegularFile, open_regular, read_text_file

INDEX_NAME = ".clearsky-pull.json"
MAX_INDEX_BYTES = 64 * 1024 * 1024
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


LAST_DAY = date(2999, 12, 31)
"""No imagery date lies beyond it: a later one in an index is not one this tool wrote (and
9999-12-31 plus a day is beyond what a date can hold)."""
Day = Annotated[date, Field(le=LAST_DAY)]


class Entry(_Strict):
    order: str = Field(max_length=64)
    date: Day
    request: str = Field(max_length=64)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Upload(_Strict):
    order: str = Field(max_length=64)
    date: Day
    request: str = Field(max_length=64)
    to: str = Field(max_length=4000)


class IndexDocument(_Strict):
    version: int = Field(1, ge=1, le=1)
    files: dict[str, Entry] = Field(default_factory=dict)
    uploads: dict[str, Upload] = Field(default_factory=dict)
    pulled: dict[str, Day] = Field(default_factory=dict)


@dataclass
class PullIndex:
    path: Path
    doc: IndexDocument = field(default_factory=IndexDocument)

    @classmethod
    def open(cls, folder: Path) -> PullIndex:
        path = folder / INDEX_NAME
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return cls(path)
        if size > MAX_INDEX_BYTES:
            raise ConfigurationError(f"{path}: over {MAX_INDEX_BYTES >> 20} MB; not a pull index")
        try:
            doc = IndexDocument.model_validate_json(
                read_text_file(path, MAX_INDEX_BYTES, follow=False)
            )
        except NotARegularFile as exc:
            raise ConfigurationError(f"{path}: {exc}; not a pull index") from None
        except (ValidationError, ValueError) as error:
            where = ""
            if isinstance(error, ValidationError) and error.errors():
                where = " at " + ".".join(str(p) for p in error.errors()[0]["loc"])[:80]
            raise ConfigurationError(
                f"{path}: not a pull index{where}; move it aside to start afresh (files "
                "already there are checked and kept)"
            ) from None
        return cls(path, doc)

    def complete(self, relpath: str, request: str, file: Path) -> bool:
        """The file is there, as recorded, for this request."""
        entry = self.doc.files.get(relpath)
        if entry is None or entry.request != request:
            return False
        try:
            if file.lstat().st_size != entry.size:
                return False
            return digest_of(file, entry.size) == entry.sha256
        except OSError:
            return False  # gone, a symlink, a FIFO, a device: fetched again

    def gone(self, order: str, folder: Path) -> set[date]:
        """The dates of `order`'s recorded files that are no longer there as recorded: removed,
        or of another size (cheap to tell; a file changed in place with its size kept is
        found when its date is pulled again, with --since)."""
        out = set()
        for relpath, entry in self.doc.files.items():
            if entry.order.lower() != order.lower():
                continue
            try:
                same = (folder / relpath).lstat().st_size == entry.size
            except OSError:
                same = False
            if not same:
                out.add(entry.date)
        return out

    def uploaded(self, key: str, request: str) -> bool:
        entry = self.doc.uploads.get(key)
        return entry is not None and entry.request == request

    def record(self, relpath: str, order: str, day: date, request: str, file: Path) -> None:
        self.doc.files[relpath] = Entry(
            order=order,
            date=day,
            request=request,
            size=file.stat().st_size,
            sha256=digest_of(file),
        )

    def record_upload(self, key: str, order: str, day: date, request: str, to: str) -> None:
        self.doc.uploads[key] = Upload(order=order, date=day, request=request, to=to)

    def pulled(self, name: str) -> date | None:
        return self.doc.pulled.get(name)

    def mark_pulled(self, name: str, day: date) -> None:
        self.doc.pulled[name] = day

    def save(self) -> None:
        """Written whole to a temporary file, synced, then renamed over the index."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(self.doc.model_dump(mode="json"), indent=1, sort_keys=True)
        write_atomically(self.path, body.encode())


def digest_of(file: Path, limit: int | None = None) -> str:
    """The sha256 of a regular file (never through a symlink, never a FIFO); with `limit`,
    '' when it holds more bytes than that (it cannot be the file recorded)."""
    digest = hashlib.sha256()
    fd = open_regular(file)
    with os.fdopen(fd, "rb") as handle:
        read = 0
        for block in iter(lambda: handle.read(1 << 20), b""):
            read += len(block)
            if limit is not None and read > limit:
                return ""
            digest.update(block)
    return digest.hexdigest()


def request_digest(body: dict[str, Any]) -> str:
    """What a file shows, as a digest of its request (the upload target left out)."""
    kept = {k: v for k, v in body.items() if k != "UploadUrl"}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:32]


def is_tiff(file: Path) -> bool:
    try:
        fd = open_regular(file)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as handle:
        return handle.read(4) in TIFF_MAGIC


def write_atomically(path: Path, body: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)

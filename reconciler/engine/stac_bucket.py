"""The STAC catalog of uploaded files (delivery.uploadTo), in the bucket beside them.

The same layout as beside downloaded files, under the upload prefix: `catalog.json`,
`stac/<name>/collection.json` and an item per uploaded object, whose asset's relative href
points at the object. The service PUT the file, so this tool has never held it: an object
uploaded by this pull (or one whose item is missing or names another size) is read back
once, streamed to a temporary file for its sha256 and its header. An object no longer in the
bucket loses its item. The bucket's objects are read as untrusted input, like any file the
service sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from reconciler.engine.pull_index import PullIndex
from reconciler.engine.raster import RasterProblem, read_raster
from reconciler.engine.stac import (
    CATALOG_NAME,
    COLLECTION_NAME,
    MAX_ITEM_BYTES,
    STAC_FOLDER,
    CatalogReport,
    OrderFacts,
    catalog_body,
    collection_body,
    collection_key,
    describes,
    facts_for,
    item_body,
    item_key,
    json_bytes,
)
from reconciler.engine.upload_urls import Signer

MAX_OBJECT_BYTES = 16 * 1024**3


def sync_bucket(
    signer: Signer, index: PullIndex, orders: Mapping[str, OrderFacts], fresh: set[str]
) -> CatalogReport:
    """Bring the catalog under the signer's prefix in line with the uploaded objects the index
    records (`fresh`: the paths uploaded by this pull, read back whatever their item says). A
    bucket that cannot be read or written is one problem in the report, never an error of the
    pull: the files are where they are either way."""
    try:
        return _sync(signer, index, orders, fresh)
    except Exception as error:  # the store's own kinds, credentials, the network
        where = f"{signer.scheme}://{signer.bucket}/{signer.key(CATALOG_NAME)}"
        return CatalogReport(problems=[f"{where}: the STAC catalog was not kept: {_said(error)}"])


def _sync(
    signer: Signer, index: PullIndex, orders: Mapping[str, OrderFacts], fresh: set[str]
) -> CatalogReport:
    report = CatalogReport()
    kept: dict[str, dict[str, tuple[date, list[float]]]] = {}
    facts: dict[str, OrderFacts] = {}
    for relpath, upload in sorted(index.doc.uploads.items()):
        key = signer.key(relpath)
        try:
            size = signer.size(key)
        except Exception as error:
            report.problems.append(f"{key}: no STAC item: {_said(error)}")
            continue
        if size is None:
            continue  # gone, or in another bucket
        order = facts_for(orders, upload.order)
        facts.setdefault(order.name, order)
        where = item_key(order.name, relpath)
        name = where.rsplit("/", 1)[1]
        in_bucket = signer.key(where)
        bbox = None if relpath in fresh else _current(signer, in_bucket, relpath, upload.date, size)
        if bbox is None:
            try:
                body = _read_back(signer, key, relpath, upload.date, order)
                signer.write(in_bucket, json_bytes(body))
            except (RasterProblem, OSError, ValueError) as problem:
                report.problems.append(f"{key}: no STAC item: {_said(problem)}")
                continue
            except Exception as error:  # the store's own kinds
                report.problems.append(f"{key}: no STAC item: {_said(error)}")
                continue
            bbox = [float(v) for v in body["bbox"]]
            report.written += 1
        kept.setdefault(order.name, {})[name] = (upload.date, bbox)
    report.removed = _remove_stale(signer, kept)
    for name, items in sorted(kept.items()):
        signer.write(
            signer.key(collection_key(name)),
            json_bytes(collection_body(facts[name], items)),
        )
    signer.write(signer.key(CATALOG_NAME), json_bytes(catalog_body(sorted(kept))))
    report.items = sum(len(c) for c in kept.values())
    return report


def _said(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


def _current(signer: Signer, key: str, relpath: str, day: date, size: int) -> list[float] | None:
    """The bbox of the item at `key` when it describes this object (its path, date, size)."""
    try:
        found = signer.read(key, MAX_ITEM_BYTES)
        if found is None:
            return None
        item = json.loads(found)
        if item["assets"]["data"]["file:size"] != size:
            return None
    except Exception:  # missing, unreadable, or not an item: written again
        return None
    return describes(item, relpath, day, None)


def _read_back(signer: Signer, key: str, relpath: str, day: date, order: OrderFacts) -> Any:
    """The item of the object at `key`: streamed to a temporary file for its digest and
    header, never more than MAX_OBJECT_BYTES."""
    digest, size = hashlib.sha256(), 0
    handle, name = tempfile.mkstemp(suffix=".tif")
    try:
        with os.fdopen(handle, "wb") as sink:
            for chunk in signer.chunks(key):
                size += len(chunk)
                if size > MAX_OBJECT_BYTES:
                    raise ValueError(f"over {MAX_OBJECT_BYTES >> 30} GiB")
                digest.update(chunk)
                sink.write(chunk)
        raster = read_raster(Path(name))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
    return item_body(relpath, day, size, digest.hexdigest(), order, raster)


def _remove_stale(
    signer: Signer, kept: Mapping[str, Mapping[str, tuple[date, list[float]]]]
) -> int:
    removed = 0
    root = signer.key(STAC_FOLDER) + "/"
    for path in list(signer.keys(root)):
        collection, _, file = path[len(root) :].partition("/")
        if "/" in file or not file.endswith(".json"):
            continue  # not an object this catalog writes
        if file == COLLECTION_NAME:
            stale = collection not in kept
        else:
            stale = file not in kept.get(collection, {})
        if stale:
            signer.remove(path)
            removed += int(file != COLLECTION_NAME)
    return removed

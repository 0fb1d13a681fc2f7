"""Knowing a state older than one already seen: a rollback.

A state file lives in the repository, so a pull request can put back an older version of it,
sealed and valid, in which an order was not yet protected or cost less. The seal binds the
serial, so the serial cannot be raised by hand; what is left is to know that a later serial
of the same lineage exists. Two witnesses are asked, both cheap:
- the backup beside the state (`<state>.backup`, never committed): the last whole write on this
  machine, and
- this machine's own record of the highest serial it wrote or read for each lineage, kept
  outside the repository (`$CLEARSKY_STATE_HOME`, else `$XDG_STATE_HOME/clearsky-orders`, else
  `~/.local/state/clearsky-orders`; `CLEARSKY_STATE_HOME=off` turns it off).
A state older than either is not refused (its orders are still the account's), but none of its
entries or unfinished operations is trusted: no protection is lifted, no cost lowered and no
unfinished operation carried out from it until it is reviewed and sealed again.

A remote state is guarded by its bucket's conditional writes instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

from reconciler.files import read_head, read_text_file

_HEAD = re.compile(
    r'^\{\s*"version":\s*\d+,\s*"serial":\s*(\d{1,18}),\s*"lineage":\s*"([^"\\]{1,100})"'
)


def newer_seen(lineage: str, serial: int, backup: Path) -> str:
    """Why a state of `lineage` at `serial` is older than one already seen ('' when not)."""
    witnesses = [
        ("its backup", _backup_serial(backup, lineage)),
        ("this machine", _recorded(lineage)),
    ]
    for who, seen in witnesses:
        if seen is not None and seen > serial:
            return f"its serial is {serial}, and {who} has seen serial {seen} of the same lineage"
    return ""


def remember(lineage: str, serial: int) -> None:
    """Record that this machine has seen `serial` of `lineage` (kept when it is higher)."""
    folder = _folder()
    if folder is None:
        return
    with contextlib.suppress(OSError):
        seen = _recorded(lineage)
        if seen is not None and seen >= serial:
            return
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=".seen.", dir=folder)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(str(serial))
            os.replace(temp, _record(folder, lineage))
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _folder() -> Path | None:
    given = os.environ.get("CLEARSKY_STATE_HOME", "")
    if given.lower() == "off":
        return None
    if given:
        return Path(given) / "serials"
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(base) / "clearsky-orders" / "serials"


def _record(folder: Path, lineage: str) -> Path:
    return folder / hashlib.sha256(lineage.encode()).hexdigest()[:32]


def _recorded(lineage: str) -> int | None:
    folder = _folder()
    if folder is None:
        return None
    try:
        text = read_text_file(_record(folder, lineage), 32, follow=False).strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _backup_serial(backup: Path, lineage: str) -> int | None:
    """The backup's serial where it is of `lineage`: read from its first lines (the tool
    writes version, serial and lineage first), not by parsing a file of any size."""
    try:
        head = read_head(backup, 4096).decode("utf-8", "replace")
    except OSError:
        return None
    found = _HEAD.match(head)
    if found is None or found.group(2) != lineage:
        return None
    return int(found.group(1))

"""`init`: a new orders folder with everything it needs, and nothing overwritten.

Writes clearsky.yaml (commented), one example manifest starting next month, a .gitignore for
the working files that must not be committed, the JSON schemas the modelines point to (so
editors check the files in any repository), and optionally a CI workflow at the repository's
root with the paths of this folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from reconciler.domain.calendar import next_month_start
from reconciler.errors import ConfigurationError
from reconciler.files import create_file, folders_below

CI_TARGETS = {
    "github": ("ci/github-actions.yml", Path(".github/workflows/tasking-orders.yml")),
    "gitlab": ("ci/gitlab-ci.yml", Path(".gitlab-ci.yml")),
}


@dataclass(frozen=True)
class Scaffold:
    written: list[Path]


def template(name: str) -> str:
    return (resources.files("reconciler") / "templates" / name).read_text(encoding="utf-8")


def scaffold(folder: Path, ci: str | None = None) -> Scaffold:
    """Write the files of a new orders folder; ConfigurationError (nothing written) when any
    of them exists already."""
    from reconciler.schemas import SCHEMA_NAMES, rendered_schemas

    start = next_month_start(datetime.now(UTC).date()).isoformat()
    files: dict[Path, str] = {
        folder / "clearsky.yaml": template("clearsky.yaml"),
        folder / "example.yaml": template("example.yaml").replace("{start}", start),
        folder / ".gitignore": template("gitignore"),
    }
    schemas = rendered_schemas()
    for name in SCHEMA_NAMES.values():
        files[folder / ".clearsky" / "schemas" / name] = schemas[name]
    bases = dict.fromkeys(files, folder)
    if ci is not None:
        source, target = CI_TARGETS[ci]
        root = _repository_root(folder)
        where = folder.resolve().relative_to(root.resolve()).as_posix()
        if not SAFE_FOLDER.fullmatch(where):
            raise ConfigurationError(
                f"the folder {where!r} has characters a CI job's shell or expressions would "
                "read as code; for --ci, name it with letters, digits, '.', '_', '-' and '/'. "
                "Nothing was written"
            )
        text = template(source).replace("orders/", "" if where == "." else f"{where}/")
        files[root / target] = text
        bases[root / target] = root
    existing = [p for p in files if p.exists() or p.is_symlink()]
    if existing:
        raise ConfigurationError(
            f"{', '.join(str(p) for p in existing)} already exist(s); init never overwrites. "
            "Nothing was written"
        )
    try:  # never through a symlink (a committed .clearsky/, say): every folder first
        for path in files:
            folders_below(bases[path], path.parent)
        for path, text in files.items():
            with os.fdopen(create_file(path), "w", encoding="utf-8") as out:
                out.write(text)
    except OSError as exc:
        raise ConfigurationError(f"cannot write {path}: {exc}") from None
    return Scaffold(list(files))


SAFE_FOLDER = re.compile(r"[A-Za-z0-9._/-]+")
"""What a folder's path may hold to be written into a CI job's scripts as it is."""


def _repository_root(folder: Path) -> Path:
    """The git repository's root above `folder` (where CI files go), else `folder`."""
    start = folder.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder

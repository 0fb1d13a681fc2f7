"""`init`: a new orders folder with everything it needs, and nothing overwritten.

Writes clearsky.yaml (commented), one example manifest starting next month, a .gitignore for
the working files that must not be committed, the JSON schemas the modelines point to (so
editors check the files in any repository), and optionally a CI workflow at the repository's
root with the paths of this folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from reconciler.domain.calendar import next_month_start
from reconciler.errors import ConfigurationError

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
    if ci is not None:
        source, target = CI_TARGETS[ci]
        root = _repository_root(folder)
        where = folder.resolve().relative_to(root.resolve()).as_posix()
        text = template(source).replace("orders/", "" if where == "." else f"{where}/")
        files[root / target] = text
    existing = [p for p in files if p.exists() or p.is_symlink()]
    if existing:
        raise ConfigurationError(
            f"{', '.join(str(p) for p in existing)} already exist(s); init never overwrites. "
            "Nothing was written"
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Scaffold(list(files))


def _repository_root(folder: Path) -> Path:
    """The git repository's root above `folder` (where CI files go), else `folder`."""
    start = folder.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder

"""What a command works on: the manifests' folder, clearsky.yaml, the service and the state.

A command gives its settings (paths and flags); `open_workspace` finds clearsky.yaml for them
and resolves the target and the state file, relative to that folder.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path

from reconciler.api import DEFAULT_URL
from reconciler.engine.target import SANDBOX_KEY, Target
from reconciler.errors import ConfigurationError, ManifestError
from reconciler.files import inside
from reconciler.manifest import Config, find_config, load_config
from reconciler.manifest.workspaces import covered
from reconciler.planning.decide import Options
from reconciler.planning.scope import Scope
from reconciler.planning.select import Selection
from reconciler.state import Sealer, StateFile, StateStore

DEFAULT_STATE = ".clearsky/state.json"


@dataclass(frozen=True)
class Settings:
    """Everything plan and apply are told: where, against what, and which changes."""

    paths: tuple[str, ...] = (".",)
    sandbox: bool = False
    api_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    state_path: str | None = None
    parallelism: int | None = None
    selection: Selection = field(default_factory=Selection)
    prune: bool = False
    prune_orphans: bool = False
    force: bool = False
    sole_owner: bool = False
    """--sole-owner: no other repository manages orders in this account (local state)."""
    one_workspace: bool = False
    """The paths were resolved to one workspace already (its folder, not the ones below)."""
    accept_url: bool = False
    """--accept-url: the state's account answers at a new URL (it names no tenant)."""
    lock_timeout: float = 0.0
    horizon: int = 12
    """Months of the cost timeline, and of a recurring order's commitment."""

    @property
    def options(self) -> Options:
        return Options(prune=self.prune, prune_orphans=self.prune_orphans)

    def command(self, *words: str, paths: bool = True) -> str:
        """A command line that runs `words` against the same service, state and folders as
        this run: what a hint prints, so that it works when pasted as it is."""
        flags = self.target_flags()
        return shlex.join(["clearsky-orders", *words, *flags, *(self.paths if paths else ())])

    def target_flags(self) -> list[str]:
        flags = []
        if self.sandbox:
            flags.append("--sandbox")
        elif self.api_url and self.api_url.rstrip("/") != DEFAULT_URL:
            flags += ["--api-url", self.api_url]
        if self.state_path:
            flags += ["--state", self.state_path]
        return flags


@dataclass(frozen=True)
class Workspace:
    settings: Settings
    config: Config
    target: Target
    state_file: StateStore
    folder: Path = field(default_factory=lambda: Path(".").resolve())
    """The workspace's folder (of its clearsky.yaml, else the working folder), resolved."""
    scope: Scope = field(default_factory=Scope)
    """The part of it the paths name: only that part may change."""
    has_config: bool = False

    @property
    def paths(self) -> tuple[str, ...]:
        return self.settings.paths

    @property
    def manifest_paths(self) -> tuple[str, ...]:
        """Where the desired set is read from: the whole workspace when it has a
        clearsky.yaml (a run over narrower paths still knows every manifest, so a manifest
        moved elsewhere in it is not taken for a removed one), else the paths given."""
        if self.has_config and not self.scope.whole:
            return (str(self.folder),)
        return self.paths


def open_workspace(settings: Settings) -> Workspace:
    """Read clearsky.yaml for the settings' paths; raises ManifestError when it is invalid."""
    if not settings.one_workspace:
        found, strays = covered(settings.paths or (".",))
        if strays:
            raise ManifestError(strays)
        if len(found) > 1:
            raise ConfigurationError(
                f"the paths cover {len(found)} workspaces ("
                + ", ".join(", ".join(each.paths) for each in found)
                + "): this command works on one at a time; give one workspace's folder"
            )
        settings = replace(settings, paths=found[0].paths, one_workspace=True)
    paths = settings.paths
    config = load_config(paths)
    config_file = find_config(Path(paths[0]))
    folder = (config_file.parent if config_file else Path(".")).resolve()
    scope = scope_of(paths, folder, strict=config_file is not None)
    if not scope.whole and (settings.prune or settings.prune_orphans):
        flag = "--prune" if settings.prune else "--prune-orphans"
        raise ConfigurationError(
            f"{flag} cancels orders no manifest describes, so it needs the whole workspace: "
            f"run it over {relative(folder)} rather than {', '.join(paths)}"
        )
    sandbox_db = project_dir(paths) / ".clearsky" / "sandbox.db"
    if settings.sandbox and not inside(sandbox_db, project_dir(paths)):
        raise ConfigurationError(
            f"{sandbox_db.parent} leads outside the repository (a symlink?); the embedded "
            "sandbox keeps its data only inside it"
        )
    target = Target(
        sandbox=settings.sandbox,
        api_url=settings.api_url or DEFAULT_URL,
        api_key=settings.api_key,
        sandbox_db=relative(sandbox_db),
        parallelism=settings.parallelism or config.api.parallelism,
    )
    states = state_file_for(paths, settings.state_path, config, sealer_for(target))
    if settings.prune and not (target.sandbox or states.remote or settings.sole_owner):
        raise ConfigurationError(
            "--prune cancels every order in the account that this state does not own, and a "
            "local state cannot see the orders other repositories manage. Give --sole-owner "
            "to confirm that no other repository or team manages orders in this account, or "
            "keep the state remote (state.url in clearsky.yaml), whose ownership index knows"
        )
    return Workspace(settings, config, target, states, folder, scope, config_file is not None)


def scope_of(paths: tuple[str, ...], folder: Path, *, strict: bool) -> Scope:
    """The part of the workspace at `folder` that `paths` name (the whole of it when one of
    them is the folder itself). With `strict` (the workspace has a clearsky.yaml) a path
    outside it is an error; without, such paths are their own workspace, as they always were."""
    parts: list[str] = []
    for given in paths:
        where = Path(given).resolve()
        if where == folder:
            return Scope()
        try:
            parts.append(where.relative_to(folder).as_posix())
        except ValueError:
            if strict:
                raise ConfigurationError(
                    f"{given} is outside the workspace {relative(folder)} (the folder of its "
                    "clearsky.yaml); run each workspace on its own"
                ) from None
            return Scope()
    return Scope(tuple(dict.fromkeys(parts)))


def workspace_files(names: dict[str, str], folder: Path) -> dict[str, str]:
    """Each manifest's file (as the loader shows it: relative to the working folder, or
    absolute) relative to the workspace `folder`, '/' between folders; '' for one outside it."""
    cwd = Path.cwd()
    by_dir: dict[str, str | None] = {}
    out: dict[str, str] = {}
    for name, shown in names.items():
        head, _, tail = shown.replace(os.sep, "/").rpartition("/")
        if head not in by_dir:
            try:
                rel = (cwd / head).resolve().relative_to(folder).as_posix()
                by_dir[head] = "" if rel == "." else rel
            except ValueError:
                by_dir[head] = None
        base = by_dir[head]
        out[name] = "" if base is None else (f"{base}/{tail}" if base else tail)
    return out


def sealer_for(target: Target) -> Sealer | None:
    """The state's seal key, from the API key (the embedded sandbox's own for it)."""
    key = SANDBOX_KEY if target.sandbox else target.api_key
    return Sealer.for_api_key(key) if key else None


def project_dir(paths: tuple[str, ...]) -> Path:
    """The folder of clearsky.yaml for these paths, or the current folder."""
    config = find_config(Path(paths[0]) if paths else Path("."))
    return config.parent if config else Path(".")


def state_file_for(
    paths: tuple[str, ...],
    state_path: str | None,
    config: Config | None = None,
    sealer: Sealer | None = None,
) -> StateStore:
    """Where the state lives: --state if given (a path or a bucket URL), else clearsky.yaml's
    state.url, else its state.path beside it."""
    settings = config.state if config else None
    workspace = settings.workspace if settings and settings.workspace else ""
    url = state_path if state_path and "://" in state_path else None
    url = url or (settings.url if settings and not state_path else None)
    if url:
        from reconciler.state.remote import RemoteSettings, RemoteState

        remote = RemoteSettings(
            url, settings.endpoint if settings else None, settings.region if settings else None
        )
        return RemoteState(remote, sealer, workspace or default_workspace(url))
    if state_path:  # given on the command line: the user's choice, anywhere
        return StateFile(Path(state_path), sealer, workspace)
    relative_path = settings.path if settings else DEFAULT_STATE
    base = project_dir(paths)
    chosen = base / relative_path
    if Path(relative_path).is_absolute() or not inside(chosen, base):
        raise ConfigurationError(
            f"state.path {relative_path!r} in clearsky.yaml leads outside the repository; keep "
            "it inside, or give --state to put the state elsewhere"
        )
    return StateFile(relative(chosen), sealer, workspace)


def default_workspace(url: str) -> str:
    """A workspace name from a state URL's path: s3://b/team-a/state.json -> team-a-state."""
    path = url.split("://", 1)[-1].split("/", 1)[-1].removesuffix(".json")
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:63].strip("-")
    return slug or "default"


def relative(path: Path) -> Path:
    """`path` relative to the working folder where it is below it (for messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path

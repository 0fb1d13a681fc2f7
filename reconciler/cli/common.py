"""What the API commands share: target and state options, error mapping, async running."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.api import DEFAULT_URL
from reconciler.cli.output import fail, say
from reconciler.engine import Target
from reconciler.errors import ApplyError, AuthError, ClearskyOrdersError, ManifestError
from reconciler.manifest import Config, find_config, load_config
from reconciler.planning.select import Selection, parse_selectors
from reconciler.render.problems import problems_text
from reconciler.state import StateFile

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def target_options(func: F) -> F:
    """--sandbox, --api-url, --state and --parallelism."""
    func = click.option(
        "--parallelism",
        type=click.IntRange(1, 64),
        default=None,
        help="Requests in flight at once (default: clearsky.yaml api.parallelism, or 8).",
    )(func)
    func = click.option(
        "--state",
        "state_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="State file (default: .clearsky/state.json beside clearsky.yaml).",
    )(func)
    func = click.option(
        "--api-url",
        envvar="CLEARSKY_API_URL",
        default=None,
        metavar="URL",
        help=f"ClearSKY API base URL [env CLEARSKY_API_URL; default {DEFAULT_URL}]. "
        "The key comes from CLEARSKY_API_KEY.",
    )(func)
    return click.option(
        "--sandbox",
        is_flag=True,
        help="Use the embedded sandbox (.clearsky/sandbox.db): no key, no real orders.",
    )(func)


def selection_options(func: F) -> F:
    """--target, --exclude, --selector and --force."""
    func = click.option(
        "--force",
        is_flag=True,
        help="Override the safety threshold (policy.maxChangePercent). Budgets "
        "and protected orders are not overridden.",
    )(func)
    func = click.option(
        "--selector",
        "selectors",
        multiple=True,
        metavar="KEY=VALUE",
        help="Only manifests with this label (repeatable: all must match).",
    )(func)
    func = click.option(
        "--exclude",
        "excludes",
        multiple=True,
        metavar="NAME",
        help="Leave this manifest out (repeatable).",
    )(func)
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="NAME",
        help="Only this manifest (repeatable); the rest is not touched.",
    )(func)


def make_selection(
    targets: tuple[str, ...], excludes: tuple[str, ...], selectors: tuple[str, ...]
) -> Selection:
    return Selection(frozenset(targets), frozenset(excludes), parse_selectors(selectors))


@dataclass(frozen=True)
class Setup:
    paths: tuple[str, ...]
    config: Config
    target: Target
    state_file: StateFile


def project_dir(paths: tuple[str, ...]) -> Path:
    """The folder of clearsky.yaml for these paths, or the current folder."""
    config = find_config(Path(paths[0]) if paths else Path("."))
    return config.parent if config else Path(".")


def make_target(
    paths: tuple[str, ...],
    sandbox: bool,
    api_url: str | None,
    parallelism: int | None,
    config_parallelism: int = 8,
) -> Target:
    return Target(
        sandbox=sandbox,
        api_url=api_url or DEFAULT_URL,
        api_key=os.environ.get("CLEARSKY_API_KEY") or None,
        sandbox_db=_relative(project_dir(paths) / ".clearsky" / "sandbox.db"),
        parallelism=parallelism or config_parallelism,
    )


def state_file(config: Config | None, paths: tuple[str, ...], state_path: str | None) -> StateFile:
    if state_path:
        return StateFile(Path(state_path))
    base = project_dir(paths)
    relative = config.state.path if config else ".clearsky/state.json"
    return StateFile(_relative(base / relative))


def setup(
    paths: tuple[str, ...],
    sandbox: bool,
    api_url: str | None,
    state_path: str | None,
    parallelism: int | None,
) -> Setup:
    paths = paths or (".",)
    config = load_config(paths)
    target = make_target(paths, sandbox, api_url, parallelism, config.api.parallelism)
    return Setup(paths, config, target, state_file(config, paths, state_path))


def announce(target: Target, *, err: bool = False) -> None:
    """The first line of every command that talks to the API, when it is the sandbox."""
    if target.sandbox:
        say(f"Using {target.describe()}: no real orders are placed.", err=err)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def handles_errors(func: F) -> F:
    """Turn the package's errors into one clear message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ManifestError as error:
            say(problems_text(error.problems), err=True)
            return 1
        except AuthError as error:
            fail(
                f"{error.message}. Check CLEARSKY_API_KEY (the key is never printed), "
                "or use --sandbox."
            )
            return 1
        except ApplyError as error:
            fail(str(error))
            return 1
        except ClearskyOrdersError as error:
            fail(str(error))
            return 1

    return wrapper  # type: ignore[return-value]


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path

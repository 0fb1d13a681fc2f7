"""Options that several commands share, declared once, and turned into engine Settings."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click

from reconciler.api import DEFAULT_URL
from reconciler.cli.output import say
from reconciler.engine import Settings, Target
from reconciler.planning.select import Selection, parse_selectors

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

SERVICE_OPTIONS = (
    click.option(
        "--sandbox",
        is_flag=True,
        help="Use the embedded sandbox (.clearsky/sandbox.db): no key, no real orders.",
    ),
    click.option(
        "--api-url",
        envvar="CLEARSKY_API_URL",
        default=None,
        metavar="URL",
        help=f"ClearSKY API base URL [env CLEARSKY_API_URL; default {DEFAULT_URL}]. "
        "The key comes from CLEARSKY_API_KEY.",
    ),
    click.option(
        "--state",
        "state_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="State file (default: .clearsky/state.json beside clearsky.yaml).",
    ),
    click.option(
        "--parallelism",
        type=click.IntRange(1, 64),
        default=None,
        help="Requests in flight at once (default: clearsky.yaml api.parallelism, or 8).",
    ),
)

CHANGE_OPTIONS = (
    click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="NAME",
        help="Only this manifest (repeatable); the rest is not touched.",
    ),
    click.option(
        "--exclude", "excludes", multiple=True, metavar="NAME", help="Leave this manifest out."
    ),
    click.option(
        "--selector",
        "selectors",
        multiple=True,
        metavar="KEY=VALUE",
        help="Only manifests with this label (repeatable: all must match).",
    ),
    click.option(
        "--force",
        is_flag=True,
        help="Override the safety threshold (policy.maxChangePercent). Budgets "
        "and protected orders are not overridden.",
    ),
    click.option(
        "--prune", is_flag=True, help="Also cancel unmanaged orders (never automatic ones)."
    ),
    click.option(
        "--prune-orphans",
        is_flag=True,
        help="Also cancel orphans: orders this tool made that no entry owns.",
    ),
    click.option(
        "--horizon",
        type=click.IntRange(1, 120),
        default=12,
        show_default=True,
        metavar="MONTHS",
        help="Months of the cost timeline; budgets are checked in each, and recurring orders "
        "commit this many months.",
    ),
)


def settings_options(*, changes: bool = True) -> Callable[[F], F]:
    """Add the service options (and, with `changes`, the ones that choose changes) and hand the
    command one `settings` argument in their place. The command declares `paths` itself."""
    options = SERVICE_OPTIONS + (CHANGE_OPTIONS if changes else ())

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs["settings"] = _settings(kwargs)
            return func(*args, **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


def _settings(kwargs: dict[str, Any]) -> Settings:
    selection = Selection(
        frozenset(kwargs.pop("targets", ())),
        frozenset(kwargs.pop("excludes", ())),
        parse_selectors(kwargs.pop("selectors", ())),
    )
    return Settings(
        paths=tuple(kwargs.pop("paths", ())) or (".",),
        sandbox=kwargs.pop("sandbox"),
        api_url=kwargs.pop("api_url"),
        api_key=os.environ.get("CLEARSKY_API_KEY") or None,
        state_path=kwargs.pop("state_path"),
        parallelism=kwargs.pop("parallelism"),
        selection=selection,
        prune=kwargs.pop("prune", False),
        prune_orphans=kwargs.pop("prune_orphans", False),
        force=kwargs.pop("force", False),
        horizon=kwargs.pop("horizon", 12),
    )


def announce(target: Target, *, err: bool = False) -> None:
    """The first line of every command that talks to the API, when it is the sandbox."""
    if target.sandbox:
        say(f"Using {target.describe()}: no real orders are placed.", err=err)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)

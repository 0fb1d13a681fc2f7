"""Options that several commands share, declared once, and turned into engine Settings."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

import click

from reconciler.api import DEFAULT_URL
from reconciler.cli.output import say
from reconciler.engine import Settings, Target
from reconciler.errors import ClearskyOrdersError
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
        default=None,
        metavar="PATH|URL",
        help="State file or bucket URL (default: clearsky.yaml's state.url, else "
        ".clearsky/state.json beside clearsky.yaml).",
    ),
    click.option(
        "--parallelism",
        type=click.IntRange(1, 64),
        default=None,
        help="Requests in flight at once (default: clearsky.yaml api.parallelism, or 8).",
    ),
    click.option(
        "--accept-url",
        is_flag=True,
        help="The state's account now answers at this API URL (needed once where the service "
        "names no tenant; the same tenant at a new URL is accepted by itself).",
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
        "--sole-owner",
        is_flag=True,
        help="With --prune and a local state: confirm that no other repository manages "
        "orders in this account (a remote state knows; a local one cannot).",
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


class Duration(click.ParamType):  # type: ignore[type-arg]
    """30, 30s, 5m or 1h: seconds to wait."""

    name = "duration"
    UNITS: ClassVar[dict[str, float]] = {"": 1, "s": 1, "m": 60, "h": 3600}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int | float):
            return float(value)
        text = str(value).strip().lower()
        number, unit = text.rstrip("smh"), text[len(text.rstrip("smh")) :]
        try:
            seconds = float(number) * self.UNITS[unit]
        except (ValueError, KeyError):
            self.fail(f"{value!r} is not a duration (e.g. 30s, 5m, 1h)", param, ctx)
        if not 0 <= seconds <= 86400:
            self.fail(f"{value!r}: give a duration between 0 and 24h", param, ctx)
        return seconds


LOCK_OPTION = click.option(
    "--lock-timeout",
    type=Duration(),
    default="0",
    metavar="DURATION",
    help="Wait this long for another run's lock on the state (e.g. 30s, 5m; default: fail at "
    "once).",
)


SELECT_OPTIONS = CHANGE_OPTIONS[:3]

DAYS_OPTION = click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=30,
    show_default=True,
    help="Look back this many days (and always over this month).",
)
GRACE_OPTION = click.option(
    "--grace",
    type=click.IntRange(0, 60),
    default=3,
    show_default=True,
    help="Days a promised date may be late before the order is Degraded.",
)
"""How health is judged: status and report take the same two."""
"""--target, --exclude and --selector: which manifests a command works on."""


def settings_options(
    *, changes: bool = True, lock: bool = False, select: bool = False
) -> Callable[[F], F]:
    """Add the service options (and, with `changes`, the ones that choose changes; with
    `select`, only --target, --exclude and --selector) and hand the command one `settings`
    argument in their place. The command declares `paths` itself."""
    chosen = CHANGE_OPTIONS if changes else SELECT_OPTIONS if select else ()
    options = SERVICE_OPTIONS + chosen + ((LOCK_OPTION,) if lock else ())

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
        accept_url=kwargs.pop("accept_url", False),
        selection=selection,
        prune=kwargs.pop("prune", False),
        prune_orphans=kwargs.pop("prune_orphans", False),
        force=kwargs.pop("force", False),
        sole_owner=kwargs.pop("sole_owner", False),
        lock_timeout=kwargs.pop("lock_timeout", 0.0),
        horizon=kwargs.pop("horizon", 12),
    )


def leading_argument(settings: Settings, usage: str) -> tuple[str, Settings]:
    """A command whose first positional argument is not a path (a manifest NAME, an AOI):
    that argument, and the settings with the paths that follow it."""
    if settings.paths == (".",):
        raise ClearskyOrdersError(usage)
    return settings.paths[0], replace(settings, paths=settings.paths[1:] or (".",))


def announce(target: Target, *, err: bool = False) -> None:
    """The first line of every command that talks to the API, when it is the sandbox."""
    if target.sandbox:
        say(f"Using {target.describe()}: no real orders are placed.", err=err)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to its end. Its result is handed over outside the task: when asyncio.run
    restores the SIGINT handler it formats the old handler, whose repr includes the main
    task and so its result (a whole plan: most of a second for a large account)."""
    results: list[T] = []

    async def main() -> None:
        results.append(await coro)

    asyncio.run(main())
    return results[0]

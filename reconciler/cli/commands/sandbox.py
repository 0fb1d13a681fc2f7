"""clearsky-orders sandbox serve"""

from __future__ import annotations

import click


@click.group()
def sandbox() -> None:
    """The local stand-in for the ClearSKY service."""


@sandbox.command(
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def serve(args: tuple[str, ...]) -> int:
    """Serve the sandbox over HTTP (loopback by default); --help lists its options.

    \b
    Example:
      CLEARSKY_API_KEY=dev-key clearsky-orders sandbox serve --port 8787 &
    """
    from reconciler.sandbox.server import main

    return main(list(args), prog="clearsky-orders sandbox serve")

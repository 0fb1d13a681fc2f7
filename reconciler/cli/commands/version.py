"""clearsky-orders version"""

from __future__ import annotations

import json
import platform

import click

from reconciler import __version__
from reconciler.cli.output import format_option, say


@click.command()
@format_option("text", "json")
def version(fmt: str) -> int:
    """Show the version of clearsky-orders and of Python.

    \b
    Example:
      clearsky-orders version --format json
    """
    facts = {
        "clearskyOrders": __version__,
        "python": platform.python_version(),
        # the client speaks the paths the vendor documents today; a service that answers
        # 404/405 there is asked on the older endpoint page's paths (remembered per run)
        "apiDialect": "current, then page",
    }
    if fmt == "json":
        say(json.dumps(facts))
    else:
        say(
            f"clearsky-orders {__version__} (Python {facts['python']}; API paths: current, "
            "then the older endpoint page's)"
        )
    return 0

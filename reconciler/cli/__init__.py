"""The clearsky-orders command line: parse, call the engine, render, map errors to exit codes."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from reconciler.cli.app import cli
from reconciler.cli.output import fail


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok/no changes, 2 changes, 1 error)."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="clearsky-orders",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        fail("aborted")
        return 1
    except click.ClickException as exc:
        exc.show()
        return 1  # usage errors are errors; 2 means "changes" for --detailed-exitcode
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    return int(result or 0)


def entry() -> None:  # pragma: no cover - console script
    sys.exit(main())


__all__ = ["cli", "main"]

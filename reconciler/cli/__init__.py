"""The clearsky-orders command line: parse, call the engine, render, map errors to exit codes."""

from __future__ import annotations

import sys

from reconciler.cli.main import cli, main


def entry() -> None:  # pragma: no cover - console script
    sys.exit(main())


__all__ = ["cli", "entry", "main"]

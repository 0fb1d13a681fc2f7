"""The clearsky-orders command line: parse, call the engine, render, map errors to exit codes."""

from __future__ import annotations

import gc
import os
import sys

# A command line run loads no pydantic plugins: looking for them reads the metadata of every
# installed distribution before the first model is built (20 ms here, more in a large
# environment), and a plugin sees every value validated, keys and state included.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from reconciler.cli.main import cli, main


def entry() -> None:
    code = main()
    # What the run built is freed as the process ends. Left to the collector, the interpreter's
    # last passes walk every module, model schema and order once more for cycles that do not
    # matter any longer (35 of the 280 ms a `validate` of 5 manifests takes).
    gc.freeze()
    sys.exit(code)


__all__ = ["cli", "entry", "main"]

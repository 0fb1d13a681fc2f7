"""The command group, and the one place where errors become exit codes.

Commands are imported when they run, so that `validate` loads neither the HTTP stack nor the
sandbox.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import click

from reconciler.cli.output import fail, say, set_colour, start_logging, start_progress
from reconciler.errors import AuthError, ClearskyOrdersError, ManifestError

COMMANDS = {
    "init": "init",
    "validate": "validate",
    "plan": "plan",
    "show": "show",
    "apply": "apply",
    "state": "state",
    "import": "import_order",
    "status": "status",
    "tiles": "tiles",
    "pull": "pull",
    "report": "report",
    "products": "imagery:products",
    "acquisitions": "imagery:acquisitions",
    "force-unlock": "state:force_unlock",
    "sandbox": "sandbox",
    "schema": "init:schema",
    "version": "version",
}
"""Command name -> module in reconciler.cli.commands (each defines a command of that name, or
the one after the colon)."""

SUMMARIES = {
    "init": "Start an orders folder: clearsky.yaml, an example...",
    "validate": "Check manifests without talking to the API.",
    "plan": "Show what apply would create, cancel, replace or adopt,...",
    "show": "Render a saved plan.",
    "apply": "Make the account match the manifests.",
    "state": "Inspect and edit which live order each manifest name owns.",
    "import": "Record that manifest NAME owns live order GUID (no API...",
    "status": "Is every managed order delivering what it is paid for?",
    "tiles": "Tiles and minitiles: which cover an area, and whether...",
    "pull": "Download the imagery the managed orders paid for, as...",
    "report": "Write a page of the account as it is: OUT/index.html.",
    "products": "The input satellite products behind an order's image of a...",
    "acquisitions": "Planned satellite passes over an order's area or an AOI.",
    "force-unlock": "Release the state lock LOCK_ID that a run which died left...",
    "sandbox": "The local stand-in for the ClearSKY service.",
    "schema": "Print the JSON Schema of a manifest, of clearsky.yaml or...",
    "version": "Show the version of clearsky-orders and of Python.",
}
"""What `--help` lists, without importing every command (a test keeps them equal to the
commands' own short help)."""

EPILOG = """\b
Examples:
  clearsky-orders validate examples/orders
  clearsky-orders plan --sandbox examples/orders
  clearsky-orders plan -o plan.json orders/ && clearsky-orders apply plan.json

Exit status: 0 success (no changes with --detailed-exitcode), 2 changes, 1 error.
"""


class Commands(click.Group):
    """A group whose commands are imported only when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES[name]) for name in COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        module, _, name = module.partition(":")
        found = importlib.import_module(f"reconciler.cli.commands.{module}")
        command: click.Command = getattr(found, name or module)
        return command


@click.group(cls=Commands, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clearsky-orders")
@click.option(
    "--no-color", is_flag=True, help="No colour, even on a terminal (NO_COLOR works too)."
)
@click.option(
    "--debug",
    is_flag=True,
    help="Log every request (method, path, status, time; retries and why) to stderr, or to "
    "CLEARSKY_LOG_FILE. CLEARSKY_LOG=debug does the same.",
)
def cli(no_color: bool, debug: bool) -> None:
    """Tasking orders as code for the ClearSKY Vision API."""
    set_colour(not no_color)
    start_logging(debug)
    start_progress()


GLOBAL_FLAGS = ("--no-color", "--debug")
"""Options of the group that are accepted after the command too."""


def _global_flags_first(args: list[str]) -> list[str]:
    """`plan --no-color` means `--no-color plan`: global flags may come anywhere before `--`."""
    end = args.index("--") if "--" in args else len(args)
    found = [a for a in args[:end] if a in GLOBAL_FLAGS]
    rest = [a for a in args[:end] if a not in GLOBAL_FLAGS] + args[end:]
    return found + rest


LONG_WORDS = frozenset(
    {
        "auto-approve", "compare-to", "debug", "detailed-exitcode", "exclude",
        "expect-checksum", "force", "format", "help", "horizon", "lock", "lock-timeout",
        "no-color", "out", "parallelism", "prune", "prune-orphans", "sandbox", "selector",
        "state", "target", "var", "var-file", "verbose", "api-url", "input", "refresh",
        "replace", "destroy", "json", "chdir",
    }
)  # fmt: skip
"""Long options (ours, and the Terraform ones typed by habit) written with one dash."""


def _one_dash_long_option(args: list[str]) -> str | None:
    """`-out=plan.json` reads as `-o ut=plan.json`: a Terraform habit that would silently
    write a file named 'ut=plan.json'. Returns the message for the first such word."""
    end = args.index("--") if "--" in args else len(args)
    for word in args[:end]:
        if word.startswith("-") and not word.startswith("--"):
            name, eq, value = word[1:].partition("=")
            if name in LONG_WORDS:
                return (
                    f"{word}: long options take two dashes here; write --{name}{eq}{value} "
                    "(nothing was run)"
                )
    return None


def _errors_as_json(args: list[str], errors: list[dict[str, object]]) -> None:
    """With --format json, errors go to stdout as {"errors": [...]} too, for machines."""
    wanted = any(
        a == "--format=json" or (a == "--format" and args[i + 1 : i + 2] == ["json"])
        for i, a in enumerate(args)
    )
    if wanted and (not args or args[0] != "validate"):  # validate prints its own list
        say(json.dumps({"errors": errors}))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok/no changes, 2 changes, 1 error)."""
    args = _global_flags_first(list(argv) if argv is not None else sys.argv[1:])
    wrong = _one_dash_long_option(args)
    if wrong:
        fail(wrong)
        return 1
    before = _terminate_as_interrupt()
    try:
        return _run(args)
    finally:
        if before is not None:
            signal.signal(signal.SIGTERM, before)


def _terminate_as_interrupt() -> Any:
    """SIGTERM (a CI job cancelled, `kill`) ends a run as Ctrl-C does: what is under way is
    cancelled, so temporary files are removed and apply writes what it did, instead of the
    process vanishing mid-write. Returns the handler it replaced (None off the main thread)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: signals are not ours to take
        return None


def _run(args: list[str]) -> int:
    try:
        result = cli.main(
            args=args,
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
    except ManifestError as error:
        from reconciler.render.problems import problems_text  # only when there are problems

        say(problems_text(error.problems), err=True)
        _errors_as_json(args, [p.as_dict() for p in error.problems])
        return 1
    except AuthError as error:
        message = (
            f"{error.message.rstrip('.')}. Check CLEARSKY_API_KEY (the key is never printed), "
            "or use --sandbox."
        )
        fail(message)
        _errors_as_json(args, [{"message": message}])
        return 1
    except ClearskyOrdersError as error:
        fail(str(error))
        _errors_as_json(args, [{"message": str(error)}])
        return 1
    except KeyboardInterrupt:
        fail("interrupted")
        return 1
    except Exception as error:  # a bug: say so in one line, never a traceback by default
        if os.environ.get("CLEARSKY_ORDERS_DEBUG"):
            raise
        fail(
            f"internal error ({type(error).__name__}); this is a bug in clearsky-orders. "
            "CLEARSKY_ORDERS_DEBUG=1 shows where it happened"
        )
        return 1
    return int(result or 0)

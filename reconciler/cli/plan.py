"""clearsky-orders plan / show"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import (
    Setup,
    announce,
    handles_errors,
    make_selection,
    run,
    selection_options,
    setup,
    target_options,
)
from reconciler.cli.output import colour_on, say
from reconciler.engine import plan_paths
from reconciler.errors import PlanError
from reconciler.planning import Options
from reconciler.planning.document import ContextDoc, PlanDoc, dump, load_document, to_document
from reconciler.planning.select import Selection
from reconciler.render.markdown import plan_markdown
from reconciler.render.text import plan_text

FORMATS = click.Choice(["text", "json", "markdown"])


async def build_plan(s: Setup, *, prune: bool, selection: Selection, force: bool) -> PlanDoc:
    async with s.target.client() as client:
        _, plan = await plan_paths(
            s.paths,
            s.state_file.load(),
            client,
            options=Options(prune=prune),
            source=s.target.describe(),
            selection=selection,
            force=force,
        )
    return to_document(plan, context(s, prune=prune, selection=selection, force=force))


def context(s: Setup, *, prune: bool, selection: Selection, force: bool) -> ContextDoc:
    return ContextDoc(
        manifest_paths=list(s.paths),
        state_path=str(s.state_file.path),
        sandbox=s.target.sandbox,
        api_url=s.target.api_url,
        prune=prune,
        force=force,
        targets=sorted(selection.targets),
        excludes=sorted(selection.excludes),
        selectors=[f"{k}={v}" for k, v in selection.selectors],
    )


def render(doc: PlanDoc, fmt: str, *, verbose: bool = False) -> str:
    if fmt == "json":
        return dump(doc).rstrip("\n")
    if fmt == "markdown":
        return plan_markdown(doc).rstrip("\n")
    return plan_text(doc, colour=colour_on(), verbose=verbose)


def exit_code(doc: PlanDoc, detailed: bool) -> int:
    if doc.summary.errors or doc.violations:
        return 1
    return 2 if detailed and doc.has_changes else 0


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@target_options
@selection_options
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="text",
    show_default=True,
    help="markdown: a pull-request comment with a map.",
)
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Save the plan for apply.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@click.option("--prune", is_flag=True, help="Also cancel unmanaged orders (never automatic ones).")
@click.option("-v", "--verbose", is_flag=True, help="List unchanged orders too.")
@handles_errors
def plan(
    paths: tuple[str, ...],
    sandbox: bool,
    api_url: str | None,
    state_path: str | None,
    parallelism: int | None,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    selectors: tuple[str, ...],
    force: bool,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    prune: bool,
    verbose: bool,
) -> int:
    """Show what apply would create, cancel, replace or adopt, and what it costs.

    Reads the live orders, compares them with the manifests under PATHS (default: the current
    folder), prices every change with the estimate endpoint and checks the policy in
    clearsky.yaml. Changes nothing. Every format prints the plan's checksum, which
    `apply --expect-checksum` accepts.

    \b
    Examples:
      clearsky-orders plan --sandbox examples/orders
      clearsky-orders plan -o plan.json --detailed-exitcode orders/
      clearsky-orders plan --format markdown orders/ > comment.md
      clearsky-orders plan --target aarhus-bay --selector team=agri orders/
    """
    s = setup(paths, sandbox, api_url, state_path, parallelism)
    announce(s.target, err=fmt != "text")
    selection = make_selection(targets, excludes, selectors)
    doc = run(build_plan(s, prune=prune, selection=selection, force=force))
    say(render(doc, fmt, verbose=verbose))
    if out:
        Path(out).write_text(dump(doc), encoding="utf-8")
        say(
            f"Saved the plan to {out}; apply it with: clearsky-orders apply {out}",
            err=fmt != "text",
        )
    return exit_code(doc, detailed_exitcode)


def read_plan(path: str) -> PlanDoc:
    try:
        return load_document(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"cannot read the plan {path}: {exc.strerror}") from None
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        raise PlanError(f"{path} is not a clearsky-orders plan ({first})") from None


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="List unchanged orders too.")
@handles_errors
def show(plan_file: str, fmt: str, verbose: bool) -> int:
    """Render a saved plan.

    \b
    Examples:
      clearsky-orders show plan.json
      clearsky-orders show --format markdown plan.json > comment.md
    """
    doc = read_plan(plan_file)
    if fmt == "text":
        say(f"Plan made {doc.created_at:%Y-%m-%d %H:%M} UTC against {doc.source}.")
    say(render(doc, fmt, verbose=verbose))
    return 0

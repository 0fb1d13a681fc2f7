"""clearsky-orders plan"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from reconciler.cli.options import announce, run, settings_options
from reconciler.cli.output import colour_on, format_option, say
from reconciler.cli.workspaces import severest, shown, workspaces
from reconciler.engine import (
    Settings,
    context_of,
    open_workspace,
    plan_only,
    read_saved_plan,
    refusal,
)
from reconciler.errors import ClearskyOrdersError
from reconciler.render.compare import compare_lines
from reconciler.render.document import dump
from reconciler.render.registry import RENDERERS, RenderOptions, plan_view, render
from reconciler.render.workspaces import render_workspaces

FORMATS = ("text", *sorted(f for f in RENDERERS if f != "text"))


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options()
@format_option(*FORMATS, help="markdown: a pull-request comment with a map.")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Save the plan for apply.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@click.option("-v", "--verbose", is_flag=True, help="List unchanged orders too.")
@click.option(
    "--compare-to",
    "compare_to",
    type=click.Path(dir_okay=False),
    metavar="REVIEWED.json",
    help="Also say what differs from a reviewed plan (plan -o): changes added or gone, costs "
    "moved (on stderr unless the format is text).",
)
@click.option(
    "--skip-if-no-changes",
    is_flag=True,
    help="Print nothing when there are no changes (a CI job then posts no comment).",
)
def plan(
    settings: Settings,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    verbose: bool,
    compare_to: str | None,
    skip_if_no_changes: bool,
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
      clearsky-orders plan --compare-to reviewed.json orders/   # what moved since the review
    """
    found = workspaces(settings)
    if len(found) > 1:
        if out or compare_to:
            raise ClearskyOrdersError(
                f"the paths cover {len(found)} workspaces, each with its own plan: give -o or "
                "--compare-to with one workspace's folder ("
                + ", ".join(shown(w) for w in found)
                + ")"
            )
        return _plan_each(found, fmt, detailed_exitcode, verbose, skip_if_no_changes)
    settings = found[0]
    workspace = open_workspace(settings)
    announce(workspace.target, err=fmt != "text")
    made = run(plan_only(workspace))
    view = plan_view(made, context_of(workspace), full=verbose)
    if not (skip_if_no_changes and not made.has_changes):
        say(render(fmt, view, RenderOptions(colour=colour_on(), verbose=verbose)))
    if compare_to:
        lines = compare_lines(read_saved_plan(compare_to), view.doc)
        say("\n".join(lines), err=fmt != "text")
    if out:
        Path(out).write_text(dump(view.doc), encoding="utf-8")
        again = shlex.join(["clearsky-orders", "apply", *settings.target_flags(), out])
        say(f"Saved the plan to {out}; apply it with: {again}", err=fmt != "text")
    if refusal(made) is not None:
        return 1
    return 2 if detailed_exitcode and made.has_changes else 0


def _plan_each(
    found: list[Settings], fmt: str, detailed_exitcode: bool, verbose: bool, skip: bool
) -> int:
    """Plan every workspace on its own (its state, policy and defaults), and say them together:
    a section each, under a headline that sums them (one pull-request comment)."""
    views, worst = [], 0
    for each in found:
        workspace = open_workspace(each)
        made = run(plan_only(workspace))
        views.append((shown(each), plan_view(made, context_of(workspace), full=verbose)))
        code = 1 if refusal(made) is not None else 2 if made.has_changes else 0
        worst = severest(worst, code if detailed_exitcode or code == 1 else 0)
    if skip and not any(view.doc.has_changes for _, view in views):
        return worst
    options = RenderOptions(colour=colour_on(), verbose=verbose)
    say(render_workspaces(fmt, views, options))
    return worst

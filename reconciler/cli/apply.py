"""clearsky-orders apply"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.cli.common import (
    Setup,
    announce,
    handles_errors,
    make_selection,
    make_target,
    run,
    selection_options,
    setup,
    state_file,
    target_options,
)
from reconciler.cli.output import colour_on, say
from reconciler.cli.plan import context, read_plan
from reconciler.engine import ApplyReport, apply_plan, make_plan, plan_paths, snapshot
from reconciler.errors import ClearskyOrdersError, StalePlanError
from reconciler.manifest import Manifests, load
from reconciler.planning import Options, Plan
from reconciler.planning.document import PlanDoc, to_document
from reconciler.planning.select import Selection, parse_selectors
from reconciler.policy import PolicyError
from reconciler.render.text import plan_text


def _is_plan_file(paths: tuple[str, ...]) -> bool:
    return len(paths) == 1 and Path(paths[0]).is_file() and not paths[0].endswith((".yaml", ".yml"))


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@target_options
@selection_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option(
    "--expect-checksum",
    metavar="SHA256",
    help="Plan again and apply only if the plan has this checksum (the one printed "
    "by the reviewed plan); implies --auto-approve.",
)
@click.option("--prune", is_flag=True, help="Also cancel unmanaged orders (never automatic ones).")
@handles_errors
def apply(
    paths: tuple[str, ...],
    sandbox: bool,
    api_url: str | None,
    state_path: str | None,
    parallelism: int | None,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    selectors: tuple[str, ...],
    force: bool,
    auto_approve: bool,
    expect_checksum: str | None,
    prune: bool,
) -> int:
    """Make the account match the manifests.

    With a saved plan (from plan -o FILE) apply exactly that plan, and refuse it if the
    manifests, the live orders or the state changed since it was made. With PATHS (or nothing)
    plan, show the plan and ask for 'yes' first; with --expect-checksum apply only the plan
    that was reviewed. The policy in clearsky.yaml is checked again before anything changes.

    Cancels run before creates; each finished operation is recorded in the state at once; a
    create whose answer is lost is looked up, never repeated.

    \b
    Examples:
      clearsky-orders plan -o plan.json && clearsky-orders apply plan.json
      clearsky-orders apply --sandbox examples/orders
      clearsky-orders apply --expect-checksum 3f2a...e1 orders/    # on merge, in CI
    """
    if _is_plan_file(paths):
        return _apply_saved(paths[0], sandbox, api_url, state_path, parallelism)
    s = setup(paths, sandbox, api_url, state_path, parallelism)
    announce(s.target)
    selection = make_selection(targets, excludes, selectors)
    with s.state_file.lock():
        return run(
            _plan_and_apply(
                s,
                prune=prune,
                auto_approve=auto_approve or bool(expect_checksum),
                expected=expect_checksum,
                selection=selection,
                force=force,
            )
        )


async def _plan_and_apply(
    s: Setup,
    *,
    prune: bool,
    auto_approve: bool,
    expected: str | None,
    selection: Selection,
    force: bool,
) -> int:
    async with s.target.client() as client:
        state = s.state_file.load()
        _, plan = await plan_paths(
            s.paths,
            state,
            client,
            options=Options(prune=prune),
            source=s.target.describe(),
            selection=selection,
            force=force,
        )
        doc = to_document(plan, context(s, prune=prune, selection=selection, force=force))
        say(plan_text(doc, colour=colour_on()))
        if expected is not None and doc.checksum != expected.strip().lower():
            raise StalePlanError(
                f"the plan's checksum is {doc.checksum}, not the reviewed {expected}: the "
                "manifests, the live orders, the state or the prices changed since the review. "
                "Nothing was applied; review the new plan"
            )
        _refuse_broken(plan)
        if not plan.has_changes:
            return 0
        if not auto_approve and not _confirm():
            say("Apply cancelled; nothing was changed.")
            return 1
        report = await apply_plan(plan, client, s.state_file, state, say)
    _summary(report)
    return 0


def _refuse_broken(plan: Plan) -> None:
    if plan.violations:
        raise PolicyError(plan.violations)
    if plan.errors:
        raise ClearskyOrdersError(
            f"{len(plan.errors)} change(s) cannot be applied (see the "
            "errors above); nothing was applied"
        )


def _confirm() -> bool:
    if not sys.stdin.isatty():
        raise ClearskyOrdersError(
            "there is no terminal to confirm on: add --auto-approve, or save a plan with "
            "'plan -o FILE' and apply that file"
        )
    answer = click.prompt(
        "Apply these changes? Only 'yes' applies them", default="", show_default=False
    )
    return str(answer).strip() == "yes"


def _apply_saved(
    file: str, sandbox: bool, api_url: str | None, state_path: str | None, parallelism: int | None
) -> int:
    doc = read_plan(file)
    ctx = doc.context
    paths = tuple(ctx.manifest_paths) if ctx else (".",)
    manifests = load(paths)
    target = make_target(
        paths,
        sandbox or bool(ctx and ctx.sandbox),
        api_url or (ctx.api_url if ctx and not ctx.sandbox else None),
        parallelism,
        manifests.config.api.parallelism,
    )
    states = state_file(manifests.config, paths, state_path or (ctx.state_path if ctx else None))
    selection = (
        Selection(frozenset(ctx.targets), frozenset(ctx.excludes), parse_selectors(ctx.selectors))
        if ctx
        else Selection()
    )
    announce(target)
    with states.lock():
        return run(
            _apply_checked(
                doc,
                manifests,
                Setup(paths, manifests.config, target, states),
                prune=bool(ctx and ctx.prune),
                force=bool(ctx and ctx.force),
                selection=selection,
            )
        )


async def _apply_checked(
    doc: PlanDoc, manifests: Manifests, s: Setup, *, prune: bool, force: bool, selection: Selection
) -> int:
    async with s.target.client() as client:
        state = s.state_file.load()
        snap = await snapshot(manifests, state, client)
        plan = await make_plan(
            snap,
            client,
            options=Options(prune=prune),
            source=doc.source,
            selection=selection,
            force=force,
        )
        _refuse_if_stale(doc, plan)
        _refuse_broken(plan)
        say(f"Applying the saved plan ({doc.checksum[:12]}): {_count(plan)} change(s).")
        report = await apply_plan(plan, client, s.state_file, state, say)
    _summary(report)
    return 0


def _refuse_if_stale(doc: PlanDoc, plan: Plan) -> None:
    moved = [
        what
        for what, old, new in (
            ("the manifests", doc.inputs.manifests, plan.inputs.manifests),
            ("the live orders", doc.inputs.live_orders, plan.inputs.live_orders),
            ("the state", doc.inputs.state, plan.inputs.state),
        )
        if old != new
    ]
    saved = [(c.action.value, c.name, c.order_guid) for c in doc.changes]
    fresh = [(c.action.value, c.name, c.order_guid) for c in plan.changes]
    if moved or saved != fresh:
        what = " and ".join(moved) or "the changes"
        raise StalePlanError(
            f"the saved plan is stale: {what} changed since it was made "
            f"({doc.created_at:%Y-%m-%d %H:%M} UTC). Nothing was applied; run plan again"
        )


def _count(plan: Plan) -> int:
    return sum(1 for c in plan.changes if c.changes_something)


def _summary(report: ApplyReport) -> None:
    say(f"Apply complete: {len(report.done)} change(s) done.")

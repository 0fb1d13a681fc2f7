"""clearsky-orders apply"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click

from reconciler.cli.options import announce, run, settings_options
from reconciler.cli.output import colour_on, fail, format_option, say
from reconciler.cli.workspaces import severest, shown, workspaces
from reconciler.engine import (
    ApplyResult,
    Settings,
    apply_manifests,
    apply_saved,
    context_of,
    open_workspace,
    read_saved_plan,
    saved_settings,
)
from reconciler.engine.apply import Batches
from reconciler.errors import ApplyError, ClearskyOrdersError
from reconciler.planning import Plan
from reconciler.planning.events import ApplyEvent
from reconciler.render.events import event_text
from reconciler.render.registry import RenderOptions, plan_view, render


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(lock=True)
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option(
    "--expect-checksum",
    metavar="SHA256",
    help="Plan again and apply only if the plan has this checksum (the one printed "
    "by the reviewed plan); implies --auto-approve.",
)
@format_option(
    "text",
    "json",
    help="json: no plan, no progress lines; one report of what was done, skipped and failed "
    "(needs --auto-approve, --expect-checksum or a saved plan).",
)
def apply(settings: Settings, auto_approve: bool, expect_checksum: str | None, fmt: str) -> int:
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
      clearsky-orders apply --auto-approve --format json orders/ > applied.json
    """
    report = Report(fmt == "json")
    if _is_plan_file(settings.paths):
        return _reported(report, lambda: report.finish(_apply_saved(settings, report)))
    if report.json and not (auto_approve or expect_checksum):
        raise ClearskyOrdersError(
            "--format json cannot ask for confirmation: add --auto-approve or "
            "--expect-checksum, or apply a saved plan"
        )
    found = workspaces(settings)
    if len(found) == 1:
        return _reported(
            report, lambda: _apply_one(found[0], auto_approve, expect_checksum, report)
        )
    if expect_checksum or report.json:
        raise ClearskyOrdersError(
            f"the paths cover {len(found)} workspaces, each with its own plan and checksum: "
            "give --expect-checksum or --format json to one workspace at a time ("
            + ", ".join(shown(w) for w in found)
            + ")"
        )
    worst = 0
    for each in found:  # independently: one workspace's failure does not stop the others
        say(f"=== workspace {shown(each)} ===")
        try:
            code = _apply_one(each, auto_approve, None, Report(False))
        except ClearskyOrdersError as error:
            fail(f"workspace {shown(each)}: {error}")
            code = 1
        worst = severest(worst, code)
    return worst


def _reported(report: Report, go: Callable[[], int]) -> int:
    """Run `go`; an apply that failed half way says, in JSON, what was done first."""
    try:
        return go()
    except ApplyError as error:
        if not report.json:
            raise
        say(report.body([str(error)]))  # what was done, skipped and failed, then the error
        fail(str(error))
        return 1


def _apply_one(
    settings: Settings, auto_approve: bool, expect_checksum: str | None, report: Report
) -> int:
    """Plan one workspace, show it, ask, apply."""
    workspace = open_workspace(settings)
    announce(workspace.target, err=report.json)
    context = context_of(workspace)

    def show(plan: Plan) -> None:
        report.checksum = plan_view(plan).doc.checksum if report.json else ""
        if not report.json:
            say(render("text", plan_view(plan, context), RenderOptions(colour=colour_on())))

    confirm = (lambda: True) if auto_approve or expect_checksum else _confirm
    with workspace.state_file.lock(workspace.settings.lock_timeout):
        result = run(
            apply_manifests(
                workspace,
                show=show,
                confirm=confirm,
                listener=report.tell,
                reviewed_checksum=expect_checksum,
            )
        )
    if result.declined:
        say("Apply cancelled; nothing was changed.")
        return 1
    return report.finish(result)


class Report:
    """What apply says as it goes: event lines (text), or one JSON report at the end."""

    def __init__(self, json_wanted: bool) -> None:
        self.json = json_wanted
        self.events: list[ApplyEvent] = []
        self.checksum = ""

    def tell(self, event: ApplyEvent) -> None:
        self.events.append(event)
        if not self.json:
            text = event_text(event)
            if text is not None:
                say(text)

    def body(self, errors: list[str]) -> str:
        ended = [e for e in self.events if e.outcome.value not in ("started", "answer-lost")]

        def rows(kept: list[ApplyEvent]) -> list[dict[str, object]]:
            return [
                {
                    "operation": e.operation.value,
                    "outcome": e.outcome.value,
                    "name": e.name,
                    "orderGuid": e.guid,
                    **({"error": e.error} if e.error else {}),
                }
                for e in kept
            ]

        return json.dumps(
            {
                "checksum": self.checksum,
                "done": rows([e for e in ended if e.succeeded]),
                "skipped": rows([e for e in ended if e.outcome.value == "skipped"]),
                "failed": rows([e for e in ended if e.failed and e.outcome.value != "skipped"]),
                "errors": [{"message": m} for m in errors],
            },
            indent=2,
        )

    def finish(self, result: ApplyResult) -> int:
        if self.json:
            say(self.body([]))
        elif result.report is not None:
            done = result.report.done
            changes = len({(e.name, e.guid) if not e.name else e.name for e in done})
            say(f"Apply complete: {changes} change(s) done in {len(done)} step(s).")
        return 0


def _apply_saved(settings: Settings, report: Report) -> ApplyResult:
    doc = read_saved_plan(settings.paths[0])
    workspace = open_workspace(saved_settings(doc, replace(settings, paths=(".",))))
    announce(workspace.target, err=report.json)
    report.checksum = doc.checksum

    def show(plan: Plan) -> None:
        if not report.json:
            count = sum(1 for c in plan.changes if c.changes_something)
            steps = Batches.of(plan).steps
            say(
                f"Applying the saved plan ({doc.checksum[:12]}): {count} change(s) in "
                f"{steps} step(s) (a replace is a cancel and a create)."
            )

    with workspace.state_file.lock(workspace.settings.lock_timeout):
        return run(apply_saved(workspace, doc, show=show, listener=report.tell))


def _is_plan_file(paths: tuple[str, ...]) -> bool:
    return len(paths) == 1 and Path(paths[0]).is_file() and not paths[0].endswith((".yaml", ".yml"))


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

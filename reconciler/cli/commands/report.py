"""clearsky-orders report"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import DAYS_OPTION, GRACE_OPTION, announce, run, settings_options
from reconciler.cli.output import say
from reconciler.engine import Settings, context_of, open_workspace, read_saved_plan, saved_view
from reconciler.engine.workspace import relative
from reconciler.errors import ClearskyOrdersError
from reconciler.files import folders_below


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@settings_options(changes=False)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="The folder index.html is written to (made if missing).",
)
@click.option(
    "--plan",
    "saved",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="PLAN.json",
    help="A saved plan (plan -o) to show as the latest plan.",
)
@DAYS_OPTION
@GRACE_OPTION
def report(settings: Settings, out: str, saved: str | None, days: int, grace: int) -> int:
    """Write a page of the account as it is: OUT/index.html.

    One self-contained HTML file (no script, nothing fetched from a network): a map of every
    managed order's area coloured by its health, the charges by month as a chart and a
    table, every managed order with its health, service status, area, recorded cost per
    month and last delivered date, the unmanaged and orphaned orders, and, with --plan, a
    saved plan. Changes nothing. Open it in a browser, or keep it as a CI artifact.

    \b
    Examples:
      clearsky-orders report --out build/report orders/
      clearsky-orders report --out build/report --plan plan.json orders/
    """
    from reconciler.engine.pull_index import write_atomically
    from reconciler.engine.report import account_report
    from reconciler.render.html import AccountView, report_html
    from reconciler.render.registry import plan_view

    latest = saved_view(read_saved_plan(saved)) if saved else None
    workspace = open_workspace(settings)
    announce(workspace.target, err=True)
    found = run(account_report(workspace, days=days, grace=grace))
    view = plan_view(found.plan, context_of(workspace))
    page = report_html(
        AccountView(
            today=found.today,
            source=view.doc.source,
            orders=found.orders,
            plan=view,
            saved=latest,
            currency=view.doc.summary.currency,
            days=days,
        )
    )
    folder = Path(out)
    try:
        folders_below(folder, folder)
        write_atomically(folder / "index.html", page.encode("utf-8"))
    except OSError as error:
        raise ClearskyOrdersError(
            f"cannot write {folder / 'index.html'}: {error.strerror or error}"
        ) from None
    say(f"Wrote {relative(folder / 'index.html')}: {len(found.orders)} managed order(s).")
    return 0

"""Several workspaces' plans as one output: a headline that sums them, then a section each.
Pure: (workspace, plan view) pairs in, text out.

- text and Markdown: one section per workspace, each its own plan as the single-workspace
  renderer draws it; the Markdown comment keeps one marker (a CI step finds one comment).
- JSON: {"workspaces": [{"path": ..., ...the plan document...}]}.
- HTML: one page, a section per workspace.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from html import escape

from reconciler.render.escape import md, plain
from reconciler.render.markdown import MARKER
from reconciler.render.registry import RenderOptions, render
from reconciler.render.text import money
from reconciler.render.view import PlanView

Section = tuple[str, PlanView]


def render_workspaces(fmt: str, views: Sequence[Section], options: RenderOptions) -> str:
    if fmt == "json":
        return json.dumps(
            {
                "workspaces": [
                    {"path": path, **view.doc.model_dump(mode="json", by_alias=True)}
                    for path, view in views
                ]
            },
            indent=2,
        )
    if fmt == "html":
        from reconciler.render.html import page, plan_sections

        body = [f"<h1>clearsky-orders: {escape(headline(views))}</h1>"]
        for number, (path, view) in enumerate(views):
            body.append(f"<section><h2>Workspace <code>{escape(plain(path))}</code></h2>")
            body += plan_sections(view, level=3, anchor=f"workspace-{number + 1}")
            body.append("</section>")
        return page("clearsky-orders plan", body)
    if fmt == "markdown":
        parts = [f"**clearsky-orders: {headline(views)}**", MARKER]
        for path, view in views:
            body = [x for x in render(fmt, view, options).splitlines() if x != MARKER]
            parts += ["", f"### Workspace `{md(path)}`", "", *body]
        return "\n".join(parts)
    parts = [f"{headline(views)}."]
    for path, view in views:
        parts += ["", f"=== workspace {plain(path)} ===", render(fmt, view, options)]
    return "\n".join(parts)


def headline(views: Sequence[Section]) -> str:
    """What the workspaces' plans do together: the sums of their headline figures."""
    docs = [view.doc for _, view in views]
    currency = docs[0].summary.currency if docs else "EUR"
    charge = round(math.fsum(d.summary.charge_at_apply for d in docs), 2)
    following = round(math.fsum(d.summary.next_month_cost for d in docs), 2)
    changing = sum(1 for d in docs if d.has_changes)
    return (
        f"{len(docs)} workspaces, {changing} with changes · apply charges "
        f"{money(charge, currency, sign=False)} now · next month {money(following, currency)}"
    )

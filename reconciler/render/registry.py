"""The plan renderers by name: what `--format` offers, with one signature each.

render("text", view, RenderOptions(colour=True))
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.render.document import dump
from reconciler.render.html import plan_html
from reconciler.render.markdown import plan_markdown
from reconciler.render.text import plan_text
from reconciler.render.view import Areas, PlanView, RenderOptions, plan_view

Renderer = Callable[[PlanView, RenderOptions], str]


def plan_json(view: PlanView, options: RenderOptions) -> str:
    """The plan's machine form (schemas/plan.schema.json)."""
    return dump(view.doc).rstrip("\n")


RENDERERS: dict[str, Renderer] = {
    "text": plan_text,
    "json": plan_json,
    "markdown": plan_markdown,
    "html": plan_html,
}
"""Plan formats by name: what `--format` offers."""


def render(name: str, view: PlanView, options: RenderOptions | None = None) -> str:
    """The plan in the format called `name` (one of RENDERERS), without a final newline."""
    return RENDERERS[name](view, options or RenderOptions()).rstrip("\n")


__all__ = [
    "RENDERERS",
    "Areas",
    "PlanView",
    "RenderOptions",
    "Renderer",
    "plan_view",
    "render",
]

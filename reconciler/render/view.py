"""What a renderer is given: the plan's document, the shapes of its areas, and the options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shapely.geometry import MultiPolygon

from reconciler.planning.plan import Plan
from reconciler.render.document import ContextDoc, PlanDoc, to_document


@dataclass(frozen=True)
class Areas:
    """One change's areas: the desired order's and the live order's (None for tile orders)."""

    desired: MultiPolygon | None = None
    live: MultiPolygon | None = None


def _no_areas(index: int) -> Areas:
    return Areas()


@dataclass(frozen=True)
class PlanView:
    """A plan ready to render: its document and, change by change, the areas to draw (worked
    out for the changes a renderer draws: an unchanged AOI may be unread)."""

    doc: PlanDoc
    shapes: Callable[[int], Areas] = _no_areas

    def areas_of(self, index: int) -> Areas:
        return self.shapes(index) if index < len(self.doc.changes) else Areas()


@dataclass(frozen=True)
class RenderOptions:
    colour: bool = False
    verbose: bool = False
    """List unchanged orders too."""
    max_chars: int = 65_000
    """The longest comment a Markdown render may be (GitHub's limit is 65,536)."""


def plan_view(plan: Plan, context: ContextDoc | None = None, *, full: bool = False) -> PlanView:
    """The view of a plan made in this run: its shapes come from its specs. Orders left
    alone are documented lightly unless `full` (-v)."""
    changes = plan.changes

    def shapes(index: int) -> Areas:
        return Areas(changes[index].desired_shape, changes[index].live_shape)

    return PlanView(to_document(plan, context, full=full), shapes)

"""What a renderer is given: the plan's document, the shapes of its areas, and the options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import MultiPolygon

from reconciler.planning.plan import Plan
from reconciler.render.document import ContextDoc, PlanDoc, to_document


@dataclass(frozen=True)
class Areas:
    """One change's areas: the desired order's and the live order's (None for tile orders)."""

    desired: MultiPolygon | None = None
    live: MultiPolygon | None = None


@dataclass(frozen=True)
class PlanView:
    """A plan ready to render: its document and, change by change, the areas to draw."""

    doc: PlanDoc
    areas: Sequence[Areas] = ()

    def areas_of(self, index: int) -> Areas:
        return self.areas[index] if index < len(self.areas) else Areas()


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
    areas = [Areas(c.desired_shape, c.live_shape) for c in plan.changes]
    return PlanView(to_document(plan, context, full=full), tuple(areas))

"""Planning: pure functions from desired orders, live orders and state to a plan."""

from reconciler.domain.live import LiveOrder
from reconciler.planning.decide import Options, decide
from reconciler.planning.model import (
    Action,
    CancelEffect,
    Cancellation,
    Change,
    Cost,
    MonthCost,
    Seen,
    StateEntry,
)
from reconciler.planning.money import Timeline, timeline, with_money
from reconciler.planning.plan import Inputs, Plan, Violation

__all__ = [
    "Action",
    "CancelEffect",
    "Cancellation",
    "Change",
    "Cost",
    "Inputs",
    "LiveOrder",
    "MonthCost",
    "Options",
    "Plan",
    "Seen",
    "StateEntry",
    "Timeline",
    "Violation",
    "decide",
    "timeline",
    "with_money",
]

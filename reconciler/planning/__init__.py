"""Planning: pure functions from desired orders, live orders and state to a plan."""

from reconciler.domain.live import LiveOrder
from reconciler.planning.costs import change_cost
from reconciler.planning.decide import Options, decide
from reconciler.planning.model import (
    Action,
    CancelEffect,
    Cancellation,
    Change,
    Cost,
    StateEntry,
)
from reconciler.planning.plan import Inputs, Plan, Violation

__all__ = [
    "Action",
    "CancelEffect",
    "Cancellation",
    "Change",
    "Cost",
    "Inputs",
    "LiveOrder",
    "Options",
    "Plan",
    "StateEntry",
    "Violation",
    "change_cost",
    "decide",
]

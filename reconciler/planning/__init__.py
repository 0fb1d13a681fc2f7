"""Planning: pure functions from desired orders, live orders and state to a plan."""

from reconciler.planning.costs import change_cost
from reconciler.planning.model import (
    Action,
    Cancellation,
    Change,
    Cost,
    LiveOrder,
    StateEntry,
)
from reconciler.planning.plan import Inputs, Plan
from reconciler.planning.planner import Options, decide

__all__ = [
    "Action",
    "Cancellation",
    "Change",
    "Cost",
    "Inputs",
    "LiveOrder",
    "Options",
    "Plan",
    "StateEntry",
    "change_cost",
    "decide",
]

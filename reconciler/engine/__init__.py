"""The engine: load -> refresh -> plan -> check -> apply. No parsing, no rendering."""

from reconciler.engine.apply import ApplyReport, apply_plan
from reconciler.engine.planning import Snapshot, make_plan, snapshot
from reconciler.engine.prefetch import plan_paths
from reconciler.engine.target import SANDBOX_KEY, Target

__all__ = [
    "SANDBOX_KEY",
    "ApplyReport",
    "Snapshot",
    "Target",
    "apply_plan",
    "make_plan",
    "plan_paths",
    "snapshot",
]

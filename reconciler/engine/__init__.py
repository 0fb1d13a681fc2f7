"""The engine: load -> refresh -> plan -> guard -> apply. No argument parsing, no rendering.

workspace = open_workspace(Settings(paths=("orders",), sandbox=True))
plan = asyncio.run(plan_only(workspace))
"""

from reconciler.engine.apply import ApplyReport, apply_plan
from reconciler.engine.guard import raise_if_unsafe, refusal
from reconciler.engine.ownership import (
    Imported,
    forget_order,
    import_order,
    migrate_state,
    move_entry,
    restore_state,
    seal_state,
)
from reconciler.engine.plan import Snapshot, make_plan, plan_workspace, snapshot
from reconciler.engine.runs import ApplyResult, apply_manifests, apply_saved, plan_only
from reconciler.engine.saved import context_of, read_saved_plan, saved_settings, saved_view
from reconciler.engine.target import SANDBOX_KEY, Target
from reconciler.engine.workspace import Settings, Workspace, open_workspace, state_file_for

__all__ = [
    "SANDBOX_KEY",
    "ApplyReport",
    "ApplyResult",
    "Imported",
    "Settings",
    "Snapshot",
    "Target",
    "Workspace",
    "apply_manifests",
    "apply_plan",
    "apply_saved",
    "context_of",
    "forget_order",
    "import_order",
    "make_plan",
    "migrate_state",
    "move_entry",
    "open_workspace",
    "plan_only",
    "plan_workspace",
    "raise_if_unsafe",
    "read_saved_plan",
    "refusal",
    "restore_state",
    "saved_settings",
    "saved_view",
    "seal_state",
    "snapshot",
    "state_file_for",
]

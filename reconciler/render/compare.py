"""What differs between a reviewed plan and the plan now: changes added or gone, and costs
that moved. Pure: two plan documents in, lines out."""

from __future__ import annotations

from reconciler.render.document import ChangeDoc, PlanDoc
from reconciler.render.escape import plain
from reconciler.render.text import money

MAX_LINES = 40


def _key(change: ChangeDoc) -> tuple[str, str, str]:
    return (change.action.value, change.name, change.order_guid or "")


def _label(change: ChangeDoc) -> str:
    return plain(f"{change.action.value} {change.name or change.order_guid or '?'}")


def _monthly(change: ChangeDoc) -> float:
    return change.estimate.next_month_cost if change.estimate else 0.0


def compare_lines(reviewed: PlanDoc, now: PlanDoc) -> list[str]:
    """One line per difference, most telling first; one line when there is none."""
    head = f"Compared with the reviewed plan ({reviewed.checksum[:12]}):"
    if reviewed.checksum == now.checksum:
        return [f"{head} the same plan; apply --expect-checksum accepts it."]
    before = {_key(c): c for c in reviewed.changes if c.action.value not in ("noop", "unmanaged")}
    after = {_key(c): c for c in now.changes if c.action.value not in ("noop", "unmanaged")}
    lines = [f"{head} it differs; apply --expect-checksum {reviewed.checksum[:12]}... refuses it."]
    lines += [f"  + new: {_label(after[k])}" for k in sorted(after.keys() - before.keys())]
    lines += [f"  - gone: {_label(before[k])}" for k in sorted(before.keys() - after.keys())]
    currency = now.summary.currency
    for key in sorted(before.keys() & after.keys()):
        old, new = _monthly(before[key]), _monthly(after[key])
        if round(old - new, 2) != 0:
            lines.append(
                f"  ~ {_label(after[key])}: per month {money(old, currency)} -> "
                f"{money(new, currency)}"
            )
        elif before[key].warnings != after[key].warnings or before[key].error != after[key].error:
            lines.append(f"  ~ {_label(after[key])}: its warnings or error changed")
    old_total, new_total = reviewed.summary.next_month_cost, now.summary.next_month_cost
    if round(old_total - new_total, 2) != 0:
        lines.append(
            f"  total per month: {money(old_total, currency)} -> {money(new_total, currency)}"
        )
    if [v.message for v in reviewed.violations] != [v.message for v in now.violations]:
        lines.append(f"  guardrails: {len(reviewed.violations)} -> {len(now.violations)} broken")
    if len(lines) == 1:
        lines.append("  the notes, the state's trust or the inputs changed (see the plan)")
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], f"  ... and {len(lines) - MAX_LINES + 1} more"]
    return lines

"""What differs between a reviewed plan and the plan now: changes added or gone, the fields of
a desired spec that moved, and the money (at apply, next month, in all). Pure: two plan
documents in, lines out."""

from __future__ import annotations

import json

from reconciler.render.document import ChangeDoc, PlanDoc
from reconciler.render.escape import plain
from reconciler.render.text import money

MAX_LINES = 40


def _key(change: ChangeDoc) -> tuple[str, str, str]:
    return (change.action.value, change.name, change.order_guid or "")


def _label(change: ChangeDoc) -> str:
    return plain(f"{change.action.value} {change.name or change.order_guid or '?'}")


def _figures(change: ChangeDoc) -> tuple[tuple[str, float], ...]:
    """What a change moves, in the plan's words: what apply charges now, next month's change,
    and the new order's own cost in all."""
    e = change.estimate
    return (
        ("at apply", e.current_month_cost if e else 0.0),
        ("next month", e.next_month_cost if e else 0.0),
        ("in all", change.gross_cost or 0.0),
    )


def _money_moves(before: ChangeDoc, after: ChangeDoc, currency: str) -> str:
    moved = []
    for (label, old), (_, new) in zip(_figures(before), _figures(after), strict=True):
        if round(old - new, 2) != 0:
            moved.append(f"{label} {money(old, currency)} -> {money(new, currency)}")
    return "; ".join(moved)


def _field_moves(before: ChangeDoc, after: ChangeDoc) -> str:
    """The desired spec's fields that differ between the two plans."""
    old, new = before.desired or {}, after.desired or {}
    moved = [
        f"{plain(key)} {plain(_short(old.get(key)))} -> {plain(_short(new.get(key)))}"
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]
    return ", ".join(moved[:8]) + (f" and {len(moved) - 8} more" if len(moved) > 8 else "")


def _short(value: object, limit: int = 40) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
        b, a = before[key], after[key]
        fields, moved = _field_moves(b, a), _money_moves(b, a, currency)
        if fields:
            lines.append(f"  ~ {_label(a)}: {fields}")
        if moved:
            lines.append(f"  ~ {_label(a)}: {moved}")
        if not (fields or moved) and (b.warnings != a.warnings or b.error != a.error):
            lines.append(f"  ~ {_label(a)}: its warnings or error changed")
    totals = [
        ("at apply", reviewed.summary.charge_at_apply, now.summary.charge_at_apply),
        ("next month", reviewed.summary.next_month_cost, now.summary.next_month_cost),
        ("new orders in all", reviewed.summary.total_commitment, now.summary.total_commitment),
    ]
    moved_totals = [
        f"{label} {money(old, currency)} -> {money(new, currency)}"
        for label, old, new in totals
        if round(old - new, 2) != 0
    ]
    if moved_totals:
        lines.append("  total: " + "; ".join(moved_totals))
    if [v.message for v in reviewed.violations] != [v.message for v in now.violations]:
        lines.append(f"  guardrails: {len(reviewed.violations)} -> {len(now.violations)} broken")
    if len(lines) == 1:
        lines.append("  the notes, the state's trust or the inputs changed (see the plan)")
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], f"  ... and {len(lines) - MAX_LINES + 1} more"]
    return lines

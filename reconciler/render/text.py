"""The plan for a terminal, in Terraform's spirit: + create, - cancel, -/+ replace."""

from __future__ import annotations

import textwrap
from typing import Any

from reconciler.planning.model import CancelEffect
from reconciler.render.document import ChangeDoc, PlanDoc
from reconciler.render.escape import plain
from reconciler.render.view import PlanView, RenderOptions

SYMBOLS = {
    "create": "+",
    "cancel": "-",
    "replace": "-/+",
    "adopt": "=",
    "move": ">",
    "noop": " ",
    "unmanaged": "?",
    "orphaned": "!",
}
COLOURS = {
    "create": "green",
    "cancel": "red",
    "replace": "yellow",
    "adopt": "cyan",
    "move": "cyan",
    "unmanaged": "magenta",
    "orphaned": "red",
}
_ANSI = {
    "green": "32",
    "red": "31",
    "yellow": "33",
    "cyan": "36",
    "magenta": "35",
    "bold": "1",
    "dim": "2",
}


def money(amount: float, currency: str, *, sign: bool = True) -> str:
    text = f"{abs(amount):,.2f} {currency}"
    if not sign:
        return text
    return f"-{text}" if amount < 0 else f"+{text}"


def plan_text(view: PlanView, options: RenderOptions) -> str:
    """The whole plan; unchanged orders are counted, and listed only when `verbose`."""
    doc, verbose = view.doc, options.verbose
    paint = _painter(options.colour)
    lines: list[str] = []
    if doc.state_warning:
        lines.append(paint("red", state_warning_text(doc)))
    if doc.has_changes:
        lines += _fitted(charge_line(doc).split("; "), "")
    shown = [c for c in doc.changes if c.action.value != "noop" or verbose or c.warnings or c.error]
    width = max((len(_who(c)) for c in shown), default=0)
    for change in shown:
        lines.extend(_change(change, paint, width))
    if shown:
        lines.append("")
    lines += _words(summary_line(doc))
    lines += _fitted(cost_line(doc).split("; "), "")
    lines.extend(timeline_lines(doc))
    for note in doc.notes:
        lines += _words(f"Note: {plain(note)}")
    legend = _legend(shown)
    if legend:
        lines.append(legend)
    if _approximate(doc, shown):
        lines += _words(MARKS)
    if doc.summary.errors:
        lines.append(
            paint("red", f"{doc.summary.errors} change(s) cannot be applied: see the errors above.")
        )
    if doc.violations:
        count = len(doc.violations)
        lines.append(paint("red", f"The plan breaks {count} guardrail(s); apply refuses it:"))
        lines.extend(
            paint("red", f"  - {plain(v.rule)}: {plain(v.message)}") for v in doc.violations
        )
    lines.append(paint("dim", f"Checksum: {doc.checksum}"))
    return "\n".join(lines)


def state_warning_text(doc: PlanDoc) -> str:
    entries = doc.untrusted_entries
    listed = ", ".join(plain(n) for n in entries[:20])
    more = f" and {len(entries) - 20} more" if len(entries) > 20 else ""
    untrusted = f" Untrusted entries: {listed}{more}." if entries else ""
    return (
        f"WARNING: {plain(doc.state_warning)}.{untrusted} They lift no protection and lower no "
        "cost until accepted with 'clearsky-orders state seal'."
    )


def summary_line(doc: PlanDoc) -> str:
    s = doc.summary
    if not doc.has_changes:
        extra = f" {s.unmanaged} unmanaged order(s) left alone." if s.unmanaged else ""
        if s.orphaned:
            extra += (
                f" But {s.orphaned} orphaned order(s) are running and owned by nobody: "
                "--prune-orphans cancels them."
            )
        return f"No changes. The account matches the manifests ({s.noop} order(s)).{extra}"
    parts = [
        f"{s.create} to create",
        f"{s.replace} to replace",
        f"{s.cancel} to cancel",
        f"{s.adopt} to adopt",
        *([f"{s.move} to move"] if s.move else []),
        f"{s.noop} unchanged",
    ]
    if s.orphaned:
        parts.append(f"{s.orphaned} orphaned")
    if s.unmanaged:
        parts.append(f"{s.unmanaged} unmanaged")
    return "Plan: " + ", ".join(parts) + "."


MARKS = "~ marks a figure derived from an estimate, not quoted by it (the JSON plan says how)."


def charge_line(doc: PlanDoc) -> str:
    """The plan's first line: what apply charges now, and the change per month from when."""
    s = doc.summary
    line = f"Apply charges {money(s.charge_at_apply, s.currency, sign=False)} now"
    line += f"; next month {money(s.next_month_cost, s.currency)}"
    ahead = s.largest_change_ahead
    if ahead is not None and ahead.month != (s.months[1].month if s.months[1:] else ""):
        line += (
            f"; the largest monthly change ahead {money(ahead.change, s.currency)} in {ahead.month}"
        )
    if s.credits is not None:
        c = s.credits
        state = "enough" if c.enough else "NOT ENOUGH"
        line += (
            f"; the account has {money(c.balance, s.currency, sign=False)} of order credits "
            f"and {money(c.overdraft, s.currency, sign=False)} overdraft ({state})"
        )
    return line + "."


def cost_line(doc: PlanDoc) -> str:
    s = doc.summary
    line = (
        f"Cost: at apply {money(s.charge_at_apply, s.currency)}, "
        f"next month {money(s.next_month_cost, s.currency)}"
    )
    ahead = s.largest_change_ahead
    if ahead is not None:
        line += f"; largest monthly change ahead {money(ahead.change, s.currency)} in {ahead.month}"
    if s.total_commitment:
        line += f"; new orders {money(s.total_commitment, s.currency, sign=False)} in all"
    return line + "."


def timeline_lines(doc: PlanDoc) -> list[str]:
    """The managed orders' cost by month, before and after (only when the plan changes it)."""
    s = doc.summary
    if not any(m.change for m in s.months):
        return []
    lines = [f"Managed orders by month ({s.currency}): before -> after (change)"]
    for m in s.months:
        mark = "~" if m.approximate else " "
        lines.append(
            f"  {m.month} {mark}{m.before:>12,.2f} -> {m.after:>12,.2f}  "
            f"({money(m.change, '').strip()})"
        )
    if s.uncounted:
        lines.append(f"  not counted (no recorded estimate): {', '.join(s.uncounted)}")
    return lines


def billing_line(change: ChangeDoc) -> str | None:
    """What the change does to the charges, in the words of the plan's totals: at apply (what
    apply deducts now), next month (the change's effect on it), and the new order's own cost
    in all (gross); None when it touches no charge."""
    e = change.estimate
    if e is None:
        return None
    mark = "~" if e.approximate else ""
    at_apply = f"at apply {mark}{money(e.current_month_cost, e.currency)}"
    if change.coverage is not None:
        span = change.coverage.from_
        span += f" to {change.coverage.to}" if change.coverage.to != span else ""
        at_apply += f" (coverage {span})"
    parts = [at_apply, f"next month {mark}{money(e.next_month_cost, e.currency)}"]
    if change.gross_cost is not None:
        whose = "new order" if change.action.value == "replace" else "in all"
        parts.append(f"{whose} {money(change.gross_cost, e.currency, sign=False)}")
    if change.action.value in ("cancel", "replace") and any(m.cost < 0 for m in change.months):
        parts.append("what was charged is not refunded")
    return "; ".join(parts)


def _legend(shown: list[ChangeDoc]) -> str:
    """What each mark in front of a change means, for the marks this render shows."""
    used = [a for a in SYMBOLS if a != "noop" and any(c.action.value == a for c in shown)]
    if len(used) < 2 and all(a in ("create", "cancel") for a in used):
        return ""  # + and - speak for themselves
    return "Marks: " + ", ".join(f"{SYMBOLS[a]} {a}" for a in used) + "."


def _approximate(doc: PlanDoc, shown: list[ChangeDoc]) -> bool:
    """Whether a "~" appears on money in this render."""
    in_timeline = any(m.change for m in doc.summary.months) and any(
        m.approximate for m in doc.summary.months
    )
    in_changes = any(
        (c.estimate is not None and c.estimate.approximate)
        or any(m.derived for m in [m for m in c.months if m.cost][:2])
        for c in shown
    )
    return in_timeline or in_changes


def _who(change: ChangeDoc) -> str:
    guid = f" ({change.order_guid})" if change.order_guid else ""
    return plain(change.name or "(no manifest)") + plain(guid)


def _change(change: ChangeDoc, paint: Any, width: int) -> list[str]:
    action = change.action.value
    symbol = SYMBOLS[action]
    word = "unchanged" if action == "noop" else action
    head = f"{symbol:>3} {word:<9} {_who(change):<{width}}"
    facts = []
    if change.area_km2 is not None:
        facts.append(f"{change.area_km2:,.2f} km2")
    if change.images_per_month is not None:
        facts.append(f"{change.images_per_month:g} images/month")
    said = f"  {', '.join(facts)}" if facts else ""
    lines = [paint(COLOURS.get(action, ""), head) + said]
    if facts and len(head) + len(said) > WIDTH:  # name and action first, facts after
        lines = [paint(COLOURS.get(action, ""), head.rstrip()), f"      {', '.join(facts)}"]
    billing = billing_line(change)
    if billing:
        lines += _fitted(billing.split("; "), "      ")
    if change.drift:
        lines += _wrapped(f"drift: {plain(change.drift)}")
    if change.cancellation and change.cancellation.effect == CancelEffect.STOPS_RENEWAL:
        deadline = change.cancellation.deadline
        when = f"; cancel before {deadline:%Y-%m-%d %H:%M} UTC" if deadline else ""
        lines += _wrapped(f"stops renewing; runs until {change.cancellation.effective}{when}")
    for field, values in (change.diff or {}).items():
        lines.append(
            f"      ~ {plain(field)}: {plain(_short(values.get('old')))} -> "
            f"{plain(_short(values.get('new')))}" + _area_note(values)
        )
    for warning in change.warnings:
        lines += [paint("yellow", x) for x in _wrapped(f"warning: {plain(warning)}")]
    if change.error:
        lines += [paint("red", x) for x in _wrapped(f"error: {plain(change.error)}")]
    return lines


WIDTH = 80
"""Columns a change's lines fit in (a terminal's narrowest usual width)."""


def _fitted(parts: list[str], indent: str) -> list[str]:
    """`parts` joined by '; ' on lines of at most WIDTH columns (a part is never split)."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 2 + len(part) + 1 <= WIDTH:  # room for a ';' after
            lines[-1] += f"; {part}"
        else:
            if lines:
                lines[-1] += ";"
            lines.append(indent + part)
    return lines


def _words(text: str) -> list[str]:
    """A line of the plan's foot on lines of at most WIDTH columns, broken at words."""
    return textwrap.wrap(
        text, WIDTH, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
    )


def _wrapped(text: str) -> list[str]:
    """A warning or note on lines of at most WIDTH columns; a command it ends with
    ('...: clearsky-orders ...') stays whole on a line of its own, to be pasted as it is."""
    words, _, command = text.partition(": clearsky-orders ")
    lines = textwrap.wrap(
        words + (":" if command else ""),
        WIDTH,
        initial_indent="      ",
        subsequent_indent="        ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    if command:
        lines.append(f"      clearsky-orders {command}")
    return lines


def _area_note(values: dict[str, Any]) -> str:
    if "oldAreaKm2" in values:
        return f" ({values['oldAreaKm2']:,} km2 -> {values['newAreaKm2']:,} km2)"
    return ""


def _short(value: Any, limit: int = 60) -> str:
    text = (
        "null"
        if value is None
        else ", ".join(map(str, value))
        if isinstance(value, list)
        else str(value)
    )
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _painter(enabled: bool) -> Any:
    def paint(colour: str, text: str) -> str:
        code = _ANSI.get(colour)
        return f"\033[{code}m{text}\033[0m" if enabled and code else text

    return paint

"""The status report: text for a terminal, JSON for machines, Markdown for a scheduled CI
report. Pure: a report in, text out."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from reconciler.planning.health import BAD, Health, OrderHealth
from reconciler.render.escape import md, plain

ICONS = {
    Health.HEALTHY: "✅",
    Health.PROGRESSING: "⏳",
    Health.DEGRADED: "⚠️",
    Health.MISSING: "⛔",
    Health.ENDED: "⏹️",
}
MAX_DATES = 10


def _dates(days: tuple[date, ...]) -> str:
    shown = ", ".join(d.isoformat() for d in days[:MAX_DATES])
    return shown + (f" (+{len(days) - MAX_DATES} more)" if len(days) > MAX_DATES else "")


def _who(order: OrderHealth) -> str:
    return order.name or f"(unmanaged) {order.guid}"


def status_text(orders: tuple[OrderHealth, ...], today: date, days: int, grace: int) -> str:
    lines = []
    width = max((len(_who(o)) for o in orders), default=0)
    for order in orders:
        head = f"{order.health.value:<11} {plain(_who(order)):<{width}}"
        facts = [f"status {plain(order.status)}" if order.status else ""]
        if order.promised:
            facts.append(f"{len(order.delivered)}/{len(order.promised)} dates delivered")
        if order.next_expected:
            facts.append(f"next {order.next_expected.isoformat()}")
        lines.append(f"{head}  {', '.join(f for f in facts if f)}".rstrip())
        if order.missing:
            lines.append(f"    missing: {_dates(order.missing)}")
        if order.deadline:
            lines.append(f"    {plain(order.deadline)}")
        lines.extend(f"    {plain(r)}" for r in order.reasons)
    counts = {h: sum(1 for o in orders if o.health == h) for h in Health}
    summary = ", ".join(f"{n} {h.value.lower()}" for h, n in counts.items() if n)
    lines.append(
        f"Status on {today.isoformat()} (last {days} days and this month, grace {grace} "
        f"day(s)): {summary or 'no managed orders'}."
    )
    return "\n".join(lines)


def status_json(orders: tuple[OrderHealth, ...], today: date, days: int, grace: int) -> str:
    def row(o: OrderHealth) -> dict[str, Any]:
        return {
            "name": o.name,
            "orderGuid": o.guid,
            "health": o.health.value,
            "status": o.status,
            "promised": [d.isoformat() for d in o.promised],
            "delivered": [d.isoformat() for d in o.delivered],
            "missing": [d.isoformat() for d in o.missing],
            "late": [d.isoformat() for d in o.late],
            "nextExpected": o.next_expected.isoformat() if o.next_expected else None,
            "deadline": o.deadline,
            "reasons": list(o.reasons),
        }

    body = {
        "today": today.isoformat(),
        "days": days,
        "graceDays": grace,
        "healthy": not any(o.health in BAD for o in orders),
        "orders": [row(o) for o in orders],
    }
    return json.dumps(body, indent=2)


def status_markdown(orders: tuple[OrderHealth, ...], today: date, days: int, grace: int) -> str:
    bad = [o for o in orders if o.health in BAD]
    head = (
        f"**clearsky-orders status: {len(bad)} order(s) need attention**"
        if bad
        else f"**clearsky-orders status: all {len(orders)} order(s) healthy or progressing**"
    )
    lines = [
        head,
        "<!-- clearsky-orders:status -->",
        "",
        f"On {today.isoformat()}: the last {days} days and this month; dates missing for more "
        f"than {grace} day(s) count.",
        "",
        "| | order | health | delivered | missing | next |",
        "|---|---|---|---|---|---|",
    ]
    for o in orders[:200]:
        got = f"{len(o.delivered)}/{len(o.promised)}" if o.promised else ""
        lines.append(
            f"| {ICONS[o.health]} | {md(_who(o))} | {o.health.value} | {got} | "
            f"{md(_dates(o.missing))} | {o.next_expected.isoformat() if o.next_expected else ''} |"
        )
    if len(orders) > 200:
        lines.append(f"\n… and {len(orders) - 200} more orders (status --format json lists all).")
    return "\n".join(lines)


FORMATS = {"text": status_text, "json": status_json, "markdown": status_markdown}

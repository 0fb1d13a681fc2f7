"""The plan as a pull-request comment (GitHub or GitLab Markdown).

The first line counts the changes and says what they do to the bill; a table lists them; each
has a collapsible block with its field diff and warnings; a ```geojson block draws the changed
areas (created green, cancelled red, a replacement's old area red and new area green) as a map.
A hidden marker lets a CI step find and update its own comment. The body never exceeds
`RenderOptions.max_chars`: past that, the details go first, then rows, and the comment says how
many changes it left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from shapely.geometry import MultiPolygon

from reconciler.domain.geometry import to_geojson
from reconciler.planning.model import CancelEffect
from reconciler.render.document import ChangeDoc, PlanDoc
from reconciler.render.escape import fenced, md, plain
from reconciler.render.text import money
from reconciler.render.view import Areas, PlanView, RenderOptions

MARKER = "<!-- clearsky-orders:plan -->"
MAX_LISTED = 20
"""Violations, notes and warnings of one change listed in the comment before "and N more"."""
GREEN, RED = "#2da44e", "#cf222e"
ICONS = {
    "create": "🟩",
    "cancel": "🟥",
    "replace": "🔁",
    "adopt": "📌",
    "move": "🔀",
    "unmanaged": "❔",
    "orphaned": "🚨",
    "noop": "",
}


TABLE_HEAD = [
    "",
    "| | action | name | area km2 | images/month | at apply | next month | coverage | "
    "new order in all |",
    "|---|---|---|---:|---:|---:|---:|---|---:|",
]


@dataclass(frozen=True)
class _Parts:
    """The comment's pieces; `compose` fits as many rows, details and the map as the cap lets."""

    head: list[str]
    rows: list[str]
    details: list[str]
    map_block: str
    tail: list[str]
    limit: int
    totals: list[str]
    """The table's last row: the plan's totals (the sums of every change, listed or not)."""
    after_table: list[str]
    """What blocks or warns, then the timeline and the notes: read after the changes."""

    def compose(self, n_rows: int, n_details: int, with_map: bool) -> str:
        parts = list(self.head)
        if n_rows:
            parts += TABLE_HEAD + self.rows[:n_rows] + self.totals
        parts += self.after_table
        if n_details:
            parts += ["", "<details><summary>Details</summary>", "", *self.details[:n_details]]
            parts.append("</details>")
        if with_map and self.map_block:
            parts += ["", "```geojson", self.map_block, "```"]
        left_out = len(self.rows) - n_rows
        if left_out or n_details < n_rows:
            parts += [
                "",
                f"> ✂️ This comment is limited to {self.limit:,} characters: "
                f"{left_out} change(s) left out of the table"
                + (f", details of {n_rows - n_details} left out" if n_details < n_rows else "")
                + ("" if with_map or not self.map_block else ", map left out")
                + ". Run `clearsky-orders plan` for the whole plan.",
            ]
        return "\n".join(parts + self.tail) + "\n"

    def fitted(self) -> str:
        """Everything when it fits; else without the map, then fewer details, then rows."""
        full = self.compose(len(self.rows), len(self.details), True)
        if len(full) <= self.limit:
            return full
        n_rows, n_details = len(self.rows), len(self.details)
        while n_details and len(self.compose(n_rows, n_details, False)) > self.limit:
            n_details = max(0, n_details - max(1, n_details // 8))
        while n_rows and len(self.compose(n_rows, n_details, False)) > self.limit:
            n_rows = max(0, n_rows - max(1, n_rows // 8))
            n_details = min(n_details, n_rows)
        return self.compose(n_rows, n_details, False)


def plan_markdown(view: PlanView, options: RenderOptions) -> str:
    doc = view.doc
    shown = [
        (c, view.areas_of(i))
        for i, c in enumerate(doc.changes)
        if c.action.value != "noop" or c.warnings or c.error
    ]
    tail = [
        *_marks(doc, [c for c, _ in shown]),
        "",
        f"<sub>Checksum `{doc.checksum}` · apply exactly this plan with "
        f"`clearsky-orders apply --expect-checksum {doc.checksum}`</sub>",
    ]
    return _Parts(
        _head(doc),
        [_row(c) for c, _ in shown],
        [_details(c) for c, _ in shown],
        _map(shown),
        tail,
        options.max_chars,
        [_totals_row(doc)],
        [*_reasons([c for c, _ in shown]), *_timeline(doc), *_notes(doc)],
    ).fitted()


def _reasons(shown: list[ChangeDoc]) -> list[str]:
    """Each change's errors and warnings, visible under the table (not only in its details)."""
    lines = [
        f"- {icon} {_name(c)}: {md(text)}"
        for c in shown
        for icon, text in [*(("⛔", c.error),) * bool(c.error), *(("⚠️", w) for w in c.warnings)]
    ]
    if not lines:
        return []
    shown_lines = lines[:MAX_LISTED]
    more = (
        [f"- … and {len(lines) - MAX_LISTED} more (see the details)"] if lines[MAX_LISTED:] else []
    )
    return ["", *shown_lines, *more]


def _notes(doc: PlanDoc) -> list[str]:
    return [f"\n> 📝 {md(note)}" for note in doc.notes[:MAX_LISTED]]


def _kept(*cells: str) -> list[str]:
    """Cells kept on one line at comment width: a figure and its unit, a month span (no break
    at a space, nor after a month's hyphen)."""
    return [cell.replace(" ", "\u00a0").replace("-", "\u2011") if _SPAN.fullmatch(cell)
            else cell.replace(" ", "\u00a0") for cell in cells]  # fmt: skip


_SPAN = re.compile(r"\d{4}-\d{2}( to \d{4}-\d{2})?")


def _totals_row(doc: PlanDoc) -> str:
    s = doc.summary
    cells = [
        "",
        "**total**",
        "",
        "",
        "",
        *_kept(
            f"**{money(s.charge_at_apply, s.currency)}**",
            f"**{money(s.next_month_cost, s.currency)}**",
            "",
            f"**{money(s.total_commitment, s.currency, sign=False)}**",
        ),
    ]
    return "| " + " | ".join(cells) + " |"


def _marks(doc: PlanDoc, shown: list[ChangeDoc]) -> list[str]:
    """The explanation of ~, where a ~ appears."""
    months = doc.summary.months
    in_changes = any(c.estimate and c.estimate.approximate for c in shown)
    in_timeline = any(m.change for m in months) and any(m.approximate for m in months)
    if not (in_changes or in_timeline):
        return []
    return [
        "",
        "<sub>~ marks a figure derived from an estimate, not quoted by it "
        "(the JSON plan says how).</sub>",
    ]


def first_line(doc: PlanDoc) -> str:
    s = doc.summary
    if not doc.has_changes:
        orphans = f" · 🚨 {s.orphaned} orphaned order(s) running" if s.orphaned else ""
        return f"**clearsky-orders: no changes** ({s.noop} order(s) match the manifests){orphans}"
    counts = ", ".join(
        f"{n} to {a}"
        for a, n in (
            ("create", s.create),
            ("replace", s.replace),
            ("cancel", s.cancel),
            ("adopt", s.adopt),
            ("move", s.move),
        )
        if n
    )
    later = f" · next month {money(s.next_month_cost, s.currency)}"
    ahead = s.largest_change_ahead
    if ahead is not None and ahead.month != (s.months[1].month if s.months[1:] else ""):
        later += (
            f" · largest monthly change ahead {money(ahead.change, s.currency)} ({ahead.month})"
        )
    credits = ""
    if s.credits is not None and not s.credits.enough:
        credits = " · ⛔ not enough order credits"
    return (
        f"**clearsky-orders: {counts}** · apply charges "
        f"{money(s.charge_at_apply, s.currency, sign=False)} now{later}{credits}"
    )


def state_warning_line(doc: PlanDoc) -> str:
    """The plan's first line when the state was changed outside the tool."""
    entries = doc.untrusted_entries
    listed = ", ".join(md(n) for n in entries[:MAX_LISTED])
    more = f" and {len(entries) - MAX_LISTED} more" if len(entries) > MAX_LISTED else ""
    untrusted = f" Untrusted entries: {listed}{more}." if entries else ""
    return (
        f"**⚠️ {md(doc.state_warning)}.**{untrusted} They lift no protection and lower no cost "
        "until someone holding the API key accepts them (`clearsky-orders state seal`)."
    )


def _head(doc: PlanDoc) -> list[str]:
    lines = [first_line(doc), MARKER, ""]
    if doc.state_warning:
        lines.insert(0, state_warning_line(doc))
    lines.append(f"Plan against {md(doc.source or 'the ClearSKY API')} on {doc.today.isoformat()}.")
    if doc.summary.unmanaged:
        lines.append(f"{doc.summary.unmanaged} unmanaged order(s) in the account are left alone.")
    if doc.summary.errors:
        lines.append(f"\n**⛔ {doc.summary.errors} change(s) cannot be applied** (see details).")
    if doc.violations:
        lines.append(
            f"\n**⛔ The plan breaks {len(doc.violations)} guardrail(s); apply refuses it:**"
        )
        shown = doc.violations[:MAX_LISTED]
        lines.extend(f"- {md(v.rule)}: {md(v.message)}" for v in shown)
        if len(doc.violations) > len(shown):
            lines.append(f"- … and {len(doc.violations) - len(shown)} more (run plan to see all)")
    return lines


def _timeline(doc: PlanDoc) -> list[str]:
    s = doc.summary
    if not any(m.change for m in s.months):
        return []
    rows = [
        f"| {m.month} | {m.before:,.2f} | {m.after:,.2f} | "
        f"{'~' if m.approximate else ''}{money(m.change, '').strip()} |"
        for m in s.months
    ]
    commits = (
        f" The new orders cost {money(s.total_commitment, s.currency, sign=False)} in all."
        if s.total_commitment
        else ""
    )
    uncounted = (
        f" Not counted (no recorded estimate): {', '.join(s.uncounted)}." if s.uncounted else ""
    )
    return [
        "",
        f"Charges of the managed orders by month ({s.currency}), before and after this plan; "
        f"the month of apply carries what apply deducts.{commits}{uncounted}",
        "",
        f"| month | before ({s.currency}) | after ({s.currency}) | change ({s.currency}) |",
        "|---|---:|---:|---:|",
        *rows,
    ]


def _name(change: ChangeDoc) -> str:
    return md(change.name) if change.name else f"(no manifest) {md(change.order_guid)}"


def change_figures(change: ChangeDoc) -> tuple[str, str, str, str]:
    """A change's money cells, as every table shows them: at apply, next month (~ when
    derived), the months its charge covers, and the new order's own cost in all."""
    e = change.estimate
    now = (("~" if e.approximate else "") + money(e.current_month_cost, e.currency)) if e else ""
    nxt = (("~" if e.approximate else "") + money(e.next_month_cost, e.currency)) if e else ""
    cover = change.coverage
    span = ""
    if cover is not None:
        span = cover.from_ if cover.to == cover.from_ else f"{cover.from_} to {cover.to}"
    gross = (
        money(change.gross_cost, e.currency, sign=False)
        if e and change.gross_cost is not None
        else ""
    )
    return now, nxt, span, gross


def _row(change: ChangeDoc) -> str:
    area = f"{change.area_km2:,.2f}" if change.area_km2 is not None else "tiles"
    images = f"{change.images_per_month:g}" if change.images_per_month is not None else ""
    now, nxt, span, gross = change_figures(change)
    flag = " ⚠️" if change.warnings else ""
    flag += " ⛔" if change.error else ""
    action = change.action.value
    cells = [
        ICONS[action],
        action,
        _name(change) + flag,
        area,
        images,
        *_kept(now, nxt, span, gross),
    ]
    return "| " + " | ".join(cells) + " |"


def _details(change: ChangeDoc) -> str:
    lines = [f"<details><summary>{change.action.value} {_name(change)}</summary>", ""]
    if change.order_guid:
        lines.append(f"Order {md(change.order_guid)}.")
    if change.drift:
        lines.append(f"Drift: {md(change.drift)}.")
    if change.action.value == "create" and change.desired:
        lines.append(_buys(change))
    if change.cancellation and change.cancellation.effect == CancelEffect.STOPS_RENEWAL:
        deadline = change.cancellation.deadline
        when = f"; cancel before {deadline:%Y-%m-%d %H:%M} UTC" if deadline else ""
        lines.append(f"Stops renewing: runs until {change.cancellation.effective}{when}.")
    if change.diff:
        lines += ["", "```diff"]
        for field, values in change.diff.items():
            lines.append(f"- {fenced(field)}: {fenced(_short(values.get('old')))}")
            lines.append(f"+ {fenced(field)}: {fenced(_short(values.get('new')))}")
        lines.append("```")
    for warning in change.warnings[:MAX_LISTED]:
        lines.append(f"- ⚠️ {md(warning)}")
    if len(change.warnings) > MAX_LISTED:
        lines.append(f"- ⚠️ … and {len(change.warnings) - MAX_LISTED} more warnings")
    if change.error:
        lines.append(f"- ⛔ {md(change.error)}")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _buys(change: ChangeDoc) -> str:
    """What a new order buys, in one sentence: model, constellations, cadence, dates, area."""
    spec = change.desired or {}
    kinds = ", ".join(md(str(c)) for c in spec.get("constellations", [])[:10]) or "?"
    until = f"until {md(str(spec['to']))}" if spec.get("to") else "renewing every month"
    area = f"{change.area_km2:,.2f} km2" if change.area_km2 is not None else "its tiles"
    aoi = spec.get("aoi") or {}
    if isinstance(aoi, dict) and aoi.get("tiles") is not None:
        area += (
            f" ({len(aoi.get('tiles') or [])} tiles, {len(aoi.get('miniTiles') or [])} minitiles)"
        )
    return (
        f"Buys {md(str(spec.get('model', '?')))} images from {kinds}, one every "
        f"{md(str(spec.get('imageFrequency', '?')))} days, from {md(str(spec.get('from', '?')))} "
        f"{until}, over {area}."
    )


def _short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _map(changes: list[tuple[ChangeDoc, Areas]]) -> str:
    features = []
    for change, areas in changes:
        action = change.action.value
        if action in ("create", "replace") and areas.desired is not None:
            new = " (new)" if action == "replace" else ""
            features.append(_feature(areas.desired, plain(f"{action} {change.name}{new}"), GREEN))
        if action in ("cancel", "replace") and areas.live is not None:
            old = " (old)" if action == "replace" else ""
            title = plain(f"{action} {change.name or change.order_guid}{old}")
            features.append(_feature(areas.live, title, RED))
    if not features:
        return ""
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


def _feature(geometry: MultiPolygon, title: str, colour: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": to_geojson(geometry),
        "properties": {
            "title": title,
            "stroke": colour,
            "fill": colour,
            "fill-opacity": 0.3,
            "stroke-width": 2,
        },
    }

"""Self-contained HTML pages: the plan (`plan --format html`) and the account (`report`).

One file each: inline CSS and inline SVG, no script, no font and no image from any network, so
that a page works as a CI artifact, in an email and offline. A map of the areas and a chart of
the monthly charges come first, then tables with real table semantics; every figure is the
plan document's own (the JSON plan's), and every text that came from a manifest, the state or
the service is escaped. Headings, captions, alt text (an SVG title and description) and
colours that are also told apart by hatching and outline keep it readable to a screen reader,
on a phone (375 px) and in greyscale print.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from shapely.geometry import MultiPolygon

from reconciler.render.document import ChangeDoc, PlanDoc
from reconciler.render.escape import plain
from reconciler.render.markdown import change_figures, first_line
from reconciler.render.svg import Bar, Shape, chart_svg, legend_html, map_svg
from reconciler.render.text import money
from reconciler.render.view import PlanView, RenderOptions

CSS = """
:root{color-scheme:light;--ink:#1f2328;--muted:#59636e;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;
border-bottom:1px solid var(--line);padding-bottom:.2rem}
.headline{font-size:1.05rem;font-weight:600}
.checksum{color:var(--muted);font-size:.85rem;overflow-wrap:anywhere}
code{font:.85em ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--soft);
padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}
figure{margin:0}svg{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#24292f}svg .inset{font-weight:600}
svg .label{font-size:12px;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.scroll svg.chart{min-width:640px}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1rem;list-style:none;padding:0;margin:.4rem 0}
.legend li{display:flex;align-items:center;gap:.3rem}.legend svg{display:inline}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.9rem}
caption{text-align:left;color:var(--muted);padding:.2rem 0;caption-side:top}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--soft)}td.num,th.num{text-align:right;white-space:nowrap}
tfoot th,tfoot td{font-weight:700;background:var(--soft)}
.warn{color:#7d4e00}.stop{color:#82071e;font-weight:600}
.health{font-weight:600}
@media (max-width:600px){body{font-size:14px}main{padding:8px}th,td{padding:.25rem .35rem}}
@media print{.scroll{overflow:visible}a{color:inherit}h2{break-after:avoid}
table,figure{break-inside:avoid}}
"""


def page(title: str, body: Iterable[str]) -> str:
    """A whole document around `body` (markup already escaped)."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">",
            f"<title>{escape(title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            *body,
            "</main>",
            "</body>",
            "</html>",
        ]
    )


def text(value: object, limit: int = 500) -> str:
    """Untrusted text as HTML: one line, no control characters, escaped."""
    return escape(plain(value, limit))


def _headline(doc: PlanDoc) -> str:
    """The Markdown first line, as plain words (its ** marks dropped)."""
    return text(first_line(doc).replace("**", ""), 1000)


# -- the plan ---------------------------------------------------------------------------------


def plan_html(view: PlanView, options: RenderOptions) -> str:
    """The plan as a page: headline and checksum, a map of the changed areas, the changes, the
    charges by month (chart and table), notes."""
    doc = view.doc
    return page(f"clearsky-orders plan {doc.checksum[:12]}", plan_sections(view, level=1))


def plan_sections(view: PlanView, *, level: int = 1, anchor: str = "plan") -> list[str]:
    """The plan's sections; `level` is its heading's (2 when it sits inside a report)."""
    doc = view.doc
    h, sub = f"h{level}", f"h{level + 1}"
    parts = [
        f'<{h} id="{anchor}">clearsky-orders plan</{h}>',
        f'<p class="headline">{_headline(doc)}</p>',
        f"<p>Plan against {text(doc.source or 'the ClearSKY API')} on {doc.today.isoformat()}.</p>",
        f'<p class="checksum">Checksum <code>{escape(doc.checksum)}</code> · apply exactly this '
        f"plan with <code>clearsky-orders apply --expect-checksum {escape(doc.checksum)}</code>"
        "</p>",
    ]
    parts += _blocking(doc)
    shown = [
        (c, i)
        for i, c in enumerate(doc.changes)
        if c.action.value != "noop" or c.warnings or c.error or len(doc.changes) <= 200
    ]
    shapes, undrawn = _plan_shapes(view, [i for _, i in shown])
    parts += _map_section(
        sub,
        f"{anchor}-map",
        shapes,
        undrawn,
        "Map of the plan's areas",
        f"{len(shapes)} area(s): new orders solid green, cancelled ones hatched red with a "
        "dashed outline, unchanged ones grey.",
    )
    parts += [f'<{sub} id="{anchor}-changes">Changes</{sub}>', _changes_table(doc, shown)]
    parts += _cost_section(doc, sub, f"{anchor}-cost")
    if doc.notes:
        parts += [
            f"<{sub}>Notes</{sub}>",
            "<ul>" + "".join(f"<li>{text(n)}</li>" for n in doc.notes) + "</ul>",
        ]
    return parts


def _blocking(doc: PlanDoc) -> list[str]:
    parts = []
    if doc.state_warning:
        parts.append(f'<p class="stop">⚠ {text(doc.state_warning)}.</p>')
    if doc.summary.errors:
        parts.append(f'<p class="stop">⛔ {doc.summary.errors} change(s) cannot be applied.</p>')
    if doc.violations:
        parts.append(
            f'<p class="stop">⛔ The plan breaks {len(doc.violations)} guardrail(s); apply '
            "refuses it:</p><ul>"
            + "".join(f"<li>{text(v.rule)}: {text(v.message)}</li>" for v in doc.violations)
            + "</ul>"
        )
    return parts


def _plan_shapes(view: PlanView, indexes: Sequence[int]) -> tuple[list[Shape], list[str]]:
    shapes, undrawn = [], []
    for index in indexes:
        change = view.doc.changes[index]
        areas = view.areas_of(index)
        action = change.action.value
        name = change.name or change.order_guid or "?"
        drawn = False
        if action in ("create", "replace") and areas.desired is not None:
            shapes.append(Shape(f"{action} {name}", "new", areas.desired))
            drawn = True
        if action in ("cancel", "replace", "orphaned") and areas.live is not None:
            shapes.append(Shape(f"{action} {name}", "old", areas.live))
            drawn = True
        if action in ("noop", "adopt", "move", "unmanaged"):
            area = areas.desired or areas.live
            if area is not None:
                shapes.append(Shape(f"{action} {name}", "unchanged", area))
                drawn = True
        if not drawn:
            undrawn.append(name)
    return shapes, undrawn


def _map_section(
    h: str,
    anchor: str,
    shapes: Sequence[Shape],
    undrawn: Sequence[str],
    title: str,
    description: str,
) -> list[str]:
    parts = [f'<{h} id="{anchor}">Where</{h}>']
    svg = map_svg(shapes, ident=f"{anchor}-svg", title=title, description=description)
    if not svg:
        parts.append("<p>No area to draw.</p>")
    else:
        caption = legend_html([s.kind for s in shapes], f"{anchor}-svg")
        if undrawn:
            caption += (
                f"<p>Not drawn (no area known here): {text(', '.join(undrawn[:50]), 2000)}"
                + (f" and {len(undrawn) - 50} more" if len(undrawn) > 50 else "")
                + ".</p>"
            )
        parts.append(f"<figure>{svg}<figcaption>{caption}</figcaption></figure>")
    return parts


def _changes_table(doc: PlanDoc, shown: Sequence[tuple[ChangeDoc, int]]) -> str:
    s = doc.summary
    rows = [_change_row(c) for c, _ in shown]
    left = len(doc.changes) - len(shown)
    more = (
        f'<tr><td colspan="8">… and {left} unchanged order(s) (plan -v lists them)</td></tr>'
        if left
        else ""
    )
    return (
        f"<p>Each change, what apply charges for it now, its effect on next month's bill and "
        f"the new order's own cost ({escape(s.currency)}); ~ marks a figure derived from an "
        "estimate.</p>"
        '<div class="scroll"><table class="changes"><caption>Changes</caption>'
        '<thead><tr><th scope="col">Order</th><th scope="col">Action</th>'
        '<th scope="col" class="num">Area km²</th><th scope="col" class="num">Images/month</th>'
        '<th scope="col" class="num">At apply</th><th scope="col" class="num">Next month</th>'
        '<th scope="col">Coverage</th><th scope="col" class="num">New order in all</th></tr>'
        f"</thead><tbody>{''.join(rows)}{more}</tbody>"
        '<tfoot><tr><th scope="row" colspan="4">Total</th>'
        f'<td class="num" data-total="at-apply">{money(s.charge_at_apply, s.currency)}</td>'
        f'<td class="num" data-total="next-month">{money(s.next_month_cost, s.currency)}</td>'
        "<td></td>"
        f'<td class="num" data-total="in-all">'
        f"{money(s.total_commitment, s.currency, sign=False)}</td></tr></tfoot></table></div>"
    )


def _change_row(change: ChangeDoc) -> str:
    now, nxt, span, gross = change_figures(change)
    spec = change.desired or change.live or {}
    tiled = isinstance(spec.get("aoi"), dict) and "wkt" not in spec["aoi"]
    area = f"{change.area_km2:,.2f}" if change.area_km2 is not None else "tiles" if tiled else ""
    images = f"{change.images_per_month:g}" if change.images_per_month is not None else ""
    name = text(change.name) if change.name else f"(no manifest) {text(change.order_guid)}"
    notes = "".join(f'<div class="warn">⚠ {text(w)}</div>' for w in change.warnings[:20])
    if change.error:
        notes += f'<div class="stop">⛔ {text(change.error)}</div>'
    return (
        f'<tr data-name="{text(change.name)}" data-action="{change.action.value}">'
        f'<th scope="row">{name}{notes}</th><td>{change.action.value}</td>'
        f'<td class="num">{area}</td><td class="num">{images}</td>'
        f'<td class="num">{escape(now)}</td><td class="num">{escape(nxt)}</td>'
        f'<td>{escape(span)}</td><td class="num">{escape(gross)}</td></tr>'
    )


def _cost_section(doc: PlanDoc, h: str, anchor: str) -> list[str]:
    s = doc.summary
    if not s.months:
        return []
    bars = [Bar(m.month, m.before, m.after) for m in s.months]
    changed = any(m.change for m in s.months)
    chart = chart_svg(
        bars,
        ident=f"{anchor}-chart",
        title="Charges of the managed orders by month, before and after this plan",
        description=(
            f"{len(bars)} months from {bars[0].month} to {bars[-1].month}; "
            + (
                "the plan changes the bill."
                if changed
                else "the plan leaves the bill as it is (before equals after)."
            )
        ),
        currency=s.currency,
    )
    rows = "".join(
        f'<tr><th scope="row">{escape(m.month)}</th><td class="num">{m.before:,.2f}</td>'
        f'<td class="num">{m.after:,.2f}</td><td class="num">'
        f"{'~' if m.approximate else ''}{escape(money(m.change, '').strip())}</td></tr>"
        for m in s.months
    )
    uncounted = (
        f"<p>Not counted (no recorded estimate): {text(', '.join(s.uncounted), 2000)}.</p>"
        if s.uncounted
        else ""
    )
    return [
        f'<{h} id="{anchor}">Charges by month</{h}>',
        f'<figure><div class="scroll">{chart}</div><figcaption>The month of apply carries '
        f"what apply deducts.</figcaption></figure>{uncounted}",
        '<div class="scroll"><table class="months"><caption>Charges of the managed orders by '
        f'month ({escape(s.currency)})</caption><thead><tr><th scope="col">Month</th>'
        '<th scope="col" class="num">Before</th><th scope="col" class="num">After</th>'
        f'<th scope="col" class="num">Change</th></tr></thead><tbody>{rows}</tbody></table>'
        "</div>",
    ]


# -- the account ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRow:
    """A managed order as the report shows it."""

    name: str
    guid: str | None
    health: str
    status: str = ""
    area_km2: float | None = None
    next_month: float | None = None
    """What the order is charged next month (EUR) by its recorded estimate; None when
    nothing is recorded. A bounded order, paid when it was made, is charged nothing."""
    last_delivered: date | None = None
    next_expected: date | None = None
    deadline: str = ""
    shape: MultiPolygon | None = None


@dataclass(frozen=True)
class AccountView:
    """The account as it is: its managed orders' health, this run's plan (what the manifests
    would change, the timeline, unmanaged and orphaned orders) and, if given, a saved plan."""

    today: date
    source: str
    orders: tuple[OrderRow, ...]
    plan: PlanView
    saved: PlanView | None = None
    currency: str = "EUR"
    days: int = 30


def report_html(account: AccountView) -> str:
    doc = account.plan.doc
    bad = [o for o in account.orders if o.health in ("Degraded", "Missing")]
    headline = (
        f"{len(account.orders)} managed order(s), {len(bad)} need attention; next month they "
        f"are charged {money(_next_month(account), account.currency, sign=False)}"
    )
    body = [
        "<header>",
        "<h1>clearsky-orders report</h1>",
        f'<p class="headline">{escape(headline)}.</p>',
        f"<p>The account at {text(account.source or 'the ClearSKY API')} on "
        f"{account.today.isoformat()}.</p>",
        f'<p class="checksum">Plan of the manifests now: {_headline(doc)} · checksum '
        f"<code>{escape(doc.checksum)}</code></p>",
        "</header>",
    ]
    shapes = [Shape(o.name, o.health, o.shape) for o in account.orders if o.shape is not None]
    undrawn = [o.name for o in account.orders if o.shape is None]
    others = [c for c in doc.changes if c.action.value in ("unmanaged", "orphaned")]
    for index, change in enumerate(doc.changes):
        if change.action.value in ("unmanaged", "orphaned"):
            area = account.plan.areas_of(index).live
            if area is not None:
                shapes.append(Shape(change.order_guid or "?", change.action.value, area))
    body += _map_section(
        "h2",
        "map",
        shapes,
        undrawn,
        "Map of the account's orders",
        f"{len(shapes)} area(s), coloured and patterned by health: healthy solid green, "
        "progressing dotted blue, degraded hatched orange, missing cross-hatched red, ended "
        "grey; unmanaged orders with a dashed outline.",
    )
    body += _cost_section(doc, "h2", "cost")
    body += ['<h2 id="health">Orders and their health</h2>', _health_table(account)]
    if others:
        body += ['<h2 id="others">Unmanaged and orphaned orders</h2>', _others_table(others)]
    if account.saved is not None:
        body += plan_sections(account.saved, level=2, anchor="latest-plan")
    return page("clearsky-orders report", body)


def _next_month(account: AccountView) -> float:
    return round(math.fsum(o.next_month for o in account.orders if o.next_month is not None), 2)


def _health_table(account: AccountView) -> str:
    if not account.orders:
        return "<p>No managed orders yet: apply the manifests, or import the live orders.</p>"
    rows = []
    for o in account.orders:
        cost = (
            money(o.next_month, account.currency, sign=False)
            if o.next_month is not None
            else "not recorded"
        )
        rows.append(
            f'<tr data-name="{text(o.name)}"><th scope="row">{text(o.name)}</th>'
            f'<td class="health">{text(o.health)}</td><td>{text(o.status)}</td>'
            f'<td class="num">{"" if o.area_km2 is None else f"{o.area_km2:,.2f}"}</td>'
            f'<td class="num">{escape(cost)}</td>'
            f"<td>{o.last_delivered.isoformat() if o.last_delivered else 'none yet'}</td>"
            f"<td>{o.next_expected.isoformat() if o.next_expected else ''}</td>"
            f"<td>{text(o.deadline)}</td></tr>"
        )
    total = money(_next_month(account), account.currency, sign=False)
    return (
        "<p>Every managed order: its health (is it delivering what it is paid for?), its "
        "service status, its area, what it is charged next month by its recorded estimate (a "
        "bounded order was paid when it was made), the last date delivered in the last "
        f"{account.days} days and the next one expected.</p>"
        '<div class="scroll"><table class="orders"><caption>Managed orders</caption>'
        '<thead><tr><th scope="col">Order</th><th scope="col">Health</th>'
        '<th scope="col">Status</th><th scope="col" class="num">Area km²</th>'
        '<th scope="col" class="num">Next month</th><th scope="col">Last delivered</th>'
        '<th scope="col">Next expected</th><th scope="col">Renewal</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>"
        '<tfoot><tr><th scope="row" colspan="4">Total</th>'
        f'<td class="num" data-total="next-month">{escape(total)}</td>'
        '<td colspan="3"></td></tr></tfoot></table></div>'
    )


def _others_table(changes: Sequence[ChangeDoc]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{text(c.order_guid)}</th><td>{c.action.value}</td>'
        f"<td>{text('; '.join(c.warnings[:3]), 1000)}</td></tr>"
        for c in changes
    )
    return (
        "<p>Orders in the account that no manifest of this workspace describes.</p>"
        '<div class="scroll"><table class="others"><caption>Unmanaged and orphaned orders'
        "</caption><thead><tr>"
        '<th scope="col">Order</th><th scope="col">Kind</th><th scope="col">Why</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></div>"
    )

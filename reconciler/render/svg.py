"""Inline SVG for the HTML pages: a map of order areas and a chart of monthly charges. Pure:
shapes and figures in, markup out; every text escaped. No script, no font, nothing fetched.

The map draws longitude and latitude on a plain equirectangular projection, scaled by the
cosine of the middle latitude so that a kilometre is as long east-west as north-south. Areas
far apart (more than a panel's width at a useful scale) go into panels of their own, an inset
per distant cluster, each with its own scale bar; within a panel an area too small to see is
drawn as a ringed marker at its centre, so a small field beside a large bay is never lost.
Kinds are told apart by outline and hatching as well as colour, so that they survive
greyscale printing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from shapely.geometry import MultiPolygon, Polygon

KM_PER_DEGREE = 111.32
MIN_MARK_PX = 7.0
"""An area drawn smaller than this across is shown as a marker."""
MAX_LABELS = 40
"""A panel with more areas than this names them only in their tooltips and the tables."""


@dataclass(frozen=True)
class Style:
    label: str
    fill: str
    stroke: str
    pattern: str = ""
    """The id of a hatching pattern (see PATTERNS), drawn over the fill."""
    dash: str = ""


STYLES: dict[str, Style] = {
    "new": Style("new", "#1a7f37", "#0f5323"),
    "old": Style("old (cancelled)", "#cf222e", "#82071e", pattern="hatch", dash="6 3"),
    "unchanged": Style("unchanged", "#8c959f", "#57606a", dash="2 2"),
    "Healthy": Style("healthy", "#1a7f37", "#0f5323"),
    "Progressing": Style("progressing", "#0969da", "#0a3069", pattern="dots"),
    "Degraded": Style("degraded", "#bc4c00", "#762c00", pattern="hatch"),
    "Missing": Style("missing", "#cf222e", "#82071e", pattern="cross", dash="6 3"),
    "Ended": Style("ended", "#8c959f", "#57606a", dash="2 2"),
    "unmanaged": Style("unmanaged", "#ffffff", "#57606a", dash="4 2"),
    "orphaned": Style("orphaned", "#cf222e", "#82071e", pattern="cross", dash="4 2"),
}


def patterns(ident: str) -> str:
    """The hatchings, with ids of this SVG's own (a page may hold several)."""
    return (
        f'<defs><pattern id="{ident}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#000" '
        'stroke-width="1.5" stroke-opacity="0.55"/></pattern>'
        f'<pattern id="{ident}-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<path d="M0 0L6 6M6 0L0 6" stroke="#000" stroke-width="1" stroke-opacity="0.6"/>'
        f'</pattern><pattern id="{ident}-dots" width="5" height="5" '
        'patternUnits="userSpaceOnUse"><circle cx="2.5" cy="2.5" r="1" fill="#000" '
        'fill-opacity="0.55"/></pattern></defs>'
    )


@dataclass(frozen=True)
class Shape:
    label: str
    kind: str
    """A key of STYLES."""
    area: MultiPolygon


@dataclass(frozen=True)
class _Panel:
    shapes: tuple[Shape, ...]
    west: float
    south: float
    east: float
    north: float


def map_svg(
    shapes: Sequence[Shape], *, ident: str, title: str, description: str, width: int = 960
) -> str:
    """One SVG of every shape: a panel per distant cluster, laid out in a row that wraps."""
    drawn = [s for s in shapes if not s.area.is_empty]
    if not drawn:
        return ""
    panels = _clusters(drawn)
    columns = min(len(panels), 3)
    gap = 12
    panel_w = (width - gap * (columns - 1)) / columns
    panel_h = panel_w * (0.62 if columns == 1 else 0.9)
    rows = math.ceil(len(panels) / columns)
    height = rows * panel_h + (rows - 1) * gap
    body = []
    for number, panel in enumerate(panels):
        x = (number % columns) * (panel_w + gap)
        y = (number // columns) * (panel_h + gap)
        inset = f"inset {number + 1} of {len(panels)}" if len(panels) > 1 else ""
        body.append(_panel(panel, x, y, panel_w, panel_h, inset, ident))
    return (
        f'<svg class="map" id="{ident}" role="img" aria-labelledby="{ident}-title '
        f'{ident}-desc" viewBox="0 0 {width} {height:.0f}" width="100%" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>{patterns(ident)}'
        f"{''.join(body)}</svg>"
    )


def legend_html(kinds: Sequence[str], ident: str) -> str:
    """The map's key: a swatch (colour, hatching and outline) and a word per kind shown."""
    items = []
    for kind in dict.fromkeys(kinds):
        style = STYLES[kind]
        hatch = (
            f'<rect x="1" y="1" width="20" height="12" fill="url(#{ident}-{style.pattern})"/>'
            if style.pattern
            else ""
        )
        swatch = (
            f'<svg width="22" height="14" aria-hidden="true"><rect x="1" y="1" width="20" '
            f'height="12" {_paint(style)}/>{hatch}</svg>'
        )
        items.append(f"<li>{swatch} {escape(style.label)}</li>")
    return f'<ul class="legend">{"".join(items)}</ul>'


def _paint(style: Style) -> str:
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    return (
        f'fill="{style.fill}" fill-opacity="0.45" stroke="{style.stroke}" stroke-width="1.5"{dash}'
    )


def _bounds(shape: Shape) -> tuple[float, float, float, float]:
    west, south, east, north = shape.area.bounds
    return west, south, east, north


def _km(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """How far apart two boxes are, in km (0 when they touch)."""
    middle = math.radians((a[1] + a[3] + b[1] + b[3]) / 4)
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2])) * KM_PER_DEGREE * math.cos(middle)
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3])) * KM_PER_DEGREE
    return math.hypot(dx, dy)


def _span_km(box: tuple[float, float, float, float]) -> float:
    middle = math.radians((box[1] + box[3]) / 2)
    return max((box[2] - box[0]) * KM_PER_DEGREE * math.cos(middle), (box[3] - box[1]) * 111.0)


def _clusters(shapes: Sequence[Shape]) -> list[_Panel]:
    """Shapes grouped so that each group fits a panel: two join when they lie closer than
    200 km or than twice the larger one's size."""
    groups: list[tuple[list[Shape], tuple[float, float, float, float]]] = []
    for shape in sorted(shapes, key=lambda s: (-s.area.area, s.label)):
        box = _bounds(shape)
        joined = None
        for number, (_, group_box) in enumerate(groups):
            reach = max(200.0, 2 * max(_span_km(box), _span_km(group_box)))
            if _km(box, group_box) <= reach and _span_km(_union(box, group_box)) <= 1500:
                joined = number
                break
        if joined is None:
            groups.append(([shape], box))
        else:
            members, group_box = groups[joined]
            groups[joined] = ([*members, shape], _union(box, group_box))
    return [_Panel(tuple(m), *b) for m, b in groups]


def _union(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _panel(panel: _Panel, x0: float, y0: float, w: float, h: float, inset: str, ident: str) -> str:
    middle = math.cos(math.radians((panel.south + panel.north) / 2))
    span_x = max((panel.east - panel.west) * middle, 1e-6)
    span_y = max(panel.north - panel.south, 1e-6)
    pad = 24.0
    scale = min((w - 2 * pad) / span_x, (h - 2 * pad - 18) / span_y)  # px per degree north
    cx = (panel.west + panel.east) / 2
    cy = (panel.south + panel.north) / 2

    def at(lon: float, lat: float) -> tuple[float, float]:
        return x0 + w / 2 + (lon - cx) * middle * scale, y0 + (h - 18) / 2 - (lat - cy) * scale

    parts = [
        f'<g class="panel"><rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" '
        'fill="#f6f8fa" stroke="#d0d7de"/>'
    ]
    if inset:
        parts.append(
            f'<text x="{x0 + 6:.1f}" y="{y0 + 14:.1f}" class="inset">{escape(inset)}</text>'
        )
    for shape in panel.shapes:
        parts.append(_drawn(shape, at, ident))
    if len(panel.shapes) <= MAX_LABELS:
        parts.extend(_label(shape, at) for shape in panel.shapes)
    parts.append(_scale_bar(x0 + 8, y0 + h - 10, scale * middle, w))
    parts.append("</g>")
    return "".join(parts)


Place = Callable[[float, float], tuple[float, float]]
"""(lon, lat) to (x, y) in the SVG."""


def _drawn(shape: Shape, place: Place, ident: str) -> str:
    style = STYLES[shape.kind]
    west, south, east, north = shape.area.bounds
    x_a, y_a = place(west, north)
    x_b, y_b = place(east, south)
    label = escape(f"{shape.label}: {style.label}")
    if max(x_b - x_a, y_b - y_a) < MIN_MARK_PX:
        point = shape.area.representative_point()
        x, y = place(point.x, point.y)
        return (
            f'<g class="area"><title>{label}</title><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{MIN_MARK_PX}" {_paint(style)}/><circle cx="{x:.1f}" cy="{y:.1f}" r="2" '
            f'fill="{style.stroke}"/></g>'
        )
    paths = []
    polygons = shape.area.geoms if isinstance(shape.area, MultiPolygon) else [shape.area]
    for polygon in polygons:
        if not isinstance(polygon, Polygon):
            continue
        rings = [polygon.exterior, *polygon.interiors]
        d = " ".join(_ring(list(r.coords), place) for r in rings)
        paths.append(d)
    d = " ".join(paths)
    hatch = (
        f'<path d="{d}" fill="url(#{ident}-{style.pattern})" fill-rule="evenodd" stroke="none"/>'
        if style.pattern
        else ""
    )
    return (
        f'<g class="area"><title>{label}</title><path d="{d}" fill-rule="evenodd" '
        f"{_paint(style)}/>{hatch}</g>"
    )


def _label(shape: Shape, place: Place) -> str:
    _, south, east, north = shape.area.bounds
    x, y_top = place(east, north)
    _, y_bottom = place(east, south)
    y = (y_top + y_bottom) / 2 + 4
    return (
        f'<text class="label" x="{x + MIN_MARK_PX + 3:.1f}" y="{y:.1f}">'
        f"{escape(shape.label[:60])}</text>"
    )


def _ring(coords: list[tuple[float, ...]], place: Place) -> str:
    step = max(1, len(coords) // 400)  # a ring of thousands of points: every n-th is enough
    points = [place(c[0], c[1]) for c in coords[::step]]
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points) + "Z"


def _scale_bar(x: float, y: float, px_per_degree: float, panel_w: float) -> str:
    px_per_km = px_per_degree / KM_PER_DEGREE
    target = panel_w / 4 / px_per_km
    magnitude = 10.0 ** math.floor(math.log10(target)) if target > 0 else 1.0
    km = max(n * magnitude for n in (1, 2, 5) if n * magnitude <= target) if target >= 1e-3 else 1
    length = km * px_per_km
    text = f"{km:g} km" if km >= 1 else f"{km * 1000:g} m"
    return (
        f'<g class="scale"><path d="M{x:.1f} {y - 4:.1f}V{y:.1f}H{x + length:.1f}V{y - 4:.1f}" '
        f'fill="none" stroke="#24292f" stroke-width="1.5"/><text x="{x + length + 4:.1f}" '
        f'y="{y:.1f}">{escape(text)}</text></g>'
    )


@dataclass(frozen=True)
class Bar:
    month: str
    before: float
    after: float


def chart_svg(
    bars: Sequence[Bar], *, ident: str, title: str, description: str, currency: str
) -> str:
    """Grouped bars, before and after, month by month, with a labelled axis."""
    if not bars:
        return ""
    width, height = 960.0, 320.0
    left, right, top, bottom = 70.0, 12.0, 16.0, 48.0
    top_value = max(max(b.before, b.after) for b in bars)
    ceiling = _nice(top_value) if top_value > 0 else 1.0
    inner_w, inner_h = width - left - right, height - top - bottom
    slot = inner_w / len(bars)
    bar_w = max(2.0, slot * 0.36)
    parts = [
        f'<svg class="chart" id="{ident}" role="img" aria-labelledby="{ident}-title '
        f'{ident}-desc" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>{patterns(ident)}'
    ]
    for step in range(5):
        value = ceiling * step / 4
        y = top + inner_h - inner_h * step / 4
        parts.append(
            f'<path d="M{left:.0f} {y:.1f}H{width - right:.0f}" stroke="#d0d7de"/>'
            f'<text x="{left - 6:.0f}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(f'{value:,.0f}')}</text>"
        )
    for number, bar in enumerate(bars):
        x = left + slot * number + slot / 2
        for offset, value, fill, pattern, word in (
            (-bar_w, bar.before, "#8c959f", "", "before"),
            (0.0, bar.after, "#0969da", "hatch", "after"),
        ):
            h = inner_h * max(value, 0.0) / ceiling
            y = top + inner_h - h
            label = escape(f"{bar.month} {word}: {value:,.2f} {currency}")
            hatch = (
                f'<rect x="{x + offset:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="url(#{ident}-{pattern})"/>'
                if pattern and h > 0
                else ""
            )
            parts.append(
                f'<g><title>{label}</title><rect x="{x + offset:.1f}" y="{y:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{fill}" stroke="#24292f" '
                f'stroke-width="0.5"/>{hatch}</g>'
            )
        if len(bars) <= 14 or number % 2 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16:.0f}" text-anchor="middle">'
                f"{escape(bar.month)}</text>"
            )
    parts.append(
        f'<text x="14" y="{top + inner_h / 2:.0f}" transform="rotate(-90 14 '
        f'{top + inner_h / 2:.0f})" text-anchor="middle">{escape(currency)} per month</text>'
    )
    legend_y = height - 10
    parts.append(
        f'<rect x="{left:.0f}" y="{legend_y - 9:.0f}" width="12" height="10" fill="#8c959f"/>'
        f'<text x="{left + 16:.0f}" y="{legend_y:.0f}">before</text>'
        f'<rect x="{left + 80:.0f}" y="{legend_y - 9:.0f}" width="12" height="10" '
        f'fill="#0969da"/><rect x="{left + 80:.0f}" y="{legend_y - 9:.0f}" width="12" '
        f'height="10" fill="url(#{ident}-hatch)"/><text x="{left + 96:.0f}" y="{legend_y:.0f}">'
        "after</text></svg>"
    )
    return "".join(parts)


def _nice(value: float) -> float:
    magnitude = 10.0 ** math.floor(math.log10(value))
    for n in (1, 2, 2.5, 5, 10):
        if n * magnitude >= value:
            return n * magnitude
    return 10 * magnitude

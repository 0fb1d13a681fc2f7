"""The map and the chart as a reader relies on them: far-apart areas get a panel each, a tiny
area beside a large one is still drawn (as a marker), every area is named, and the chart has a
bar per month and figure, all without a script or a fetched resource."""

from __future__ import annotations

import re

from shapely.geometry import MultiPolygon, box

from reconciler.render.svg import Bar, Shape, chart_svg, map_svg
from tests.html_check import Page, outside_references


def _area(west: float, south: float, side: float) -> MultiPolygon:
    return MultiPolygon([box(west, south, west + side, south + side)])


def test_distant_clusters_get_a_panel_each_and_a_tiny_area_a_marker() -> None:
    shapes = [
        Shape("bay", "new", _area(10.0, 56.0, 0.5)),  # about 30 km across
        Shape("field", "new", _area(10.6, 56.1, 0.0005)),  # 30 m beside it
        Shape("spain", "old", _area(-4.0, 40.0, 0.2)),  # far away
    ]
    svg = map_svg(shapes, ident="m", title="t", description="d")
    page = Page(svg)
    panels = [a for t, a in page.tags if t == "g" and a.get("class") == "panel"]
    assert len(panels) == 2
    assert "inset 1 of 2" in svg and "inset 2 of 2" in svg
    assert svg.count('class="area"') == 3
    field = svg[svg.index("<title>field: new</title>") :]
    assert field.split("</g>")[0].count("<circle") == 2, "the tiny field is a ringed marker"
    for name in ("bay", "field", "spain"):
        assert f">{name}</text>" in svg
    assert re.search(r">\d+ km</text>", svg), "a scale bar in km"
    assert outside_references(page) == []


def test_names_in_the_map_are_escaped() -> None:
    svg = map_svg(
        [Shape("<script>x</script>", "new", _area(10.0, 56.0, 0.1))],
        ident="m",
        title="<b>",
        description="&",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg


def test_the_chart_has_a_bar_per_month_and_figure() -> None:
    bars = [Bar("2026-12", 100.0, 150.0), Bar("2027-01", 80.0, 0.0)]
    svg = chart_svg(bars, ident="c", title="t", description="d", currency="EUR")
    for bar in bars:
        assert f"{bar.month} before: {bar.before:,.2f} EUR" in svg
        assert f"{bar.month} after: {bar.after:,.2f} EUR" in svg
    heights = [
        float(h)
        for h in re.findall(
            r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#', svg
        )
    ]
    # the bars in order, before then after: heights follow the figures
    assert heights[1] > heights[0] > heights[2] > heights[3] == 0.0

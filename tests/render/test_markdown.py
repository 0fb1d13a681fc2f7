"""The plan as a pull-request comment: golden render, the map, the cap."""

from __future__ import annotations

import json

from reconciler.planning import Plan, decide
from reconciler.render.markdown import MARKER
from reconciler.render.registry import RenderOptions, plan_view, render
from tests.conftest import INPUTS, NOW, TODAY, desired, golden, priced, sample_plan, spec


def test_markdown_render_matches_golden() -> None:
    text = render("markdown", plan_view(sample_plan())) + "\n"
    golden("plan.md", text)
    assert text.splitlines()[0].startswith("**clearsky-orders: 1 to create, 1 to replace")
    assert text.splitlines()[1] == MARKER


def test_map_draws_new_areas_green_and_old_areas_red_from_the_shapes() -> None:
    text = render("markdown", plan_view(sample_plan()))
    block = text.split("```geojson\n", 1)[1].split("\n```", 1)[0]
    features = json.loads(block)["features"]
    colours = {f["properties"]["title"]: f["properties"]["fill"] for f in features}
    assert colours["create skagen"] == "#2da44e"
    assert colours["replace aarhus-bay (new)"] == "#2da44e"
    assert colours["replace aarhus-bay (old)"] == "#cf222e"
    assert colours["cancel retired"] == "#cf222e"
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)


def test_comment_is_capped_and_says_what_it_left_out() -> None:
    wanted = [desired(f"order-{i:04d}", spec(_square(i))) for i in range(2000)]
    changes = priced(decide(wanted, [], {}, TODAY))
    view = plan_view(Plan(tuple(changes), TODAY, INPUTS, NOW, "the sandbox"))
    text = render("markdown", view, RenderOptions(max_chars=65_000))
    assert len(text) <= 65_000
    assert text.splitlines()[0].startswith("**clearsky-orders: 2000 to create")
    assert MARKER in text and view.doc.checksum in text
    shown = sum(1 for line in text.splitlines() if line.startswith("| 🟩 | create |"))
    assert 0 < shown < 2000
    assert f"{2000 - shown} change(s) left out" in text


def _square(i: int) -> str:
    x, y = 8 + (i % 50) * 0.05, 55 + (i // 50) * 0.05
    return f"POLYGON(({x} {y}, {x + 0.04} {y}, {x + 0.04} {y + 0.04}, {x} {y + 0.04}, {x} {y}))"


def test_map_rings_run_counter_clockwise() -> None:
    from shapely.geometry import shape

    text = render("markdown", plan_view(sample_plan()))
    block = text.split("```geojson\n", 1)[1].split("\n```", 1)[0]
    for feature in json.loads(block)["features"]:
        geometry = shape(feature["geometry"])
        for polygon in getattr(geometry, "geoms", [geometry]):
            assert polygon.exterior.is_ccw

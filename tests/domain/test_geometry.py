"""AOIs compare as geometry; areas are geodesic; fingerprints are stable."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon

from reconciler.domain import geometry
from reconciler.domain.geometry import (
    GeometryProblem,
    area_km2,
    billed_area_km2,
    normalise,
    parse_geojson,
    parse_wkt,
    polygon_areas_km2,
    same_geometry,
    service_wkt,
)
from reconciler.domain.order import OrderSpec
from tests.conftest import AARHUS, PAGE_WKT


def test_page_example_areas_match_the_service() -> None:
    geometry = parse_wkt(PAGE_WKT)
    assert sorted(round(a, 2) for a in polygon_areas_km2(geometry)) == [0.04, 166.96, 763.65]
    assert round(area_km2(geometry), 2) == 930.65
    assert round(billed_area_km2(geometry), 2) == 931.61


def test_overlapping_member_polygons_are_accepted_like_the_service_does() -> None:
    assert len(parse_wkt(PAGE_WKT).geoms) == 3


def _ring(n: int, seed: float) -> list[tuple[float, float]]:
    import math

    return [
        (
            9.5 + 0.2 * math.cos(2 * math.pi * i / n + seed),
            56.2 + 0.1 * math.sin(2 * math.pi * i / n + seed),
        )
        for i in range(n)
    ]


polygons = st.builds(lambda n, s: Polygon(_ring(n, s)), st.integers(4, 24), st.floats(0, 6.2))


@settings(max_examples=60, deadline=None)
@given(polygons, st.integers(0, 23), st.booleans())
def test_ring_start_and_orientation_do_not_matter(poly: Polygon, shift: int, flip: bool) -> None:
    coords = list(poly.exterior.coords)[:-1]
    shift %= len(coords)
    moved = coords[shift:] + coords[:shift]
    if flip:
        moved.reverse()
    a, b = normalise(poly), normalise(Polygon(moved))
    assert same_geometry(a, b)
    assert _spec(a).fingerprint == _spec(b).fingerprint


@settings(max_examples=40, deadline=None)
@given(polygons)
def test_wrapping_in_a_collection_does_not_matter(poly: Polygon) -> None:
    plain = normalise(poly)
    for wrapped in (MultiPolygon([poly]), GeometryCollection([poly])):
        assert same_geometry(plain, normalise(wrapped))
        assert _spec(plain) == _spec(normalise(wrapped))
        assert _spec(plain).fingerprint == _spec(normalise(wrapped)).fingerprint


@settings(max_examples=60, deadline=None)
@given(polygons, st.lists(st.floats(-9.9e-7, 9.9e-7), min_size=48, max_size=48))
def test_noise_below_a_micro_degree_does_not_matter(poly: Polygon, noise: list[float]) -> None:
    coords = list(poly.exterior.coords)[:-1]
    noisy = [(x + noise[2 * i], y + noise[2 * i + 1]) for i, (x, y) in enumerate(coords)]
    assert _spec(normalise(poly)) == _spec(normalise(Polygon(noisy)))


@settings(max_examples=60, deadline=None)
@given(polygons, st.integers(0, 23), st.sampled_from([(1e-4, 0), (0, 1e-4), (-1e-4, 1e-4)]))
def test_a_vertex_moved_by_1e4_degrees_differs(
    poly: Polygon, which: int, delta: tuple[float, float]
) -> None:
    coords = list(poly.exterior.coords)[:-1]
    which %= len(coords)
    x, y = coords[which]
    coords[which] = (x + delta[0], y + delta[1])
    assert _spec(normalise(poly)) != _spec(normalise(Polygon(coords)))


def test_the_services_rewritten_wkt_equals_what_was_sent() -> None:
    sent = parse_wkt(AARHUS)
    assert service_wkt(sent).startswith("GEOMETRYCOLLECTION")
    assert _spec(sent) == _spec(parse_wkt(service_wkt(sent)))


def test_fingerprint_is_pinned_across_runs_and_machines() -> None:
    assert _spec(parse_wkt(AARHUS)).fingerprint == (
        "20949bb81ad6ba33ca3f9ce896f3c2ff6fe7cd1e89849b9499714b5221534304"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("POLYGON((0 0, 1 0, 1 1, 0 0.5))", "ring not closed"),
        ("POLYGON((0 0, 1 0, 0 0))", "a ring needs at least 4 positions, found 3"),
        (
            "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))",
            "crosses itself (self-intersection) at lon 0.5, lat 0.5",
        ),
        ("POLYGON EMPTY", "the geometry is empty"),
        ("LINESTRING(0 0, 1 1)", "must be a Polygon or MultiPolygon, not a LineString"),
        ("POLYGON((9 100, 10 100, 10 101, 9 100))", "swapping makes it valid"),
        ("POLYGON((200 10, 201 10, 201 11, 200 10))", "longitude must be within ±180"),
        ("POLYGON((0 0,1 0", "unparsable WKT"),
    ],
)
def test_bad_wkt_is_explained(text: str, message: str) -> None:
    with pytest.raises(GeometryProblem, match=None) as caught:
        parse_wkt(text)
    assert message in str(caught.value)


def test_geojson_feature_collection_and_open_rings() -> None:
    ring = [[9.0, 56.0], [9.1, 56.0], [9.1, 56.1], [9.0, 56.0]]
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}
    collection = {"type": "FeatureCollection", "features": [feature]}
    assert same_geometry(parse_geojson(collection), parse_geojson(feature["geometry"]))
    with pytest.raises(GeometryProblem, match="ring not closed"):
        parse_geojson({"type": "Polygon", "coordinates": [[*ring[:-1], [9.05, 56.05]]]})


def _spec(geometry: MultiPolygon) -> OrderSpec:
    return OrderSpec(
        constellations=frozenset({"Sentinel1"}),
        model="Stratus2Fast",
        image_frequency=3,
        reference_date=date(2025, 1, 1),
        start=date(2025, 4, 1),
        end=None,
        aoi=geometry,
    )


def test_the_services_rewrite_has_the_fingerprint_of_what_was_sent() -> None:
    """The state records fingerprints of desired specs; a live order read back must match."""
    for text in (AARHUS, PAGE_WKT):
        sent = parse_wkt(text)
        assert _spec(sent).fingerprint == _spec(parse_wkt(service_wkt(sent))).fingerprint


def circle(n: int, dx: float = 0.0) -> MultiPolygon:
    import math

    return normalise(
        Polygon(
            [
                (
                    10 + dx + 0.5 * math.cos(2 * math.pi * i / n),
                    56 + 0.3 * math.sin(2 * math.pi * i / n),
                )
                for i in range(n)
            ]
        )
    )


def test_a_large_aoi_read_back_from_the_service_is_the_same_in_linear_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 20,000 vertices: rounding to the service's 6 decimals moves where normalising starts the
    # ring; the comparison aligns the rings instead of falling back to the slower band test
    sent = circle(20_000)
    back = normalise(parse_wkt(service_wkt(sent)))

    def slower(*_: object) -> bool:
        raise AssertionError("fell back to the band test")

    monkeypatch.setattr(geometry, "_within_band", slower)
    assert same_geometry(sent, back)
    monkeypatch.undo()
    assert not same_geometry(sent, circle(20_000, dx=1e-4))


def test_a_vertex_dropped_within_tolerance_is_the_same_area() -> None:
    sent = circle(4_000)
    coords = list(sent.geoms[0].exterior.coords)[:-1]
    dropped = normalise(Polygon(coords[:1000] + coords[1001:]))
    assert same_geometry(sent, dropped) and same_geometry(dropped, sent)
    cut = normalise(Polygon(coords[:1000] + coords[1400:]))  # a chord across a big arc
    assert not same_geometry(sent, cut)


# The ceiling check trusts a box's bound instead of measuring: the bound must never be below
# the measured area, or an order above the ceiling would pass unseen.
@pytest.mark.parametrize(
    ("west", "south", "east", "north"),
    [
        (0.0, 0.0, 20.0, 20.0),  # the largest box at the equator
        (10.0, 60.0, 30.0, 80.0),  # the largest box at the latitude limit
        (-170.0, -80.0, -150.0, -60.0),
        (100.0, 79.0, 120.0, 80.0),  # a thin band, where an edge's bulge weighs most
        (8.0, 55.0, 8.01, 55.01),
    ],
)
def test_the_box_bound_is_never_below_the_geodesic_area(
    west: float, south: float, east: float, north: float
) -> None:
    from shapely.geometry import box

    from reconciler.domain.geometry import area_at_most_km2, area_km2, normalise

    shape = normalise(box(west, south, east, north))
    bound = area_at_most_km2(shape)
    assert bound is not None
    assert area_km2(shape) <= bound <= area_km2(shape) * 1.1


@pytest.mark.parametrize(
    "wkt",
    [
        "POLYGON((0 0, 21 0, 21 1, 0 1, 0 0))",  # wider than 20 degrees
        "POLYGON((0 70, 1 70, 1 81, 0 81, 0 70))",  # beyond 80 degrees of latitude
    ],
)
def test_a_box_too_large_or_too_far_north_is_measured(wkt: str) -> None:
    from reconciler.domain.geometry import area_at_most_km2

    assert area_at_most_km2(parse_wkt(wkt)) is None


def test_an_area_above_the_ceiling_is_refused_whether_or_not_its_box_is_small() -> None:
    from reconciler.domain.unread import check_area

    with pytest.raises(GeometryProblem, match="above the ceiling"):
        check_area(parse_wkt("POLYGON((0 0, 19 0, 19 19, 0 19, 0 0))"))  # 4.4 million km2
    with pytest.raises(GeometryProblem, match="above the ceiling"):
        check_area(parse_wkt("POLYGON((0 0, 40 0, 40 3, 0 3, 0 0))"))  # 1.5 million

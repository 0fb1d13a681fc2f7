"""The wire format both ways: a spec becomes the request the service reads, and a listed order
becomes a live order, or says why it cannot."""

from __future__ import annotations

from datetime import date

from reconciler.api import TaskOrder, live_order, order_request
from tests.conftest import PAGE_WKT, spec


def test_a_request_body_uses_the_services_names() -> None:
    body = order_request(spec(end=date(2027, 3, 31))).body()
    assert body["Wkt"].startswith("GEOMETRYCOLLECTION")
    assert body["SatelliteConstellations"] == ["Landsat89", "Sentinel1", "Sentinel2"]
    assert (body["From"], body["To"], body["ImageFrequency"]) == ("2026-12-01", "2027-03-31", 3)
    assert body["TileGuids"] is None and body["MiniTileGuids"] is None


def test_a_listed_order_reads_back_as_the_spec_it_was_made_from() -> None:
    sent = spec(PAGE_WKT)
    body = order_request(sent).body()
    listed = TaskOrder.model_validate(
        {**body, "TaskOrderGuid": "g1", "OrderingProcessStatus": "UpToDate"}
    )
    assert live_order(listed).spec == sent


def test_a_listed_order_whose_wkt_cannot_be_read_says_why() -> None:
    listed = TaskOrder.model_validate(
        {
            "TaskOrderGuid": "g-bad",
            "Wkt": "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))",
            "From": "2026-12-01",
            "Model": "Stratus2",
        }
    )
    found = live_order(listed)
    assert found.spec is None
    assert found.problem is not None and "self-intersection" in found.problem

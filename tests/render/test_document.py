"""The plan's machine form: golden JSON, a checksum over content (never time stamps)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from reconciler.planning import Action, Change, Cost
from reconciler.render.document import (
    ChangeDoc,
    _checksummed,
    _light,
    dump,
    load_document,
    to_document,
)
from reconciler.render.registry import plan_view, render
from tests.conftest import golden, sample_plan


def test_json_render_matches_golden() -> None:
    golden("plan.json", render("json", plan_view(sample_plan())) + "\n")


def test_json_render_reads_back_as_the_same_plan() -> None:
    doc = to_document(sample_plan())
    assert load_document(dump(doc)) == doc


def test_checksum_ignores_time_stamps() -> None:
    later = replace(sample_plan(), created_at=datetime(2026, 11, 23, 10, tzinfo=UTC))
    assert to_document(sample_plan()).checksum == to_document(later).checksum


def test_checksum_changes_with_a_price() -> None:
    plan = sample_plan()
    cheaper = replace(
        plan,
        changes=tuple(
            replace(c, bill_change=Cost(1.0, 1.0)) if c.action == Action.CREATE else c
            for c in plan.changes
        ),
    )
    assert to_document(cheaper).checksum != to_document(plan).checksum


def test_every_format_prints_the_checksum() -> None:
    view = plan_view(sample_plan())
    for name in ("text", "json", "markdown"):
        assert view.doc.checksum in render(name, view), name


def test_an_order_left_alone_is_documented_and_checksummed_as_the_validated_document_is() -> None:
    quiet = [
        Change(Action.NOOP, "kept", order_guid="g-1", labels={"team": "agri", "cost-centre": "7"}),
        Change(Action.UNMANAGED, "", order_guid="g-2"),
        Change(Action.NOOP, "no-guid"),
    ]
    for change in quiet:
        light = _light(change)
        validated = ChangeDoc(
            action=change.action,
            name=change.name,
            order_guid=change.order_guid,
            labels=dict(change.labels),
        )
        assert light == validated
        whole = validated.model_dump(mode="json", by_alias=True)
        assert _checksummed(light) == {
            k: whole[k] for k in ("action", "name", "orderGuid", "labels")
        }

"""Order statuses in both vocabularies: what is in review, accepted, ended or canceled."""

from __future__ import annotations

import pytest

from reconciler.domain.live import LiveOrder


def order(status: str) -> LiveOrder:
    return LiveOrder("g1", status, None)


@pytest.mark.parametrize(
    ("status", "review", "active", "ended", "known"),
    [
        ("Review", True, True, False, True),
        ("Initialize", False, True, False, True),
        ("Preparing", False, True, False, True),
        ("AwaitingSatelliteProducts", False, True, False, True),
        ("Processing", False, True, False, True),
        ("Predicting", False, True, False, True),
        ("ProcessingPredicting", False, True, False, True),
        ("UpToDate", False, True, False, True),
        ("Working", False, True, False, True),
        ("Ongoing", False, True, False, True),
        ("Failure", False, True, False, True),
        ("Completed", False, False, True, True),
        ("Done", False, False, True, True),
        ("Canceled", False, False, False, True),
        ("SomethingNew", False, True, False, False),
    ],
)
def test_status_words(status: str, review: bool, active: bool, ended: bool, known: bool) -> None:
    found = order(status)
    assert (found.in_review, found.active, found.completed, found.status_known) == (
        review,
        active,
        ended,
        known,
    )
    assert order(status.upper()).in_review == review

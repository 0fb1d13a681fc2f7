"""examples/today.py keeps the demo and the suite current: the example orders move, whole
months at a time, so that the earliest starts this month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from tests.conftest import EXAMPLES_AS_WRITTEN
from tests.conftest import examples_today as _today


def test_every_start_and_end_moves_by_the_months_the_earliest_start_is_behind() -> None:
    today = _today()
    texts = [
        "spec:\n  referenceDate: 2025-01-01\n  from: 2026-11-01\n  to: null\n",
        "spec:\n  from: 2026-12-01 # comment kept\n  to: 2027-05-31\n",
    ]
    months = today.shift_for(texts, date(2027, 2, 14))
    assert months == 3
    assert today.moved_text(texts[0], months) == (
        "spec:\n  referenceDate: 2025-01-01\n  from: 2027-02-01\n  to: null\n"
    )
    # an end stays the last day of its month (May 31 -> August 31; Nov 30 -> Feb 28)
    assert today.moved_text(texts[1], months) == (
        "spec:\n  from: 2027-03-01 # comment kept\n  to: 2027-08-31\n"
    )
    assert today.moved_text("  to: 2026-11-30\n", 3) == "  to: 2027-02-28\n"


def test_a_backfill_start_keeps_its_months_before_the_others() -> None:
    today = _today()
    texts = ["  from: 2026-09-01  # backfill: before the others\n", "  from: 2026-12-01\n"]
    months = today.shift_for(texts, date(2027, 2, 14))
    assert months == 2  # from the earliest start that is not a backfill
    assert (
        today.moved_text(texts[0], months) == "  from: 2026-11-01  # backfill: before the others\n"
    )


def test_examples_already_current_do_not_move() -> None:
    today = _today()
    assert today.shift_for(["  from: 2026-12-01\n"], date(2026, 12, 31)) == 0


def test_the_moved_examples_validate_without_a_word(tmp_path: Path) -> None:
    import shutil

    from reconciler.manifest import load

    shutil.copytree(EXAMPLES_AS_WRITTEN, tmp_path / "orders")
    for path in (tmp_path / "orders").rglob("*.yaml"):  # as if written a century ago
        text = path.read_text()
        path.write_text(text.replace("from: 20", "from: 19").replace("to: 20", "to: 19"))
    assert _today().main([str(tmp_path / "orders")]) == 0
    loaded = load([tmp_path / "orders"])
    assert len(loaded.orders) == 6 and loaded.notes == ()
    backfill = next(o for o in loaded.orders if o.name == "anholt-backfill")
    this_month = datetime.now(UTC).date().replace(day=1)
    assert backfill.spec.start < this_month  # still a backfill once moved

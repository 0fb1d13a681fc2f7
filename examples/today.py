"""Move the example orders' dates to today's calendar, so that the demo and the tests never
go stale as months pass: every `from:` and `to:` in the manifests under FOLDER moves by the
same whole number of months, so that the earliest `from:` is the first day of this month. A
`from:` marked `# backfill` moves by the same number but does not count for it: it stays as
many months before the others as it was written, so a backfill order keeps its past window.
A `to:` stays the last day of its month; `referenceDate:` (an anchor of the cadence) and
everything else are left as written.

    python examples/today.py build/demo        # rewrites the copy in place
"""

from __future__ import annotations

import argparse
import calendar
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path

DATE_LINE = re.compile(
    r"^(\s*(from|to):\s*)(\d{4})-(\d{2})-(\d{2})\b(.*#\s*backfill)?", re.MULTILINE
)


def _months(day: date) -> int:
    return day.year * 12 + day.month - 1


def _moved(day: date, months: int, field: str) -> date:
    year, month = divmod(_months(day) + months, 12)
    month += 1
    if field == "to":  # a bounded order ends on the last day of a month
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def manifests(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.stem != "clearsky"
    )


def shift_for(texts: list[str], today: date) -> int:
    """Months to move by: the earliest start becomes this month."""
    starts = [
        date(int(m[3]), int(m[4]), int(m[5]))
        for text in texts
        for m in DATE_LINE.finditer(text)
        if m[2] == "from" and not m[6]
    ]
    return _months(today) - _months(min(starts)) if starts else 0


def moved_text(text: str, months: int) -> str:
    def move(match: re.Match[str]) -> str:
        day = date(int(match[3]), int(match[4]), int(match[5]))
        return match[1] + _moved(day, months, match[2]).isoformat() + (match[6] or "")

    return DATE_LINE.sub(move, text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    files = manifests(args.folder)
    texts = [p.read_text(encoding="utf-8") for p in files]
    months = shift_for(texts, datetime.now(UTC).date())
    for path, text in zip(files, texts, strict=True):
        moved = moved_text(text, months)
        if moved != text:
            path.write_text(moved, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

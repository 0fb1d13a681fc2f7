"""Apply's events in words, one line each (None for events a person need not see)."""

from __future__ import annotations

from reconciler.planning.events import ApplyEvent, Operation, Outcome
from reconciler.planning.model import CancelEffect

_CANCELLED = {
    CancelEffect.FULL: ("canceled", ""),
    CancelEffect.STOPS_RENEWAL: ("stopped renewing", ": it runs to the month's end"),
    CancelEffect.NOTHING: ("forgotten", ": it had already ended"),
}
"""What a cancel did, in the words of the other lines: verb, name (order), what follows."""


def event_text(event: ApplyEvent) -> str | None:
    """`[step/total] what happened`, or None for the start of an operation."""
    words = _words(event)
    return None if words is None else f"[{event.step}/{event.total}] {words}"


def _words(e: ApplyEvent) -> str | None:
    who = e.name or f"unmanaged order {e.guid}"
    if e.outcome == Outcome.STARTED:
        return None
    if e.operation == Operation.ADOPT:
        return f"adopted {who} ({e.guid})"
    if e.operation == Operation.MOVE:
        return f"moved to {who} ({e.guid}): renamed, the order is kept"
    if e.operation == Operation.CANCEL:
        if e.outcome == Outcome.FAILED:
            return f"FAILED cancel {who} ({e.guid}): {e.error}"
        verb, tail = _CANCELLED.get(e.effect or CancelEffect.FULL, ("canceled", ""))
        return f"{verb} {who} ({e.guid}){tail}"
    return {
        Outcome.DONE: f"created {who} ({e.guid})",
        Outcome.RECOVERED: f"created {who} ({e.guid}; found after the answer was lost)",
        Outcome.ANSWER_LOST: f"create {who}: {e.error}; looking for the order in the account",
        Outcome.FAILED: f"FAILED create {who}: {e.error}",
        Outcome.SKIPPED: f"FAILED create {who}: skipped because cancelling its old order failed",
        Outcome.UNCHECKED: f"FAILED create {who}: no answer, and the orders cannot be listed to "
        f"check ({e.error}). Run plan again: it adopts the order if it was made",
        Outcome.NOT_MADE: f"FAILED create {who}: no answer and no such order in the account; "
        "it was not created. Run apply again",
    }[e.outcome]

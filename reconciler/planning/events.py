"""What apply reports as it goes: typed events about a plan's changes, which renderers turn
into words (the engine formats nothing for people)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reconciler.planning.model import CancelEffect


class Operation(StrEnum):
    ADOPT = "adopt"
    MOVE = "move"
    CREATE = "create"
    CANCEL = "cancel"


class Outcome(StrEnum):
    STARTED = "started"
    """The operation begins."""
    DONE = "done"
    """It finished and is recorded in the state."""
    FAILED = "failed"
    """The service refused it or could not be reached (`error` says why)."""
    ANSWER_LOST = "answer-lost"
    """A create got no usable answer (`error`); apply looks for the order in the account."""
    RECOVERED = "recovered"
    """The order of a lost create was found and recorded."""
    NOT_MADE = "not-made"
    """The order of a lost create is not in the account: it was not created."""
    UNCHECKED = "unchecked"
    """The account could not be listed to look for a lost create (`error`)."""
    SKIPPED = "skipped"
    """Not attempted: cancelling the order it replaces failed."""


FAILURES = frozenset({Outcome.FAILED, Outcome.NOT_MADE, Outcome.UNCHECKED, Outcome.SKIPPED})
SUCCESSES = frozenset({Outcome.DONE, Outcome.RECOVERED})


@dataclass(frozen=True)
class ApplyEvent:
    outcome: Outcome
    operation: Operation
    name: str
    """The manifest name; empty for an unmanaged order."""
    guid: str | None
    step: int
    total: int
    effect: CancelEffect | None = None
    """For a cancel: what cancelling did."""
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURES

    @property
    def succeeded(self) -> bool:
        return self.outcome in SUCCESSES


Listener = Callable[[ApplyEvent], None]

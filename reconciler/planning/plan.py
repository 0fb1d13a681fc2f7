"""A plan: the ordered changes, their costs and warnings, and what it was computed from."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from reconciler.planning.model import Action, Change
from reconciler.planning.money import Timeline, charged_at_apply, commitment


@dataclass(frozen=True)
class Violation:
    """A guardrail the plan breaks: the rule, the figures and what to do."""

    rule: str
    message: str
    forcible: bool = False
    """True when --force lifts it (only the change threshold)."""

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class Credits:
    """The account's order credits, as its account info names them."""

    balance: float
    overdraft: float = 0.0

    def pays(self, amount: float) -> bool:
        return amount <= self.balance + self.overdraft + 0.005


@dataclass(frozen=True)
class Inputs:
    """Digests of what the plan was computed from; apply refuses a plan whose inputs moved."""

    manifests: str
    live_orders: str
    state: str


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    today: date
    inputs: Inputs
    created_at: datetime
    source: str = ""
    violations: tuple[Violation, ...] = ()
    """The guardrails this plan breaks (those --force lifted are left out)."""
    timeline: Timeline = field(default_factory=lambda: Timeline(()))
    """The managed orders' cost before and after, month by month over the horizon."""
    notes: tuple[str, ...] = ()
    """What a reviewer should know of the plan as a whole (not of one change)."""
    state_warning: str = ""
    """Set when the state was changed outside the tool (its seal does not match): said first."""
    untrusted: tuple[str, ...] = ()
    """The state entries planning treated as untrusted (protected, no recorded cost)."""
    credits: Credits | None = None
    """The account's order credits, where the service says (None: it does not)."""
    files: Mapping[str, str] = field(default_factory=dict)
    """Each manifest's file relative to the workspace folder, by name: apply records it in
    the entry, so that a run over narrower paths cancels only what it covers."""

    @property
    def commitment(self) -> float:
        """What the plan commits to spend: new orders over their lives or the horizon."""
        return commitment(self.changes)

    @property
    def charge_at_apply(self) -> float:
        """What apply deducts from the account's order credits now, for the new orders."""
        return charged_at_apply(self.changes)

    @property
    def has_changes(self) -> bool:
        return any(c.changes_something for c in self.changes)

    @property
    def errors(self) -> list[Change]:
        return [c for c in self.changes if c.error]

    def counts(self) -> dict[str, int]:
        tally = Counter(c.action.value for c in self.changes)
        return {action.value: tally.get(action.value, 0) for action in Action}

    @property
    def currency(self) -> str:
        for change in self.changes:
            if change.bill_change is not None:
                return change.bill_change.currency
        return "EUR"

    def totals(self) -> tuple[float, float]:
        """(this month, per month from next month): the net change of the bill."""
        now = math.fsum(c.bill_change.current_month for c in self.changes if c.bill_change)
        monthly = math.fsum(c.bill_change.next_month for c in self.changes if c.bill_change)
        return round(now, 2), round(monthly, 2)

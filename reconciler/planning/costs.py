"""What each change costs or saves, from estimates of the new and the old spec. Pure."""

from __future__ import annotations

from reconciler.planning.model import Action, CancelEffect, Change, Cost

_SAVES = (CancelEffect.FULL, CancelEffect.STOPS_RENEWAL)


def change_cost(change: Change, new: Cost | None, old: Cost | None) -> Cost | None:
    """The change's effect on the bill: creates add the new order's cost; cancels save the
    old order's monthly cost from next month (and this month's too when it is still in review,
    which cancels it whole); a replace does both. Savings are approximate: they come from an
    estimate of the live order's spec as if it were ordered today."""
    if change.action == Action.CREATE:
        return new
    if change.action not in (Action.CANCEL, Action.REPLACE):
        return None
    saved_now = saved_monthly = 0.0
    effect = change.cancellation.effect if change.cancellation else CancelEffect.NOTHING
    if old is not None and effect in _SAVES:
        saved_monthly = old.next_month
        saved_now = old.current_month if effect == CancelEffect.FULL else 0.0
    if change.action == Action.CANCEL:
        if old is None and effect in _SAVES:
            return None
        currency = old.currency if old else "EUR"
        return Cost(
            -saved_now, -saved_monthly, currency, approximate=effect != CancelEffect.NOTHING
        )
    if new is None:
        return None
    return Cost(
        round(new.current_month - saved_now, 2),
        round(new.next_month - saved_monthly, 2),
        new.currency,
        approximate=old is not None and effect != CancelEffect.NOTHING,
    )

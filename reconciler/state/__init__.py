"""The state file: ownership of live orders by manifest name, and the account it belongs to."""

from reconciler.state.store import Owner, State, StateFile

__all__ = ["Owner", "State", "StateFile"]

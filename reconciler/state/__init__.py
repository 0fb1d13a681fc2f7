"""The state file: ownership of live orders by manifest name."""

from reconciler.state.store import State, StateFile

__all__ = ["State", "StateFile"]

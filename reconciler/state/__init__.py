"""The state: which live order each manifest name owns, where it is kept, and its seal."""

from reconciler.state.model import Owner, State
from reconciler.state.seal import Sealer, Trust
from reconciler.state.store import StateFile, StateStore

__all__ = ["Owner", "Sealer", "State", "StateFile", "StateStore", "Trust"]

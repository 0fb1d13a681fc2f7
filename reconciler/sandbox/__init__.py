"""A faithful local stand-in for the ClearSKY service (in process or on loopback).

It imports nothing above the spec layer.
"""

from reconciler.sandbox.app import Dialect, Sandbox
from reconciler.sandbox.clock import Clock
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.server import (
    InProcessTransport,
    free_port,
    serve_in_subprocess,
    serve_in_thread,
)
from reconciler.sandbox.store import Store

__all__ = [
    "Clock",
    "Dialect",
    "Faults",
    "InProcessTransport",
    "Sandbox",
    "Store",
    "free_port",
    "serve_in_subprocess",
    "serve_in_thread",
]

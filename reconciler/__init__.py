"""clearsky-orders: tasking orders as code for the ClearSKY Vision API."""

__version__ = "0.2.0"

"""clearsky-orders: tasking orders as code for the ClearSKY Vision API."""

__version__ = "0.1.0"

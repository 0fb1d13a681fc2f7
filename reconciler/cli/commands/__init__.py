"""One module per command; each parses, calls the engine, renders and returns an exit code."""

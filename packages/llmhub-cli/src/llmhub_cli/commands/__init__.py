"""One module per command group; each imports only typer and the standard library at import time."""

__all__: list[str] = []

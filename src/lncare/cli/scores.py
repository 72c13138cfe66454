"""``lncare calc sledai2k|eular-acr-2019|nih-indices``: disease scores and pathology indices."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the score commands to the ``calc`` group."""

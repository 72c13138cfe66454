"""``lncare kb ...``: query the knowledge base."""

from __future__ import annotations

import typer

app = typer.Typer(help="Knowledge base: therapies, trials, guideline statements.", no_args_is_help=True)

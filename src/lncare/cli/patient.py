"""``lncare patient ...``: load, check and describe patient records."""

from __future__ import annotations

import typer

app = typer.Typer(help="Patient records: validate, convert units, export the JSON Schema.",
                  no_args_is_help=True)

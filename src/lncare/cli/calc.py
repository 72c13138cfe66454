"""``lncare calc ...``: the clinical calculators."""

from __future__ import annotations

import typer

app = typer.Typer(help="Clinical calculators (eGFR, BSA, SLEDAI-2K, EULAR/ACR 2019, NIH indices).",
                  no_args_is_help=True)

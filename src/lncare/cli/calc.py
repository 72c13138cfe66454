"""``lncare calc ...``: the clinical calculators."""

from __future__ import annotations

import typer

app = typer.Typer(help="Clinical calculators (eGFR, BSA, SLEDAI-2K, EULAR/ACR 2019, NIH indices).",
                  no_args_is_help=True)

from lncare.cli import scores  # noqa: E402  (scores adds its commands to this group)

scores.register(app)
